"""Reference catalogues in the store: dated entries, confirmations and disagreements.

Plain dicts in and out. `reference_entries` holds the latest good snapshot's entries of each
reference source. `confirmations` has one row per (record, reference) that agrees on the
record's shutdown date: a record is confirmed while a row's `shutdown_date` equals the
record's (`confirmed_records`). `disagreements` has one row per (record, reference, record
date, reference date): the same disagreement seen again only moves `last_seen`; when it goes
away it is `resolved`; a changed date is a new row, alerted on its own. Call the writers
inside a transaction.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

JSON_FIELDS = ("aliases", "replacements")


_ENTRY_COLUMNS = (
    "source_id",
    "provider",
    "model",
    "aliases",
    "shutdown_date",
    "shutdown_kind",
    "deprecated_date",
    "replacements",
    "status",
    "snapshot_sha256",
    "seen_at",
)


def replace_entries(
    db: sqlite_utils.Database,
    source_id: str,
    entries: list[dict[str, Any]],
    *,
    snapshot_sha256: str | None,
    now: str,
) -> None:
    """Replace one reference source's entries with a new snapshot's."""
    db.execute("DELETE FROM reference_entries WHERE source_id = ?", [source_id])
    rows = [
        (
            source_id,
            entry["provider"],
            entry["model"],
            json.dumps(list(entry.get("aliases") or [])),
            entry.get("shutdown_date"),
            entry.get("shutdown_kind") or "none",
            entry.get("deprecated_date"),
            json.dumps(list(entry.get("replacements") or [])),
            entry.get("status"),
            snapshot_sha256,
            now,
        )
        for entry in entries
    ]
    marks = ", ".join("?" * len(_ENTRY_COLUMNS))
    db.conn.executemany(
        f"INSERT INTO reference_entries ({', '.join(_ENTRY_COLUMNS)}) VALUES ({marks})", rows
    )


def entries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Entries of enabled reference sources, JSON lists decoded."""
    rows = db.query(
        """SELECT e.* FROM reference_entries e JOIN sources s ON s.id = e.source_id
           WHERE s.enabled = 1 AND s.kind = 'reference' ORDER BY e.id"""
    )
    out = []
    for row in rows:
        for field in JSON_FIELDS:
            row[field] = json.loads(row[field] or "[]")
        out.append(row)
    return out


def apply_verdicts(
    db: sqlite_utils.Database,
    *,
    agreements: list[dict[str, Any]],
    disagreements: list[dict[str, Any]],
    now: str,
) -> list[dict[str, Any]]:
    """Store one cross-check of every record; return open disagreements not yet alerted.

    Each verdict dict: record_id, reference (source id), reference_model, record_date,
    reference_date. Confirmations and open disagreements absent from this check are
    withdrawn (the dates moved, or the reference was disabled).
    """
    confirmed = {
        (row[0], row[1]): row[2]
        for row in db.execute("SELECT record_id, confirmed_by, shutdown_date FROM confirmations")
    }
    agreed = set()
    unchanged = []
    for verdict in agreements:
        key = (verdict["record_id"], verdict["reference"])
        agreed.add(key)
        if confirmed.get(key) == verdict["record_date"]:
            unchanged.append((now, *key))
            continue
        # New, or confirming a date the record did not have before: confirmed from now.
        db.execute(
            """INSERT OR REPLACE INTO confirmations
               (record_id, confirmed_by, shutdown_date, reference_model, confirmed_at,
                checked_at) VALUES (?, ?, ?, ?, ?, ?)""",
            [*key, verdict["record_date"], verdict["reference_model"], now, now],
        )
    db.conn.executemany(
        "UPDATE confirmations SET checked_at = ? WHERE record_id = ? AND confirmed_by = ?",
        unchanged,
    )
    db.conn.executemany(
        "DELETE FROM confirmations WHERE record_id = ? AND confirmed_by = ?",
        sorted(set(confirmed) - agreed),
    )

    known = {
        (row[1], row[2], row[3], row[4]): (row[0], row[5])
        for row in db.execute(
            """SELECT id, record_id, source_id, record_date, reference_date, status
               FROM disagreements"""
        )
    }
    current: set[int] = set()
    seen_again = []
    for verdict in disagreements:
        key = (
            verdict["record_id"],
            verdict["reference"],
            verdict["record_date"],
            verdict["reference_date"],
        )
        if key in known:
            row_id, _ = known[key]
            current.add(row_id)
            seen_again.append((now, verdict["reference_model"], row_id))
            continue
        cursor = db.execute(
            """INSERT INTO disagreements (record_id, source_id, record_date, reference_date,
               reference_model, status, first_seen, last_seen)
               VALUES (?, ?, ?, ?, ?, 'open', ?, ?)""",
            [*key, verdict["reference_model"], now, now],
        )
        current.add(cursor.lastrowid)
    db.conn.executemany(
        """UPDATE disagreements SET last_seen = ?, status = 'open', resolved_at = NULL,
           reference_model = ? WHERE id = ?""",
        seen_again,
    )
    db.conn.executemany(
        "UPDATE disagreements SET status = 'resolved', resolved_at = ? WHERE id = ?",
        [
            (now, row_id)
            for row_id, status in known.values()
            if status == "open" and row_id not in current
        ],
    )
    return list(
        db.query(
            """SELECT d.*, r.provider, r.model, r.url, r.source_id AS page_source
               FROM disagreements d JOIN records r ON r.id = d.record_id
               WHERE d.status = 'open' AND d.alerted_at IS NULL ORDER BY d.id"""
        )
    )


def has_state(db: sqlite_utils.Database) -> bool:
    """Whether any confirmation or open disagreement exists (to withdraw when entries go)."""
    row = db.execute(
        """SELECT EXISTS (SELECT 1 FROM confirmations)
           OR EXISTS (SELECT 1 FROM disagreements WHERE status = 'open')"""
    ).fetchone()
    return bool(row[0])


def mark_alerted(db: sqlite_utils.Database, ids: list[int], now: str) -> None:
    db.conn.executemany(
        "UPDATE disagreements SET alerted_at = ? WHERE id = ?", [(now, i) for i in ids]
    )


def confirmed_records(db: sqlite_utils.Database) -> dict[int, list[dict[str, Any]]]:
    """record id -> the references confirming its current shutdown date (confirmed_by, at)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in db.query(
        """SELECT c.record_id, c.confirmed_by, c.confirmed_at FROM confirmations c
           JOIN records r ON r.id = c.record_id AND r.shutdown_date = c.shutdown_date
           ORDER BY c.record_id, c.confirmed_by"""
    ):
        out.setdefault(row["record_id"], []).append(
            {"confirmed_by": row["confirmed_by"], "confirmed_at": row["confirmed_at"]}
        )
    return out
