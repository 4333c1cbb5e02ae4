"""Which occurrences of a model ID `sunset fix` may rewrite, and the rewritten text (pure).

Strings only. An occurrence is a token the scanner (`pipeline.usage`) reads as exactly the
model (or its `org/model`, `provider:model` or `.../models/model` platform form, whose last
segment is replaced), never a part of a longer ID (`gpt-4o` is not in `gpt-4o-mini`), and it
must stand where a value stands:

- the whole content of a quoted string (`"gpt-4o"`, `'openai/gpt-4o'`) in any scanned file,
  outside a comment (a `#`, `//`, `--`, `/*` or `*` comment before it on its line);
- or, in a configuration file (YAML, TOML, .env, INI, properties, tfvars), an unquoted
  assigned value (`model: gpt-4o`, `MODEL=gpt-4o`) outside a comment.

Anything else the scanner reports (an ID in prose, a comment, a longer string, an identifier)
is left alone: rewriting what it does not understand could break the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from pipeline.usage.scan import _TOKEN_RE, _token_model  # the scanner's own token rules

CONFIG_SUFFIXES = frozenset(
    (".yaml", ".yml", ".toml", ".env", ".ini", ".cfg", ".conf", ".properties", ".tfvars")
)
QUOTES = "\"'`"
_ASSIGNED_BEFORE = re.compile(r"(?:[=:]|^\s*-)\s*$")
_VALUE_END = re.compile(r"\s*(?:[,;#]|$)")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`")
_COMMENT = re.compile(r"#|//|--|/\*|^\s*\*")
REPLACEMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/\-]*$")


@dataclass(frozen=True)
class Edit:
    """One rewritten occurrence: 1-based line, the token before and after."""

    line: int
    before: str
    after: str


def _is_config(name: str) -> bool:
    path = PurePosixPath(name)
    return path.name.startswith(".env") or path.suffix.lower() in CONFIG_SUFFIXES


def _in_comment(before: str) -> bool:
    return bool(_COMMENT.search(_QUOTED.sub('""', before)))


def _model_span(token: str, model: str) -> tuple[int, int] | None:
    """Where `model` sits in `token`: the whole token or its last path/prefix segment,
    optionally followed by a `:action` suffix (`...:generateContent`)."""
    lower = token.lower()
    at = lower.rfind(model)
    while at != -1:
        end = at + len(model)
        starts = at == 0 or lower[at - 1] in "/:"
        ends = end == len(lower) or lower[end] == ":" or lower[end:].strip(".:/") == ""
        if starts and ends:
            return at, end
        at = lower.rfind(model, 0, at)
    return None


def rewrite(
    text: str, name: str, model: str, replacement: str, known: frozenset[str] = frozenset()
) -> tuple[str, list[Edit]]:
    """`text` with each string occurrence of `model` replaced, and the edits made."""
    model = model.lower()
    config = _is_config(name)
    pieces: list[str] = []
    edits: list[Edit] = []
    last = 0
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    line_no = 0
    for m in _TOKEN_RE.finditer(text):
        found = _token_model(m.group(), known | {model})
        if found is None:
            continue
        read = found[0]
        if read != model and not read.endswith("/" + model):
            continue
        span = _model_span(m.group(), model)
        if span is None:
            continue
        while line_no + 1 < len(line_starts) and line_starts[line_no + 1] <= m.start():
            line_no += 1
        start_of_line = line_starts[line_no]
        end_of_line = text.find("\n", m.end())
        before = text[start_of_line : m.start()]
        after = text[m.end() : len(text) if end_of_line == -1 else end_of_line].rstrip("\r")
        quoted = bool(before and after and before[-1] in QUOTES and after[0] == before[-1])
        if quoted:
            before = before[:-1]
        elif not (config and _ASSIGNED_BEFORE.search(before) and _VALUE_END.match(after)):
            continue
        if _in_comment(before):
            continue
        token = m.group()
        new_token = token[: span[0]] + replacement + token[span[1] :]
        pieces += [text[last : m.start()], new_token]
        last = m.end()
        edits.append(Edit(line_no + 1, token, new_token))
    pieces.append(text[last:])
    return "".join(pieces), edits
