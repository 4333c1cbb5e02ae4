"""The alerts outbox table: enqueue with an idempotency key, pick due rows, record outcomes.

Deciding inserts rows; delivering reads due rows, claims one (`sending`, committed before
anything is sent) and marks it sent, failed (retry later) or dead. A unique idempotency key
makes deciding twice harmless; the claim means a row whose outcome could not be written is
never picked up again as if unsent. A dead row that failed because its destination was down
keeps that destination, and is revived when the destination works again.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from storage.db import transaction

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"


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
    return (
        enqueue_id(
            db,
            team=team,
            kind=kind,
            channel=channel,
            idempotency_key=idempotency_key,
            payload=payload,
            now=now,
            record_id=record_id,
        )
        is not None
    )


def enqueue_id(
    db: sqlite_utils.Database,
    *,
    team: str,
    kind: str,
    channel: str,
    idempotency_key: str,
    payload: str,
    now: str,
    record_id: int | None = None,
) -> int | None:
    """`enqueue`, returning the new alert's id (None when its key already exists)."""
    cursor = db.execute(
        """INSERT OR IGNORE INTO alerts
           (team, record_id, kind, channel, idempotency_key, status, attempts,
            next_attempt, payload, created_at)
           VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)""",
        [team, record_id, kind, channel, idempotency_key, now, payload, now],
    )
    return cursor.lastrowid if cursor.rowcount == 1 else None


_CHUNK = 500  # bound parameters per IN (...) lookup, well under SQLite's limit


def fact_keys(db: sqlite_utils.Database, keys: list[str]) -> dict[str, str]:
    """Of these fact keys, those already in `alert_keys`, with when each was created
    (primary-key lookups, a chunk of keys per statement)."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(
            db.execute(
                f"SELECT key, created_at FROM alert_keys WHERE key IN ({marks})", chunk
            ).fetchall()
        )
    return found


def add_fact_keys(db: sqlite_utils.Database, rows: list[tuple[str, int, str]]) -> None:
    """(fact key, alert id, created_at) rows; a key already present is kept as it is."""
    db.conn.executemany(
        "INSERT OR IGNORE INTO alert_keys (key, alert_id, created_at) VALUES (?, ?, ?)", rows
    )


def exists(db: sqlite_utils.Database, idempotency_key: str) -> bool:
    row = db.execute("SELECT 1 FROM alerts WHERE idempotency_key = ?", [idempotency_key]).fetchone()
    return row is not None


def due(
    db: sqlite_utils.Database, now: str, limit: int = 500, team: str | None = None
) -> list[dict[str, Any]]:
    """Pending or failed alerts whose next attempt time has come, oldest first (only
    `team`'s when given); alerts waiting on a destination that is down are left out until
    that destination is probed."""
    only_team = "AND team = ?" if team is not None else ""
    return list(
        db.query(
            f"""SELECT * FROM alerts WHERE status IN ('pending', 'failed') AND next_attempt <= ?
               AND (destination IS NULL OR destination NOT IN
                    (SELECT key FROM destinations WHERE status = 'down' AND next_probe > ?))
               {only_team} ORDER BY next_attempt, id LIMIT ?""",
            [now, now, *([team] if team is not None else []), limit],
        )
    )


def oldest_dead(
    db: sqlite_utils.Database, destination: str, team: str | None = None
) -> dict[str, Any] | None:
    """The oldest alert that died waiting on this destination (used to probe it), only
    `team`'s when given."""
    only_team = "AND team = ?" if team is not None else ""
    rows = list(
        db.query(
            f"""SELECT * FROM alerts WHERE status = 'dead' AND destination = ? {only_team}
                ORDER BY id LIMIT 1""",
            [destination, *([team] if team is not None else [])],
        )
    )
    return rows[0] if rows else None


def claim(db: sqlite_utils.Database, alert_id: int, now: str) -> bool:
    """Mark the alert `sending` (committed) before it is sent; False if it is not sendable."""
    with transaction(db):
        cursor = db.execute(
            """UPDATE alerts SET status = 'sending', claimed_at = ?
               WHERE id = ? AND status IN ('pending', 'failed', 'dead')""",
            [now, alert_id],
        )
    return cursor.rowcount == 1


def sending(db: sqlite_utils.Database) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM alerts WHERE status = 'sending'")]


def release(db: sqlite_utils.Database, alert_ids: list[int], now: str) -> None:
    """Claims left by a deliverer that died mid-send: try those alerts again now, as
    "maybe sent" (the post may have gone out before the deliverer died)."""
    with transaction(db):
        for alert_id in alert_ids:
            db.execute(
                """UPDATE alerts SET status = 'failed', next_attempt = ?,
                   last_error = COALESCE(last_error, 'interrupted while sending'),
                   maybe_sent = MAX(maybe_sent, 1),
                   maybe_sent_at = COALESCE(maybe_sent_at, claimed_at, ?)
                   WHERE id = ? AND status = 'sending'""",
                [now, now, alert_id],
            )


def set_destination(db: sqlite_utils.Database, alert_id: int, destination: str) -> None:
    with transaction(db):
        db.execute("UPDATE alerts SET destination = ? WHERE id = ?", [destination, alert_id])


def revive(db: sqlite_utils.Database, destination: str, now: str) -> int:
    """Dead alerts that waited on `destination`: due again now, with fresh attempts."""
    cursor = db.execute(
        """UPDATE alerts SET status = 'failed', attempts = 0, next_attempt = ?
           WHERE status = 'dead' AND destination = ?""",
        [now, destination],
    )
    db.execute(
        """UPDATE alerts SET next_attempt = ?
           WHERE status IN ('pending', 'failed') AND destination = ? AND next_attempt > ?""",
        [now, destination, now],
    )
    return cursor.rowcount


def mark_sent(db: sqlite_utils.Database, alert_id: int, now: str, note: str | None = None) -> None:
    """Sent; `note` says how when it is not plain (e.g. "maybe sent, not re-posted")."""
    with transaction(db):
        db.execute(
            """UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1,
               last_error = ? WHERE id = ?""",
            [now, note, alert_id],
        )


def mark_maybe_sent(
    db: sqlite_utils.Database, alert_id: int, *, at: str, reposting: bool = False
) -> None:
    """The alert may be out already (first seen `at`); `reposting`: it is being posted
    again with no way to confirm, which happens at most once."""
    with transaction(db):
        db.execute(
            """UPDATE alerts SET maybe_sent = MAX(maybe_sent, ?),
               maybe_sent_at = COALESCE(maybe_sent_at, claimed_at, ?) WHERE id = ?""",
            [2 if reposting else 1, at, alert_id],
        )


def mark_failed(
    db: sqlite_utils.Database,
    alert_id: int,
    *,
    error: str,
    next_attempt: str,
    dead: bool,
    destination: str | None = None,
) -> None:
    """Record a failed attempt: retry at next_attempt, or give up (dead). A `destination`
    ties the alert to that destination's health (a dead one is revived when it recovers)."""
    with transaction(db):
        db.execute(
            """UPDATE alerts SET status = ?, attempts = attempts + 1, last_error = ?,
               next_attempt = ?, destination = ? WHERE id = ?""",
            [DEAD if dead else FAILED, error[:500], next_attempt, destination, alert_id],
        )


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {
        row["status"]: row["n"]
        for row in db.query("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
    }
