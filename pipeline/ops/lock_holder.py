"""Holding a named SQLite lock for a block of work: heartbeat, and dead-owner takeover.

Used by the worker's jobs and by `sunset run` / `sunset deliver`, so a cycle (or a delivery)
never runs twice at once on one database, whichever command started it. A lock whose owner
was killed lapses after its TTL; sooner when the owner ran on this host and its process is
gone (so the run after a `kill -9` does not wait).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlite_utils

from storage import lock_rows
from storage.db import open_db

log = logging.getLogger(__name__)

LOCK_TTL = dt.timedelta(minutes=3)  # a killed owner's lock lapses after this
HEARTBEAT_SECONDS = 45.0  # a live owner refreshes its lock this often during a long job


def new_owner(role: str = "") -> str:
    """`host:pid:random[:role]`: unique, and tells which host and process holds a lock."""
    base = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return f"{base}:{role}" if role else base


def owner_is_dead(owner: str) -> bool:
    """True when `owner` ran on this host and its process no longer exists."""
    parts = owner.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def held(
    db: sqlite_utils.Database,
    db_path: str,
    name: str,
    owner: str,
    now: Callable[[], dt.datetime],
    job: str,
) -> Iterator[bool]:
    """Hold lock `name` for the block (yield True), refreshed from a heartbeat thread; or
    yield False when someone alive holds it."""
    taken = lock_rows.acquire(db, name, owner, now(), LOCK_TTL)
    if not taken:
        row = lock_rows.holder(db, name) or {}
        if row and owner_is_dead(row["owner"]):
            log.warning("%s: lock %s held by dead process %s; taking it", job, name, row["owner"])
            lock_rows.release(db, name, row["owner"])
            taken = lock_rows.acquire(db, name, owner, now(), LOCK_TTL)
    if not taken:
        row = lock_rows.holder(db, name) or {}
        log.info(
            "%s: lock %s busy (held by %s until %s), skipped",
            job,
            name,
            row.get("owner"),
            row.get("expires_at"),
        )
        yield False
        return
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(db_path, name, owner, now, stop), daemon=True)
    beat.start()
    try:
        yield True
    finally:
        stop.set()
        beat.join()
        lock_rows.release(db, name, owner)


def _heartbeat(
    db_path: str,
    name: str,
    owner: str,
    now: Callable[[], dt.datetime],
    stop: threading.Event,
) -> None:
    if stop.wait(HEARTBEAT_SECONDS):
        return  # the usual case: the job ended before the first beat, no connection needed
    db = open_db(db_path)
    try:
        while True:
            try:
                if not lock_rows.refresh(db, name, owner, now(), LOCK_TTL):
                    log.warning("lock %s: lost to another process", name)
                    return
            except sqlite3.Error as exc:  # e.g. busy for longer than the timeout: try again
                log.warning("lock %s: heartbeat failed (%s); retrying", name, exc)
            if stop.wait(HEARTBEAT_SECONDS):
                return
    finally:
        db.close()
