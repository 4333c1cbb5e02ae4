"""Opening the SQLite store: WAL, foreign keys, busy timeout, migrations and transactions.

`storage` never imports `pipeline`: it speaks plain dicts, the sqlite-utils idiom.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from storage.schema import MIGRATIONS, SCHEMA_VERSION

DEFAULT_DB = "sunset.db"
BUSY_TIMEOUT_MS = 30_000


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer Sunset Watch than this one."""


def default_db_path() -> str:
    return os.environ.get("SUNSET_DB", DEFAULT_DB)


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the store. `":memory:"` works for tests."""
    target = str(path) if path is not None else default_db_path()
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so writers queue on the
    # busy timeout instead of failing with "database is locked" on lock upgrade.
    conn = sqlite3.connect(
        target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if target != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations in one transaction each; return the resulting version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"database schema version {version} is newer than this program's {SCHEMA_VERSION}"
        )
    for number in range(version, SCHEMA_VERSION):
        with transaction(db):
            for statement in MIGRATIONS[number]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")
    return SCHEMA_VERSION


WRITE_FAILURES = {
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CANTOPEN,
}


def is_write_failure(exc: BaseException) -> bool:
    """True for SQLite errors that mean the store cannot be written (disk full, read-only,
    I/O error), as opposed to a bug in a statement."""
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in WRITE_FAILURES
    text = str(exc).lower()
    return any(
        phrase in text
        for phrase in ("disk is full", "readonly database", "disk i/o error", "unable to open")
    )


def db_file(db: sqlite_utils.Database) -> str | None:
    """The main database's file path, or None for an in-memory database."""
    for _, name, path in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or None
    return None


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception. Nests as a no-op."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
