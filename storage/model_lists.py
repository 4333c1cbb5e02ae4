"""What each model list listed: one `model_listings` row per (model-list source, model).

`state` is `listed` (on the last pull), `gone` (absent after being listed on at least two
pulls in a row: the provider removed it) or `absent` (absent after a single listing: a
blip, never reported). `streak` counts the pulls in a row that listed the model;
`absent_since` is the first pull that did not. The last deprecation date and replacement
the list gave are kept, so a model that leaves the list keeps its date.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

TABLE = "model_listings"


def listings(db: sqlite_utils.Database, source_id: str) -> dict[str, dict[str, Any]]:
    """The source's rows by model."""
    return {
        row["model"]: row
        for row in db.query(f"SELECT * FROM {TABLE} WHERE source_id = ?", [source_id])
    }


def save(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Upsert rows (each a full row). Call inside a transaction."""
    if rows:
        db[TABLE].upsert_all(rows, pk=("source_id", "model"))


def gone(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every model some list stopped listing, oldest first."""
    return list(
        db.query(f"SELECT * FROM {TABLE} WHERE state = 'gone' ORDER BY absent_since, model")
    )
