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

from storage.common import DEFAULT_DB, SchemaTooNewError, StoreError
from storage.schema import FOREIGN_KEYS_OFF, MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000
__all__ = ["DEFAULT_DB", "SchemaTooNewError", "StoreError", "open_db", "transaction"]


def default_db_path() -> str:
    return os.environ.get("SUNSET_DB", DEFAULT_DB)


def open_db(path: str | Path | None = None, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the store. `":memory:"` works for tests.

    `read_only=True` never creates a file: a missing path is a `StoreError`, and the file is
    opened read-only (migrated first, in place, only if it is older than this program).
    Any SQLite failure while opening becomes a `StoreError` naming the path.
    """
    target = str(path) if path is not None else default_db_path()
    if read_only and target != ":memory:" and not Path(target).is_file():
        raise StoreError(f"{target}: no database here (a command that writes creates it)")
    db: sqlite_utils.Database | None = None
    try:
        if read_only and target != ":memory:":
            db = _connect(f"{Path(target).resolve().as_uri()}?mode=ro", uri=True)
            if _version(db) >= SCHEMA_VERSION:
                _check(db)
                return db
            db.close()
        db = _connect(target)
        if target != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        _check(db)
        migrate(db)
    except (StoreError, sqlite3.Error) as exc:
        if db is not None:
            db.close()
        if isinstance(exc, StoreError):
            raise type(exc)(f"{target}: {exc}") from None
        raise StoreError(f"{target}: {describe(exc)}") from None
    return db


def check_writable(db: sqlite_utils.Database, target: str) -> None:
    """Fail now, with a `StoreError`, if the store cannot be written (for long-running
    commands, which would otherwise only fail in a job's log)."""
    try:
        with transaction(db):
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute(f"PRAGMA user_version = {int(version)}")
    except sqlite3.Error as exc:
        raise StoreError(f"{target}: {describe(exc)}") from None


def _connect(target: str, *, uri: bool = False) -> sqlite_utils.Database:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so writers queue on the
    # busy timeout instead of failing with "database is locked" on lock upgrade.
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        uri=uri,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def _version(db: sqlite_utils.Database) -> int:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"database schema version {version} is newer than this program's {SCHEMA_VERSION}"
            " (upgrade Sunset Watch)"
        )
    return version


def _check(db: sqlite_utils.Database) -> None:
    """Read the schema once, so a file that is not SQLite or is damaged fails here."""
    db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()


def describe(exc: sqlite3.Error) -> str:
    """A one-line reason for a SQLite failure, with a hint for the usual causes."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    hints = {
        "SQLITE_NOTADB": "not a SQLite database",
        "SQLITE_CORRUPT": "the database file is damaged (restore a backup)",
        "SQLITE_READONLY": "the database cannot be written (read-only file or directory)",
        "SQLITE_CANTOPEN": "cannot open the database file (missing directory or no permission)",
        "SQLITE_FULL": "the disk (or the database's size limit) is full",
    }
    hint = next((text for code, text in hints.items() if name.startswith(code)), None)
    return f"{hint}: {exc}" if hint else str(exc)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations in one transaction each; return the resulting version."""
    for number in range(_version(db), SCHEMA_VERSION):
        statements = MIGRATIONS[number]
        rebuild = bool(statements) and statements[0] == FOREIGN_KEYS_OFF
        if rebuild:
            # A table rebuild drops a table others reference; the pragma only works outside
            # a transaction, and the check below proves every reference resolves again.
            statements = statements[1:]
            db.execute(FOREIGN_KEYS_OFF)
        try:
            with transaction(db):
                for statement in statements:
                    db.execute(statement)
                if rebuild:
                    broken = db.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration {number + 1} broke foreign keys: {broken}")
                db.execute(f"PRAGMA user_version = {number + 1}")
        finally:
            if rebuild:
                db.execute("PRAGMA foreign_keys = ON")
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
        if conn.in_transaction:  # SQLite already rolled back after e.g. "disk is full"
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
