"""Names shared without importing sqlite-utils (so `sunset --help` stays fast): the default
database path and the store's errors. `storage.db` re-exports them."""

from __future__ import annotations

DEFAULT_DB = "sunset.db"


class StoreError(RuntimeError):
    """The database file cannot be used: missing, not SQLite, corrupt, unwritable, or from a
    newer version. The message names the path and never carries a traceback."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer Sunset Watch than this one."""
