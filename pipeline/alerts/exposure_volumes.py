"""Which pulled usage explains which exposure: the volume of each (team, record).

An exposure's volume sums every pulled (team, provider, model) that matches its record by the
rules of `pipeline.alerts.match` (the same normalisation, globs never: pulled models are
exact). The sums come from the store (`storage.volume.window_stats`) and go back to it
(`storage.volume.write`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from pipeline.alerts.match import match
from pipeline.core.models import Record, UsageEntry
from storage import volume
from storage.volume import Volume

_SEP = "\x1f"


def exposure_volumes(
    db: sqlite_utils.Database, records: Sequence[tuple[int, Record]], today: dt.date
) -> dict[tuple[str, int], Volume]:
    """(team, record id) -> volume, for every exposure that pulled usage explains."""
    stats = volume.window_stats(db, today)
    if not stats:
        return {}
    by_key: dict[str, dict[str, Any]] = {}
    entries = []
    for row in stats:
        key = _SEP.join((row["team"], row["provider"], row["model"]))
        by_key[key] = row
        entries.append(UsageEntry(team=key, model=row["model"], provider=row["provider"]))
    totals: dict[tuple[str, int], list[Any]] = {}
    for exposure in match(entries, records):
        row = by_key[exposure.team]
        slot = totals.setdefault((row["team"], exposure.record_id), [None, None, None])
        slot[0] = _add(slot[0], row["requests_7d"])
        slot[1] = _add(slot[1], row["tokens_7d"])
        if row["last_call"] and (slot[2] is None or row["last_call"] > slot[2]):
            slot[2] = row["last_call"]
    return {key: Volume(*values) for key, values in totals.items()}


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def apply(db: sqlite_utils.Database, records: Sequence[tuple[int, Record]], today: dt.date) -> None:
    """Write each exposure's volume columns (cleared where pulled usage says nothing)."""
    volume.write(db, exposure_volumes(db, records, today))
