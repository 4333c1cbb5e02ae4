"""Pulled usage as rows: daily buckets, usage-source health, units seen, and the pulled
entries of the `usage` table that matching reads (origin "pull", where_seen = source id).

Plain dicts in and out (storage never imports pipeline). Call the writers inside a
transaction: `replace_window` deletes a source's buckets of the pulled days and inserts the
new ones, so re-pulling a window is idempotent and a failed pull (never calling it) keeps
what was there.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

BUCKET_COLUMNS = (
    "origin",
    "unit",
    "team",
    "provider",
    "model",
    "raw_model",
    "day",
    "requests",
    "tokens",
    "first_seen",
    "last_seen",
    "pulled_at",
)


def replace_window(
    db: sqlite_utils.Database,
    origin: str,
    first_day: str,
    last_day: str,
    buckets: list[dict[str, Any]],
) -> int:
    """Replace the source's buckets for days first_day..last_day (inclusive) with `buckets`."""
    db.execute(
        "DELETE FROM usage_buckets WHERE origin = ? AND day >= ? AND day <= ?",
        [origin, first_day, last_day],
    )
    marks = ", ".join(f":{c}" for c in BUCKET_COLUMNS)
    db.conn.executemany(
        f"INSERT INTO usage_buckets ({', '.join(BUCKET_COLUMNS)}) VALUES ({marks})",
        [{**b, "origin": origin, "unit": b.get("unit") or ""} for b in buckets],
    )
    return len(buckets)


# A staged row is a bucket before its source and pull time are stamped on it.
STAGED_COLUMNS = tuple(c for c in BUCKET_COLUMNS if c not in ("origin", "pulled_at"))


def stage_start(db: sqlite_utils.Database) -> None:
    """An empty TEMP staging table for one pull: rows land there as pages arrive, outside
    any write transaction on the store (TEMP lives in its own database), so a long pull never
    holds the store's write lock and a failed one leaves the buckets untouched."""
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS usage_staging ({', '.join(STAGED_COLUMNS)})")
    db.execute("DELETE FROM temp.usage_staging")


