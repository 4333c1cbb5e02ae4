"""Sources, their fetch outcomes, snapshots and runs: the store's side of a fetch cycle."""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

import sqlite_utils

from storage.db import transaction

CONFIG_COLUMNS = ("kind", "provider", "url", "format", "interval_minutes", "enabled")


def sync_sources(db: sqlite_utils.Database, sources: list[dict[str, Any]]) -> None:
    """Insert or update the configured fields of each source; state columns are kept.

    Sources no longer in the config are disabled, never deleted (their fetches and
    records stay browsable).
    """
    with transaction(db):
        known = {row["id"] for row in db.query("SELECT id FROM sources")}
        for source in sources:
            source = {"kind": "page", **source}  # callers from before kinds existed
            values = {column: source[column] for column in CONFIG_COLUMNS}
            if source["id"] in known:
                assignments = ", ".join(f"{column} = :{column}" for column in CONFIG_COLUMNS)
                db.execute(
                    f"UPDATE sources SET {assignments} WHERE id = :id",
                    {**values, "id": source["id"]},
                )
            else:
                db["sources"].insert({"id": source["id"], **values})
        configured = {source["id"] for source in sources}
        for source_id in known - configured:
            db.execute("UPDATE sources SET enabled = 0 WHERE id = ?", [source_id])


def get_sources(db: sqlite_utils.Database, ids: list[str] | None = None) -> list[dict[str, Any]]:
    rows = list(db.query("SELECT * FROM sources ORDER BY id"))
    if ids is not None:
        wanted = set(ids)
        rows = [row for row in rows if row["id"] in wanted]
    return rows


def states(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each source's state as `sunset sources` shows it, by id."""
    return list(
        db.query(
            """SELECT id, kind, provider, format, last_fetch_at, last_status, last_change_at,
                      consecutive_failures, health, record_count, enabled
               FROM sources ORDER BY id"""
        )
    )


def start_run(db: sqlite_utils.Database, started: str, sources_total: int) -> int:
    with transaction(db):
        return db["runs"].insert({"started": started, "sources_total": sources_total}).last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, **fields: Any) -> None:
    with transaction(db):
        db["runs"].update(run_id, fields)


def record_fetch(db: sqlite_utils.Database, fetch: dict[str, Any]) -> None:
    db["fetches"].insert(fetch)


def store_snapshot(
    db: sqlite_utils.Database,
    *,
    source_id: str,
    fetched_at: str,
    body: bytes,
    url: str | None,
    content_type: str | None,
    charset: str | None,
) -> str:
    """Store a compressed snapshot unless the same body is already stored; return its sha256."""
    sha = hashlib.sha256(body).hexdigest()
    db.execute(
        """INSERT OR IGNORE INTO snapshots
           (source_id, fetched_at, sha256, url, content_type, charset, size, body)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [source_id, fetched_at, sha, url, content_type, charset, len(body), zlib.compress(body, 6)],
    )
    return sha


def prune_snapshots(db: sqlite_utils.Database, source_id: str, keep: int, protect: str) -> int:
    """Delete a source's old snapshots; return how many went.

    Kept: the `keep` most recently fetched, `protect` (the one just stored, not yet
    extracted), the source's last good page (`content_hash`) and every snapshot that
    produced one of its current records.
    """
    cursor = db.execute(
        """DELETE FROM snapshots
           WHERE source_id = :source AND sha256 != :protect
             AND id NOT IN (SELECT id FROM snapshots WHERE source_id = :source
                            ORDER BY fetched_at DESC, id DESC LIMIT :keep)
             AND sha256 NOT IN (SELECT content_hash FROM sources
                                WHERE id = :source AND content_hash IS NOT NULL)
             AND sha256 NOT IN (SELECT snapshot_sha256 FROM records
                                WHERE source_id = :source AND snapshot_sha256 IS NOT NULL)""",
        {"source": source_id, "protect": protect, "keep": keep},
    )
    return cursor.rowcount


def load_snapshot(db: sqlite_utils.Database, source_id: str, sha256: str) -> bytes | None:
    row = db.execute(
        "SELECT body FROM snapshots WHERE source_id = ? AND sha256 = ?", [source_id, sha256]
    ).fetchone()
    return zlib.decompress(row[0]) if row else None


def update_source(db: sqlite_utils.Database, source_id: str, fields: dict[str, Any]) -> None:
    db["sources"].update(source_id, fields)


def add_warnings(
    db: sqlite_utils.Database, run_id: int, source_id: str, messages: list[str], now: str
) -> None:
    if messages:
        db["warnings"].insert_all(
            {"run_id": run_id, "source_id": source_id, "message": m[:1000], "created_at": now}
            for m in messages
        )
