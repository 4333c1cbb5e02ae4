"""Generic JSON model lists -> Document with one lifecycle table.

Accepted shapes: a list of entries, an object holding such a list (`{"models": [...]}`,
`{"data": [...]}`, any key), or an object keyed by model ID (`{"acme-1": {...}}`). An entry is
an object with an ID key (`id`, `model`, `model_id`, `slug`) or a `name`. Nested objects are
flattened (`{"deprecation": {"shutdown_date": ...}}` reads as `deprecation_shutdown_date`).

Keys are mapped to canonical column headers, so the table reader applies the same header
semantics as on any page:

- shutdown / retirement / sunset / EOL / end of support / removal date -> "Shutdown date"
  (a key saying "earliest" / "not before" makes the value a floor date, "No earlier than X");
- deprecation date -> "Deprecation announced": a deprecation date alone is not when requests
  stop. It becomes the shutdown date only when the entry has no shutdown key and its own text
  (`description`, `notes`, ...) says requests stop, fail or the model is no longer available;
- replacement / successor / alternative / recommended -> "Replacement";
- status / state / lifecycle / stage, or a boolean `deprecated` -> "Status" (active entries
  are not records).
Evidence is the entry as compact JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline.parse.document import Document, Notice, Table

_ID_KEYS = ("id", "model", "model_id", "modelid", "slug", "key", "model_name")
_NAME_KEYS = ("name", "display_name", "displayname", "title", "label")
_TEXT_KEYS = re.compile(r"(?:^|_)(description|notes?|message|details|summary|comment)$")
_REPLACEMENT = re.compile(r"replac|successor|alternative|recommend|migrat|upgrade")
_SHUTDOWN = re.compile(
    r"shut_?down|retire|sunset|(?:^|_)eol(?:_|$)|end_of_(?:life|support|service)|discontinu|"
    r"remov|turn_?off|expir|unavailable"
)
_FLOOR_KEY = re.compile(r"earliest|not_before|no_sooner|not_sooner|no_earlier")
_DEPRECATION = re.compile(r"deprecat")
_STATUS = re.compile(r"(?:^|_)(status|state|lifecycle|stage)$")
_STOPS = re.compile(
    r"requests?\b.*\b(?:fail|stop|rejected|return (?:an )?error)|no longer (?:be )?"
    r"(?:available|served|accessible|supported)|shut ?down|turned off|stops? working",
    re.IGNORECASE,
)
HEADER = ("Model ID", "Name", "Status", "Deprecation announced", "Shutdown date", "Replacement")


def _flatten(entry: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in entry.items():
        name = re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")
        path = f"{prefix}_{name}" if prefix else name
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):
        return ", ".join(_text(v) for v in value.values() if _text(v))
    return " ".join(str(value).split())


def _is_entry(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in (*_ID_KEYS, *_NAME_KEYS))


def find_entries(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The model entries of a JSON document (the first list of entry objects found)."""
    if depth > 3:
        return []
    if isinstance(data, list):
        entries = [e for e in data if _is_entry(e)]
        if entries:
            return entries
        for item in data:
            found = find_entries(item, depth + 1)
            if found:
                return found
        return []
    if not isinstance(data, dict):
        return []
    if (
        data
        and not _is_entry(data)
        and all(isinstance(v, dict) and not any(k in v for k in _ID_KEYS) for v in data.values())
    ):
        keyed = [{"id": k, **v} for k, v in data.items()]
        if any(any(_row(_flatten(e))[2:5]) for e in keyed):
            return keyed  # {"acme-1": {"status": ...}, ...}
    for value in data.values():
        found = find_entries(value, depth + 1)
        if found:
            return found
    return []


def _row(flat: dict[str, Any]) -> tuple[str, ...]:
    """One entry -> (model ID, name, status, deprecation, shutdown, replacement)."""
    leaf = {k: k.rsplit("_", 1)[-1] for k in flat}
    model = next((_text(flat[k]) for k in _ID_KEYS if k in flat and _text(flat[k])), "")
    name = next((_text(flat[k]) for k in _NAME_KEYS if k in flat and _text(flat[k])), "")
    status = shutdown = deprecation = replacement = flag_status = ""
    notes = " ".join(_text(v) for k, v in flat.items() if _TEXT_KEYS.search(k))
    for key, value in flat.items():
        if key in _ID_KEYS or key in _NAME_KEYS or _TEXT_KEYS.search(key):
            continue
        if isinstance(value, bool) and (_SHUTDOWN.search(key) or _DEPRECATION.search(key)):
            flag = "retired" if _SHUTDOWN.search(key) else "deprecated"
            flag_status = flag_status or (flag if value else "active")  # "deprecated": false
        elif _REPLACEMENT.search(key):
            replacement = replacement or _text(value)
        elif _SHUTDOWN.search(key):
            text = _text(value)
            if text and not shutdown:
                shutdown = f"No earlier than {text}" if _FLOOR_KEY.search(key) else text
        elif _DEPRECATION.search(key):
            if leaf[key] in ("date", "at", "on", "announced", "deprecated", "deprecation"):
                deprecation = deprecation or _text(value)
        elif _STATUS.search(key):
            status = status or _text(value)
    if not shutdown and deprecation and _STOPS.search(notes):
        shutdown, deprecation = deprecation, ""  # the entry says this is when requests stop
    if flag_status and not status and (flag_status == "active" or not shutdown):
        # A true/false flag is weaker than a dated entry: with a shutdown date the date decides.
        status = flag_status
    if deprecation and not status:
        status = "deprecated"  # deprecated on that date, shutdown not (yet) given
    return (model, name, status, deprecation, shutdown, replacement)


def parse_model_list(data: Any, url: str | None) -> Document:
    entries = find_entries(data)
    if not entries:
        return Document(fmt="json", url=url, warnings=("JSON has no feed items or model entries",))
    rows = []
    raw = []
    for entry in entries:
        row = _row(_flatten(entry))
        if row[0] or row[1]:
            rows.append(row)
            raw.append(json.dumps(entry, ensure_ascii=False, separators=(", ", ": ")))
    if not any(row[0] for row in rows):
        rows = [(row[1], "", *row[2:]) for row in rows]  # names only: the names are the models
    title = str(data.get("title") or "") if isinstance(data, dict) else ""
    table = Table(header=HEADER, rows=tuple(rows), raw_rows=tuple(raw))
    notice = Notice(headings=(title,) if title else (), blocks=(table,))
    return Document(fmt="json", url=url, title=title, notices=(notice,))
