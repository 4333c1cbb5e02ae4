"""Write counters on the tables `decide` matches from, kept by SQLite triggers.

Matching usage to records is the costly part of `decide`; its inputs are the `usage`,
`teams`, `team_products` and `waivers` rows, the columns of `records` that matching and the
review filter read (not `last_seen`, which every cycle moves), and the `exposures` columns
matching writes. Each trigger adds one to its table's counter, whoever writes (a cycle, an
import, a scan, the review commands, a hand-edit in the sqlite3 shell), so `total` read
before and after tells whether anything matching depends on changed. Counters only grow;
their values mean nothing beyond equality. What a reader saw last is kept in
`input_marks` (key -> value), not in `meta`, so the counters' own bookkeeping stays apart.
"""

from __future__ import annotations

import sqlite_utils

# table -> the columns whose UPDATE counts (None: any column)
WATCHED: dict[str, tuple[str, ...] | None] = {
    "usage": None,
    "teams": None,
    "team_products": None,
    "waivers": None,
    "records": ("provider", "model", "kind", "aliases", "scope", "review_state"),
    "exposures": (
        "team",
        "record_id",
        "active",
        "usage_model",
        "usage_provider",
        "how",
        "origin",
    ),
}


def input_counter_statements() -> list[str]:
    """The migration that creates `input_counters` and its triggers."""
    statements = [
        """CREATE TABLE input_counters (
            name TEXT PRIMARY KEY,
            writes INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE input_marks (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    ]
    for table, columns in WATCHED.items():
        statements.append(f"INSERT INTO input_counters (name) VALUES ('{table}')")
        bump = f"UPDATE input_counters SET writes = writes + 1 WHERE name = '{table}';"
        of = f" OF {', '.join(columns)}" if columns else ""
        for event, when in (("insert", "INSERT"), ("delete", "DELETE"), ("update", "UPDATE")):
            on = f"{when}{of}" if when == "UPDATE" else when
            statements.append(
                f"CREATE TRIGGER {table}_{event}_counted AFTER {on} ON {table} BEGIN {bump} END"
            )
    return statements


def total(db: sqlite_utils.Database) -> int:
    """The sum of every watched table's write counter (equal totals: nothing changed)."""
    return int(db.execute("SELECT TOTAL(writes) FROM input_counters").fetchone()[0])


def mark(db: sqlite_utils.Database, key: str) -> str | None:
    """The value remembered under `key` (None when never written)."""
    row = db.execute("SELECT value FROM input_marks WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_mark(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO input_marks (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
