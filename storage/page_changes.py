"""The `page_changes` table: each stored snapshot's text and its diff from the one before.

Plain dicts in and out. A row per new snapshot body of a source (the same body again is no
row); the latest `keep_text` rows of a source keep their text, older ones only their diff,
and at most `keep_rows` rows per source are kept.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils


def latest(db: sqlite_utils.Database, source_id: str) -> dict[str, Any] | None:
    return next(
        db.query(
            "SELECT id, snapshot_sha256, text FROM page_changes WHERE source_id = ?"
            " ORDER BY id DESC LIMIT 1",
            [source_id],
        ),
        None,
    )


def add(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = db.execute(
        f"INSERT INTO page_changes ({columns}) VALUES ({marks})", list(row.values())
    )
    return int(cursor.lastrowid)


def prune(db: sqlite_utils.Database, source_id: str, *, keep_text: int, keep_rows: int) -> None:
    newest = "SELECT id FROM page_changes WHERE source_id = :source ORDER BY id DESC LIMIT :n"
    db.execute(
        f"UPDATE page_changes SET text = NULL WHERE source_id = :source AND text IS NOT NULL"
        f" AND id NOT IN ({newest})",
        {"source": source_id, "n": keep_text},
    )
    db.execute(
        f"DELETE FROM page_changes WHERE source_id = :source AND id NOT IN ({newest})",
        {"source": source_id, "n": keep_rows},
    )
