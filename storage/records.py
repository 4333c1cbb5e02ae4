"""Deprecation records: upsert per (provider, model), change history, and `listed` flags.

A record is owned by the first source that listed it; other sources may only fill fields
the owner left empty, so two pages about one model never flip a record back and forth. Each
field remembers which source set it (`field_sources`), and only that source may empty it
again: a page that is silent about a date never wipes the date another page gives.
A record that disappears from its page is marked `listed = 0`, never deleted.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

TRACKED = (
    "kind",
    "aliases",
    "shutdown_date",
    "shutdown_kind",
    "announced_date",
    "replacements",
    "status",
    "evidence",
    "url",
)
JSON_FIELDS = ("aliases", "replacements")
EMPTY = (None, "", "[]", "none")  # encoded values that state nothing


def _encode(field: str, value: Any) -> Any:
    if field in JSON_FIELDS:
        return json.dumps(list(value or []))
    return value


def decode_record(row: dict[str, Any]) -> dict[str, Any]:
    data = dict(row)
    for field in JSON_FIELDS:
        data[field] = json.loads(data[field]) if data.get(field) else []
    return data


def apply_source_records(
    db: sqlite_utils.Database,
    *,
    source_id: str,
    records: list[dict[str, Any]],
    keep: list[tuple[str, str]] | None = None,
    snapshot_sha256: str | None,
    now: str,
    run_id: int | None,
) -> list[dict[str, Any]]:
    """Upsert one source's full record list; return events as dicts.

    `keep` names (provider, model) pairs held for review: still on the page, so not
    unlisted, but not updated either. Each event: {"kind": new|changed|unlisted|relisted,
    "record_id", "provider", "model", "changes": [(field, old, new), ...]}.
    Call inside a transaction.
    """
    events: list[dict[str, Any]] = []
    seen_ids: set[int] = set()
    for record in records:
        current = next(
            db.query(
                "SELECT * FROM records WHERE provider = ? AND model = ?",
                [record["provider"], record["model"]],
            ),
            None,
        )
        if current is None:
            row = {field: _encode(field, record.get(field)) for field in TRACKED}
            row.update(
                provider=record["provider"],
                model=record["model"],
                source_id=source_id,
                snapshot_sha256=snapshot_sha256,
                first_seen=now,
                last_seen=now,
                listed=1,
                field_sources=json.dumps(
                    {f: source_id for f in TRACKED if row[f] not in EMPTY}, sort_keys=True
                ),
            )
            record_id = db["records"].insert(row).last_pk
            seen_ids.add(record_id)
            events.append(_event("new", record_id, record, []))
            continue
        record_id = current["id"]
        seen_ids.add(record_id)
        owned = current["source_id"] in (source_id, None) or not current["listed"]
        provenance: dict[str, str] = json.loads(current["field_sources"] or "{}")
        changes: list[tuple[str, Any, Any]] = []
        updates: dict[str, Any] = {"last_seen": now}
        for field in TRACKED:
            new = _encode(field, record.get(field))
            old = current[field]
            setter = provenance.get(field)
            if new == old:
                if new not in EMPTY and setter is None:
                    provenance[field] = source_id
                continue
            if new in EMPTY:
                # Only the source that stated a value may withdraw it: another page that is
                # silent about a date must not wipe the date this one gives.
                may_clear = setter == source_id or (setter is None and owned)
                if field == "evidence" or not may_clear:
                    continue
                provenance.pop(field, None)
            else:
                if not (owned or old in EMPTY or setter == source_id):
                    continue
                provenance[field] = source_id
            updates[field] = new
            changes.append((field, old, new))
        updates["field_sources"] = json.dumps(provenance, sort_keys=True)
        if owned:
            updates.update(source_id=source_id, snapshot_sha256=snapshot_sha256)
        relisted = not current["listed"]
        if relisted:
            updates["listed"] = 1
            changes.append(("listed", 0, 1))
        db["records"].update(record_id, updates)
        for field, old, new in changes:
            db["record_changes"].insert(
                {
                    "record_id": record_id,
                    "field": field,
                    "old_value": None if old is None else str(old),
                    "new_value": None if new is None else str(new),
                    "snapshot_sha256": snapshot_sha256,
                    "changed_at": now,
                    "run_id": run_id,
                }
            )
        if changes:
            events.append(_event("relisted" if relisted else "changed", record_id, record, changes))
    held = set(keep or ())
    for row in db.query(
        "SELECT id, provider, model FROM records WHERE source_id = ? AND listed = 1", [source_id]
    ):
        if row["id"] in seen_ids or (row["provider"], row["model"]) in held:
            continue
        db["records"].update(row["id"], {"listed": 0})
        db["record_changes"].insert(
            {
                "record_id": row["id"],
                "field": "listed",
                "old_value": "1",
                "new_value": "0",
                "snapshot_sha256": snapshot_sha256,
                "changed_at": now,
                "run_id": run_id,
            }
        )
        events.append(_event("unlisted", row["id"], row, [("listed", 1, 0)]))
    return events


def _event(kind: str, record_id: int, record: dict[str, Any], changes: list) -> dict[str, Any]:
    return {
        "kind": kind,
        "record_id": record_id,
        "provider": record["provider"],
        "model": record["model"],
        "changes": changes,
    }


def all_records(db: sqlite_utils.Database, *, listed_only: bool = False) -> list[dict[str, Any]]:
    sql = "SELECT * FROM records" + (" WHERE listed = 1" if listed_only else "") + " ORDER BY id"
    return [decode_record(row) for row in db.query(sql)]
