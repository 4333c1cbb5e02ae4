"""The list-models response shapes providers publish, read into `ListedModel`s.

Pure functions of parsed JSON; no I/O. Shapes read (from the providers' API references):

- OpenAI-compatible (`api: openai`), OpenAI `GET /v1/models`
  (platform.openai.com/docs/api-reference/models/list): `{"object": "list", "data":
  [{"id", "object": "model", "created", "owned_by"}]}`; Groq, xAI, DeepSeek, Cerebras,
  Moonshot, SambaNova, NVIDIA and OpenRouter answer the same envelope. Together
  (docs.together.ai/reference/models-1) answers a bare JSON array of the same objects.
- Mistral `GET /v1/models` (docs.mistral.ai/api/#tag/models): the OpenAI envelope whose
  model cards add `aliases` (list), `deprecation` (date-time or null) and
  `deprecation_replacement_model` (string or null). `deprecation` is read as the date the
  model stops answering (what Mistral's models page calls its retirement).
- Anthropic `GET /v1/models` (docs.anthropic.com/en/api/models-list): `{"data": [{"type":
  "model", "id", "display_name", "created_at"}], "has_more", "first_id", "last_id"}`; the
  next page is asked for with `after_id=<last_id>`.
- Gemini API `GET /v1beta/models` (ai.google.dev/api/models#method:-models.list):
  `{"models": [{"name": "models/gemini-2.5-flash", "baseModelId", "version",
  "displayName", ...}], "nextPageToken"}`; the next page is asked for with `pageToken`. The
  model id is the name without its `models/` prefix.

A model without a string `id` or a body that is not one of these shapes is malformed (the
pull fails and the stored listing is kept); an unreadable deprecation date is a warning and
no date (a date is never guessed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline.fetch.errors import malformed


@dataclass(frozen=True)
class ListedModel:
    """One model as a provider's list states it."""

    id: str
    deprecation: str | None = None  # ISO date the list gives for the model's end
    replacement: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListPage:
    """One response page: its models, and the cursor to the next page if there is one."""

    models: tuple[ListedModel, ...]
    next_cursor: str | None = None  # Anthropic: last_id while has_more; Gemini: nextPageToken
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _date(value: Any, model: str, warnings: list[str]) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
    warnings.append(f"model {model}: deprecation {str(value)[:40]!r} is not a date: ignored")
    return None


def _model(item: Any, index: int, warnings: list[str], key: str = "id") -> ListedModel:
    if not isinstance(item, dict) or not isinstance(item.get(key), str) or not item[key]:
        raise malformed(f"model list: model [{index}] has no string {key}")
    model = item[key].strip().removeprefix("models/")
    aliases = item.get("aliases")
    replacement = item.get("deprecation_replacement_model")
    return ListedModel(
        id=model,
        deprecation=_date(item.get("deprecation"), model, warnings),
        replacement=replacement.strip() if isinstance(replacement, str) and replacement else None,
        aliases=tuple(a.strip() for a in aliases if isinstance(a, str) and a.strip() and a != model)
        if isinstance(aliases, list)
        else (),
    )


def parse_page(data: Any, api: str) -> ListPage:
    """Read one parsed JSON response of a list-models endpoint of this `api` convention."""
    warnings: list[str] = []
    if api == "gemini":
        return _gemini(data)
    if api == "openai" and isinstance(data, list):
        items: Any = data  # Together: a bare array
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        items = data["data"]
    else:
        raise malformed("model list: neither a list of models nor an object with a data list")
    models = tuple(_model(item, index, warnings) for index, item in enumerate(items))
    after = None
    if api == "anthropic" and isinstance(data, dict) and data.get("has_more") is True:
        after = data.get("last_id")
        if not isinstance(after, str) or not after:
            raise malformed("model list: has_more without a last_id")
    return ListPage(models=models, next_cursor=after, warnings=tuple(warnings))


def _gemini(data: Any) -> ListPage:
    warnings: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("models", []), list):
        raise malformed("model list: not an object with a models list")
    models = tuple(
        _model(item, index, warnings, key="name")
        for index, item in enumerate(data.get("models", []))
    )
    token = data.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise malformed("model list: nextPageToken is not a string")
    return ListPage(models=models, next_cursor=token or None, warnings=tuple(warnings))
