"""Delivery destinations' health (table `destinations`): up, or down since a time with the
next probe planned. Keys are like `slack:api`, `slack:webhook:ENV_NAME`, `smtp:host:port`:
names, never secrets.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

UP, DOWN = "up", "down"


def get(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM destinations WHERE key = ?", [key]))
    return rows[0] if rows else None


def is_down(db: sqlite_utils.Database, key: str) -> bool:
    row = get(db, key)
    return row is not None and row["status"] == DOWN


def probes_due(db: sqlite_utils.Database, now: str) -> list[str]:
    """Down destinations whose next probe time has come."""
    rows = db.execute(
        "SELECT key FROM destinations WHERE status = 'down' AND next_probe <= ? ORDER BY key",
        [now],
    )
    return [row[0] for row in rows]


def mark_down(
    db: sqlite_utils.Database, key: str, *, now: str, error: str, next_probe: str
) -> bool:
    """Record the destination as down; True if it was up (or unknown) before."""
    if is_down(db, key):
        return False
    db.execute(
        """INSERT INTO destinations (key, status, since, last_error, probes, next_probe)
           VALUES (?, 'down', ?, ?, 0, ?)
           ON CONFLICT (key) DO UPDATE SET status = 'down', since = excluded.since,
             last_error = excluded.last_error, probes = 0, next_probe = excluded.next_probe""",
        [key, now, error[:500], next_probe],
    )
    return True


def probe_failed(db: sqlite_utils.Database, key: str, *, error: str, next_probe: str) -> None:
    db.execute(
        """UPDATE destinations SET probes = probes + 1, last_error = ?, next_probe = ?
           WHERE key = ?""",
        [error[:500], next_probe, key],
    )


def mark_up(db: sqlite_utils.Database, key: str, *, now: str) -> str | None:
    """Record the destination as working; return when its outage began if it was down."""
    row = get(db, key)
    if row is None or row["status"] != DOWN:
        return None
    db.execute(
        """UPDATE destinations SET status = 'up', since = ?, probes = 0, next_probe = NULL
           WHERE key = ?""",
        [now, key],
    )
    return row["since"]
