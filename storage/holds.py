"""Acknowledgements, snoozes and waivers as rows: `exposure_holds` (the current hold per
team and record) and `exposure_actions` (the append-only log of who did what, when)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

_HOLD_COLUMNS = ("team", "record_id", "kind", "reason", "until", "fingerprint", "by", "at", "via")
_ACTION_COLUMNS = (
    "team",
    "record_id",
    "model",
    "provider",
    "action",
    "reason",
    "until",
    "by",
    "at",
    "via",
)


def current(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every current hold."""
    return list(db.query("SELECT * FROM exposure_holds"))


def hold(db: sqlite_utils.Database, team: str, record_id: int) -> dict[str, Any] | None:
    rows = list(
        db.query("SELECT * FROM exposure_holds WHERE team = ? AND record_id = ?", [team, record_id])
    )
    return rows[0] if rows else None


def put(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Set (replace) the hold of row's (team, record_id). Call inside a transaction."""
    marks = ", ".join(f":{c}" for c in _HOLD_COLUMNS)
    db.execute(
        f"INSERT OR REPLACE INTO exposure_holds ({', '.join(_HOLD_COLUMNS)}) VALUES ({marks})",
        {c: row.get(c) for c in _HOLD_COLUMNS},
    )


def remove(db: sqlite_utils.Database, team: str, record_id: int) -> None:
    db.execute("DELETE FROM exposure_holds WHERE team = ? AND record_id = ?", [team, record_id])


def log_actions(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Append actions (never updated or deleted)."""
    marks = ", ".join(f":{c}" for c in _ACTION_COLUMNS)
    db.conn.executemany(
        f"INSERT INTO exposure_actions ({', '.join(_ACTION_COLUMNS)}) VALUES ({marks})",
        [{c: row.get(c) for c in _ACTION_COLUMNS} for row in rows],
    )


def actions(db: sqlite_utils.Database, team: str | None = None) -> list[dict[str, Any]]:
    if team is None:
        return list(db.query("SELECT * FROM exposure_actions ORDER BY id"))
    return list(db.query("SELECT * FROM exposure_actions WHERE team = ? ORDER BY id", [team]))
