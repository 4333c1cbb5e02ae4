"""The alerts outbox table: enqueue with an idempotency key, pick due rows, record outcomes.

Deciding inserts rows; delivering reads due rows and marks them sent, failed (retry later)
or dead. A unique idempotency key makes deciding twice harmless.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from storage.db import transaction

PENDING, SENT, FAILED, DEAD = "pending", "sent", "failed", "dead"


def enqueue(
    db: sqlite_utils.Database,
    *,
    team: str,
    kind: str,
    channel: str,
    idempotency_key: str,
    payload: str,
    now: str,
    record_id: int | None = None,
) -> bool:
    """Insert a pending alert; return False when its idempotency key already exists."""
    cursor = db.execute(
        """INSERT OR IGNORE INTO alerts
           (team, record_id, kind, channel, idempotency_key, status, attempts,
            next_attempt, payload, created_at)
           VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)""",
        [team, record_id, kind, channel, idempotency_key, now, payload, now],
    )
    return cursor.rowcount == 1


def exists(db: sqlite_utils.Database, idempotency_key: str) -> bool:
    row = db.execute("SELECT 1 FROM alerts WHERE idempotency_key = ?", [idempotency_key]).fetchone()
    return row is not None


def due(db: sqlite_utils.Database, now: str, limit: int = 500) -> list[dict[str, Any]]:
    """Pending or failed alerts whose next attempt time has come, oldest first."""
    return list(
        db.query(
            """SELECT * FROM alerts WHERE status IN ('pending', 'failed') AND next_attempt <= ?
               ORDER BY next_attempt, id LIMIT ?""",
            [now, limit],
        )
    )


def mark_sent(db: sqlite_utils.Database, alert_id: int, now: str) -> None:
    with transaction(db):
        db.execute(
            """UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1,
               last_error = NULL WHERE id = ?""",
            [now, alert_id],
        )


def mark_failed(
    db: sqlite_utils.Database, alert_id: int, *, error: str, next_attempt: str, dead: bool
) -> None:
    """Record a failed attempt: retry at next_attempt, or give up (dead)."""
    with transaction(db):
        db.execute(
            """UPDATE alerts SET status = ?, attempts = attempts + 1, last_error = ?,
               next_attempt = ? WHERE id = ?""",
            [DEAD if dead else FAILED, error[:500], next_attempt, alert_id],
        )


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {
        row["status"]: row["n"]
        for row in db.query("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
    }
