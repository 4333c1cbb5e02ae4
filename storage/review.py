"""The operator's side of review: list records waiting, confirm, reject, correct.

Plain dicts in and out (`storage` never imports `pipeline`). Every decision is a
`review_log` row. A correction is kept in the record's `overrides` (field -> {"value": the
stored value, "page": what the page said}), which extraction never overwrites, and its field
changes go to `record_changes` so teams that already heard of the record are told of the
corrected values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from storage.records import JSON_FIELDS, decode_record, log_review

CORRECTABLE = ("shutdown_date", "shutdown_kind", "replacements", "model")


class ReviewError(ValueError):
    """An operator's review command cannot be applied (unknown id, conflicting model)."""


def waiting(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Records in `needs_review`, oldest first, list fields decoded."""
    return [
        decode_record(row)
        for row in db.query(
            "SELECT * FROM records WHERE review_state = 'needs_review' ORDER BY first_seen, id"
        )
    ]


def in_state(db: sqlite_utils.Database, state: str) -> list[dict[str, Any]]:
    """Records in one review state (`needs_review`, `confirmed`, `rejected`), decoded, oldest
    first."""
    return [
        decode_record(row)
        for row in db.query(
            "SELECT * FROM records WHERE review_state = ? ORDER BY first_seen, id", [state]
        )
    ]


def get_records(db: sqlite_utils.Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The rows for `ids` in the order given; ReviewError naming the first unknown id."""
    found = []
    for record_id in ids:
        row = db.execute("SELECT id FROM records WHERE id = ?", [record_id]).fetchone()
        if row is None:
            raise ReviewError(f"no record with id {record_id}")
        found.append(decode_record(next(db.query("SELECT * FROM records WHERE id = ?", [row[0]]))))
    return found


def set_state(
    db: sqlite_utils.Database,
    ids: Sequence[int],
    state: str,
    *,
    by: str,
    at: str,
    reason: str | None = None,
) -> list[tuple[int, str, str]]:
    """Move records to `state` (confirmed | rejected); return (id, old, new) for each one
    that changed. Unknown ids raise before anything is written. Call inside a transaction."""
    if state not in ("confirmed", "rejected"):
        raise ReviewError(f"unknown review state {state!r}")
    moved = []
    for record in get_records(db, ids):
        old = record["review_state"]
        if old == state or (state == "confirmed" and old == "ok"):
            continue
        db["records"].update(
            record["id"], {"review_state": state, "reviewed_by": by, "reviewed_at": at}
        )
        log_review(
            db,
            record["id"],
            action=state,
            old_state=old,
            new_state=state,
            by=by,
            reason=reason,
            at=at,
        )
        moved.append((record["id"], old, state))
    return moved


def _stored(field: str, value: Any) -> Any:
    return json.dumps(list(value)) if field in JSON_FIELDS else value


def correct(
    db: sqlite_utils.Database,
    record_id: int,
    fields: dict[str, Any],
    *,
    by: str,
    at: str,
) -> list[tuple[str, Any, Any]]:
    """Apply an operator's correction and confirm the record; return (field, old, new).

    `fields` may hold shutdown_date, shutdown_kind, replacements (a list) and model (a date
    without a kind keeps the record's kind, or "firm"). Each
    corrected field is remembered in `overrides` and never overwritten by extraction; a
    corrected model id keeps the extracted one in `extracted_model`, so re-extraction of the
    page still finds this record. Call inside a transaction.
    """
    unknown = sorted(set(fields) - set(CORRECTABLE))
    if unknown:
        raise ReviewError(f"cannot correct {', '.join(unknown)}")
    (record,) = get_records(db, [record_id])
    row = next(db.query("SELECT * FROM records WHERE id = ?", [record_id]))
    fields = dict(fields)
    if fields.get("shutdown_date") and "shutdown_kind" not in fields:
        # A date alone keeps the record's kind of date ("not before" stays "not before").
        fields["shutdown_kind"] = row["shutdown_kind"] if row["shutdown_kind"] != "none" else "firm"
    if "shutdown_date" not in fields and fields.get("shutdown_kind") and not row["shutdown_date"]:
        raise ReviewError(f"record {record_id} has no shutdown date: give --shutdown-date too")
    overrides: dict[str, Any] = json.loads(row["overrides"] or "{}")
    provenance: dict[str, str] = json.loads(row["field_sources"] or "{}")
    updates: dict[str, Any] = {}
    changes: list[tuple[str, Any, Any]] = []
    model = fields.get("model")
    if model is not None and model != row["model"]:
        clash = db.execute(
            "SELECT id FROM records WHERE provider = ? AND model = ? AND id != ?",
            [row["provider"], model, record_id],
        ).fetchone()
        if clash:
            raise ReviewError(
                f"record {record_id}: {row['provider']}/{model} already exists as record {clash[0]}"
            )
        updates.update(model=model, extracted_model=row["extracted_model"] or row["model"])
        changes.append(("model", row["model"], model))
    if model is not None:
        page = row["extracted_model"] or row["model"]
        overrides["model"] = {"value": model, "page": page}
    for field in ("shutdown_date", "shutdown_kind", "replacements"):
        if field not in fields:
            continue
        new = _stored(field, fields[field])
        page = overrides[field]["page"] if field in overrides else row[field]
        overrides[field] = {"value": new, "page": page}
        provenance[field] = "operator"
        if new != row[field]:
            updates[field] = new
            changes.append((field, row[field], new))
    updates.update(
        overrides=json.dumps(overrides, sort_keys=True),
        field_sources=json.dumps(provenance, sort_keys=True),
        review_state="confirmed",
        reviewed_by=by,
        reviewed_at=at,
    )
    db["records"].update(record_id, updates)
    for field, old, new in changes:
        db["record_changes"].insert(
            {
                "record_id": record_id,
                "field": field,
                "old_value": None if old is None else str(old),
                "new_value": None if new is None else str(new),
                "snapshot_sha256": None,
                "changed_at": at,
                "run_id": None,
            }
        )
    described = "; ".join(f"{f} {o} -> {n}" for f, o, n in changes) or "no field changed"
    log_review(
        db,
        record_id,
        action="corrected",
        old_state=record["review_state"],
        new_state="confirmed",
        by=by,
        reason=described,
        at=at,
    )
    return changes
