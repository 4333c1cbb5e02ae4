"""Usage that comes in by hand, kept in the store: a scan's findings, an imported file's rows,
and removing either by team, origin or path.

A rescan of a path replaces the team's earlier findings under that path (models no longer
there are dropped); findings are stored with their absolute `file:line`, an import with the
file's name. Declared usage is teams.yml's (synced when deciding), pulled usage the pullers'.
Exposures follow at the next decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.core.models import UsageEntry
from storage import teams as team_store
from storage.db import transaction


def usage_row(entry: UsageEntry) -> dict[str, Any]:
    return {
        "team": entry.team,
        "provider": entry.provider,
        "model": entry.model,
        "origin": entry.origin,
        "where_seen": entry.where or "",
        "last_seen": entry.last_seen,
        "volume": entry.volume,
    }


def known_models(db: sqlite_utils.Database) -> list[str]:
    """Model IDs of the stored model records: a scan recognises these beyond its grammar."""
    return [
        row["model"] for row in db.query("SELECT DISTINCT model FROM records WHERE kind = 'model'")
    ]


def record_scan(
    db: sqlite_utils.Database, team: str, path: Path, entries: Sequence[UsageEntry]
) -> int:
    """Store a scan of `path` for `team`, replacing the team's earlier findings under it;
    return how many earlier findings were replaced."""
    root = path.resolve()
    base = (root.parent if root.is_file() else root).as_posix()
    prefix = root.as_posix() + (":" if root.is_file() else "/")
    with transaction(db):
        team_store.ensure_team(db, team)
        dropped = team_store.remove_usage(
            db, team=team, origins=("scan",), where_prefixes=(prefix,)
        )
        rows = [usage_row(e) | {"where_seen": f"{base}/{e.where}"} for e in entries]
        team_store.add_usage(db, rows)
    return dropped


def record_import(db: sqlite_utils.Database, team: str, entries: Sequence[UsageEntry]) -> None:
    """Add an imported file's usage rows for `team`."""
    with transaction(db):
        team_store.ensure_team(db, team)
        team_store.add_usage(db, [usage_row(e) for e in entries])


def remove(
    db: sqlite_utils.Database,
    *,
    team: str | None,
    origin: str | None,
    paths: Sequence[Path],
) -> int:
    """Remove scanned and/or imported usage (`origin` None: both), of one team or all, under
    `paths` (a scan's findings under a path, an import of a file of that name); return the
    rows removed."""
    prefixes: list[str] = []
    names: list[str] = []
    for given in paths:
        resolved = given.resolve().as_posix()
        prefixes += [resolved + "/", resolved + ":"]
        names.append(given.name)  # an import stores the file's name
    origins = (origin,) if origin else ("scan", "import")
    with transaction(db):
        removed = team_store.remove_usage(
            db, team=team, origins=tuple(o for o in origins if o == "scan"),
            where_prefixes=tuple(prefixes),
        ) if "scan" in origins else 0  # fmt: skip
        if "import" in origins:
            removed += team_store.remove_usage(
                db, team=team, origins=("import",), where_exact=tuple(names)
            )
    return removed
