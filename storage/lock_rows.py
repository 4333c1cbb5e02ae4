"""A named lock in SQLite (table `locks`) so two workers on one database never run a job at once.

A lock has an owner and an expiry: a worker that is killed simply stops refreshing, and the
lock lapses after its TTL. Acquiring is one atomic upsert inside BEGIN IMMEDIATE, so two
processes racing for the same lock can never both win.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from storage.db import transaction


def stamp(moment: dt.datetime) -> str:
    """Fixed-width UTC text so that string comparison in SQL is time comparison."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seconds(ttl: dt.timedelta | float) -> dt.timedelta:
    return ttl if isinstance(ttl, dt.timedelta) else dt.timedelta(seconds=ttl)


def acquire(
    db: sqlite_utils.Database,
    name: str,
    owner: str,
    now: dt.datetime,
    ttl: dt.timedelta | float,
) -> bool:
    """Take `name` for `owner` until now + ttl; True if taken.

    Succeeds when the lock is free, expired, or already held by the same owner (which then
    extends it).
    """
    with transaction(db):
        cursor = db.execute(
            """INSERT INTO locks (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET
                   owner = excluded.owner,
                   acquired_at = excluded.acquired_at,
                   expires_at = excluded.expires_at
               WHERE locks.expires_at < excluded.acquired_at OR locks.owner = excluded.owner""",
            [name, owner, stamp(now), stamp(now + _seconds(ttl))],
        )
        return cursor.rowcount == 1


def refresh(
    db: sqlite_utils.Database,
    name: str,
    owner: str,
    now: dt.datetime,
    ttl: dt.timedelta | float,
) -> bool:
    """Push the expiry of a lock `owner` still holds to now + ttl; False if it is not theirs.

    A lock that expired but was not taken by anyone else is still the owner's row, so it is
    safely extended.
    """
    with transaction(db):
        cursor = db.execute(
            "UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?",
            [stamp(now + _seconds(ttl)), name, owner],
        )
        return cursor.rowcount == 1


def release(db: sqlite_utils.Database, name: str, owner: str) -> bool:
    """Give the lock up; False if `owner` did not hold it (it expired and was taken)."""
    with transaction(db):
        cursor = db.execute("DELETE FROM locks WHERE name = ? AND owner = ?", [name, owner])
        return cursor.rowcount == 1


def holder(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    """The lock's row (owner, acquired_at, expires_at), expired or not, or None."""
    rows = list(db.query("SELECT * FROM locks WHERE name = ?", [name]))
    return rows[0] if rows else None