def stage_rows(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    marks = ", ".join(f":{c}" for c in STAGED_COLUMNS)
    db.execute("BEGIN")  # deferred: only the TEMP database is written
    try:
        db.conn.executemany(
            f"INSERT INTO temp.usage_staging ({', '.join(STAGED_COLUMNS)}) VALUES ({marks})",
            rows,
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def staged_units(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per unit staged: its team, models and requests (for notices about unowned units)."""
    return list(
        db.query(
            """SELECT unit, MAX(team) AS team, GROUP_CONCAT(DISTINCT model) AS models,
                      SUM(requests) AS requests
               FROM temp.usage_staging GROUP BY unit ORDER BY unit"""
        )
    )


def replace_window_from_staging(
    db: sqlite_utils.Database, origin: str, first_day: str, last_day: str, pulled_at: str
) -> int:
    """`replace_window` with the staged rows, merged per (unit, provider, model, day):
    requests and tokens summed (NULL when none given), first and last call kept."""
    db.execute(
        "DELETE FROM usage_buckets WHERE origin = ? AND day >= ? AND day <= ?",
        [origin, first_day, last_day],
    )
    cursor = db.execute(
        """INSERT INTO usage_buckets (origin, unit, team, provider, model, raw_model, day,
                                      requests, tokens, first_seen, last_seen, pulled_at)
           SELECT ?, unit, MAX(team), provider, model, MIN(raw_model), day, SUM(requests),
                  SUM(tokens), MIN(first_seen), MAX(last_seen), ?
           FROM temp.usage_staging
           WHERE day >= ? AND day <= ?
           GROUP BY unit, provider, model, day""",
        [origin, pulled_at, first_day, last_day],
    )
    return cursor.rowcount


def window_counts(
    db: sqlite_utils.Database, origin: str, first_day: str, last_day: str
) -> tuple[int, int]:
    """(staged rows in the window, stored buckets of `origin` in the window): what a pull
    brought against what the window held, for the cliff check."""
    staged = db.execute(
        "SELECT COUNT(*) FROM temp.usage_staging WHERE day >= ? AND day <= ?",
        [first_day, last_day],
    ).fetchone()[0]
    stored = db.execute(
        "SELECT COUNT(*) FROM usage_buckets WHERE origin = ? AND day >= ? AND day <= ?",
        [origin, first_day, last_day],
    ).fetchone()[0]
    return staged, stored


def stage_clear(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM temp.usage_staging")


def sync_pulled_usage(db: sqlite_utils.Database, origin: str) -> int:
    """Rebuild the `usage` rows of one source from all its owned buckets (any age: a model
    not called for months still matches, its alerts only say so). Returns rows written."""
    db.execute("DELETE FROM usage WHERE origin = 'pull' AND where_seen = ?", [origin])
    rows = list(
        db.query(
            """SELECT team, provider, model, MAX(COALESCE(last_seen, day)) AS last_seen,
                      SUM(requests) AS volume
               FROM usage_buckets WHERE origin = ? AND team IS NOT NULL
               GROUP BY team, provider, model""",
            [origin],
        )
    )
    for row in rows:
        db.execute("INSERT OR IGNORE INTO teams (name) VALUES (?)", [row["team"]])
        db.execute(
            """INSERT INTO usage (team, provider, model, origin, where_seen, last_seen, volume)
               VALUES (?, ?, ?, 'pull', ?, ?, ?)""",
            [row["team"], row["provider"], row["model"], origin, row["last_seen"], row["volume"]],
        )
    return len(rows)


def team_model_stats(
    db: sqlite_utils.Database, since_day: str, until_day: str
) -> list[dict[str, Any]]:
    """Per (team, provider, model) of owned buckets up to `until_day`: requests and tokens
    from `since_day` on, and the last day or time with any call."""
    return list(
        db.query(
            """SELECT team, provider, model,
                      SUM(CASE WHEN day >= :since THEN requests END) AS requests_7d,
                      SUM(CASE WHEN day >= :since THEN tokens END) AS tokens_7d,
                      MAX(CASE WHEN COALESCE(requests, 0) > 0 OR COALESCE(tokens, 0) > 0
                               THEN COALESCE(last_seen, day) END) AS last_call
               FROM usage_buckets
               WHERE team IS NOT NULL AND day <= :until
               GROUP BY team, provider, model""",
            {"since": since_day, "until": until_day},
        )
    )


def note_units(
    db: sqlite_utils.Database, origin: str, units: dict[str, str | None], now: str
) -> list[str]:
    """Remember each unit seen (with its team); return the unowned units not yet notified."""
    fresh = []
    for unit, team in sorted(units.items()):
        row = db.execute(
            "SELECT notified_at FROM usage_units WHERE origin = ? AND unit = ?", [origin, unit]
        ).fetchone()
        if row is None:
            db.execute(
                """INSERT INTO usage_units (origin, unit, team, first_seen, last_seen)
                   VALUES (?, ?, ?, ?, ?)""",
                [origin, unit, team, now, now],
            )
        else:
            db.execute(
                "UPDATE usage_units SET team = ?, last_seen = ? WHERE origin = ? AND unit = ?",
                [team, now, origin, unit],
            )
        if team is None and (row is None or row[0] is None):
            fresh.append(unit)
    return fresh


def mark_notified(db: sqlite_utils.Database, origin: str, units: list[str], now: str) -> None:
    for unit in units:
        db.execute(
            "UPDATE usage_units SET notified_at = ? WHERE origin = ? AND unit = ?",
            [now, origin, unit],
        )


def source_state(db: sqlite_utils.Database, source_id: str, kind: str) -> dict[str, Any]:
    db.execute("INSERT OR IGNORE INTO usage_sources (id, kind) VALUES (?, ?)", [source_id, kind])
    db.execute("UPDATE usage_sources SET kind = ? WHERE id = ?", [kind, source_id])
    return dict(db["usage_sources"].get(source_id))


def update_source(db: sqlite_utils.Database, source_id: str, fields: dict[str, Any]) -> None:
    db["usage_sources"].update(source_id, fields)


def due_sources(db: sqlite_utils.Database, ids: list[str], now: str) -> list[str]:
    """The ids (of those configured) never pulled or whose next pull is due at `now`."""
    due = []
    for source_id in ids:
        row = db.execute(
            "SELECT next_due_at FROM usage_sources WHERE id = ?", [source_id]
        ).fetchone()
        if row is None or row[0] is None or row[0] <= now:
            due.append(source_id)
    return due
