"""Reading a configuration file into a strict model, with one clear line per problem.

`read_yaml` parses with `pipeline.core.strict_yaml` (duplicate keys and aliases refused) and
turns every failure into a `ConfigError` naming the file and line; `validated` checks the
data against a pydantic model and names each problem's entry and field (`sources[3] (id:
openai).url`), an unknown key with its likely meaning, and a bound with its unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from pipeline.core import strict_yaml
from pipeline.core.errors import ConfigError


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return strict_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    except ValueError as exc:  # PyYAML's int() of a 5,000-digit number, and the like
        raise ConfigError(f"{path}: invalid YAML: {str(exc).splitlines()[0][:120]}") from None


def _describe_location(data: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into `sources[3] (id: openai) field url`."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict):
                ident = node[key].get("id") or node[key].get("name") or node[key].get("model")
                if ident is not None:
                    label += f" ({ident})"
            parts.append(label)
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _model_at(model: Any, loc: tuple[Any, ...]) -> Any:
    """The pydantic model that holds the field at `loc` (through lists and optionals)."""
    import typing

    for key in loc:
        if isinstance(key, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or key not in fields:
            return None
        model = fields[key].annotation
        for _ in range(4):  # unwrap list[X], X | None, dict[str, X]
            if isinstance(model, type) and issubclass(model, BaseModel):
                break
            inner = [a for a in typing.get_args(model) if a is not type(None)]
            found = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
            model = found[0] if found else (inner[-1] if inner else None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "less_than_equal": ("le", "at most"),
    "greater_than": ("gt", "more than"),
    "less_than": ("lt", "less than"),
}


_UNITS = ("seconds", "minutes", "hours", "days")


def _bound_with_unit(model: type[BaseModel], error: Any) -> str | None:
    """ "at least 5 minutes (got 1)" for a bounded field whose description names its unit."""
    loc = tuple(error["loc"])
    owner = _model_at(model, loc[:-1])
    field = owner.model_fields.get(str(loc[-1])) if owner is not None else None
    unit = (field.description or "").split(" ")[0] if field is not None else ""
    if unit not in _UNITS:
        return None
    key, words = _BOUNDS[error["type"]]
    return f"{words} {error['ctx'][key]} {unit} (got {error['input']!r})"


def _unknown_key(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """ "unknown key 'emial' (did you mean 'email'?)", or the known keys."""
    import difflib

    key = str(loc[-1])
    owner = _model_at(model, loc[:-1])
    known = sorted(owner.model_fields) if owner is not None else []
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    return f"unknown key {key!r}" + (f" (known: {', '.join(known)})" if known else "")


def validated(path: Path, model: type[BaseModel], data: Any) -> Any:
    if data is None:
        raise ConfigError(f"{path}: file is empty")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = _describe_location(data, tuple(error["loc"]))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden" and error["loc"]:
                message = _unknown_key(model, tuple(error["loc"]))
            elif error["type"] in _BOUNDS and error["loc"]:
                message = _bound_with_unit(model, error) or message
            lines.append(f"{path}: {where}: {message}")
        raise ConfigError("\n".join(lines)) from None
