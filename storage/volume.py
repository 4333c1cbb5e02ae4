"""Pulled volume per exposure (team x record) in the store: the 7-day window, writing each
exposure's volume columns, and what they say.

The figures are sums of the pulled buckets (`storage.usage`); which buckets explain which
exposure is matching's business (`pipeline.alerts.exposure_volumes`), so this module takes
the sums ready-made. An exposure with pulled usage but no call for `QUIET_AFTER_DAYS` is "no
recent calls": its reminders go to the digest only; "still in use after shutdown" needs a
call on or after the shutdown date within `PAST_TRAFFIC_DAYS`, so it stops as soon as
traffic stops. Plain dicts in and out, as everywhere in `storage`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage import usage as usage_store

WINDOW_DAYS = 7
QUIET_AFTER_DAYS = 30
PAST_TRAFFIC_DAYS = 2


@dataclass(frozen=True)
class Volume:
    requests_7d: int | None
    tokens_7d: int | None
    last_call: str | None  # an ISO date (daily sources) or time


def window_stats(db: sqlite_utils.Database, today: dt.date) -> list[dict[str, Any]]:
    """Each pulled (team, provider, model)'s requests and tokens in the window, and last call."""
    since = (today - dt.timedelta(days=WINDOW_DAYS - 1)).isoformat()
    return usage_store.team_model_stats(db, since, today.isoformat())


def write(db: sqlite_utils.Database, volumes: Mapping[tuple[str, int], Volume]) -> None:
    """Write each exposure's volume columns (cleared where pulled usage says nothing)."""
    db.execute(
        "UPDATE exposures SET requests_7d = NULL, tokens_7d = NULL, last_call = NULL,"
        " has_calls = 0 WHERE has_calls = 1"
    )
    db.conn.executemany(
        """UPDATE exposures SET requests_7d = ?, tokens_7d = ?, last_call = ?, has_calls = 1
           WHERE team = ? AND record_id = ?""",
        [
            (v.requests_7d, v.tokens_7d, v.last_call, team, record_id)
            for (team, record_id), v in volumes.items()
        ],
    )


def quiet(exposure: dict[str, Any], today: dt.date) -> bool:
    """Pulled usage knows this exposure and it had no call for `QUIET_AFTER_DAYS` days."""
    if not exposure.get("has_calls"):
        return False
    last = exposure.get("last_call")
    cutoff = (today - dt.timedelta(days=QUIET_AFTER_DAYS)).isoformat()
    return last is None or last[:10] < cutoff


def still_called(exposure: dict[str, Any], shutdown_date: str, today: dt.date) -> bool:
    """For "still in use after shutdown": True without pulled usage (declared use counts),
    else only with a call on or after the shutdown date within `PAST_TRAFFIC_DAYS` days."""
    if not exposure.get("has_calls"):
        return True
    last = exposure.get("last_call")
    recent = (today - dt.timedelta(days=PAST_TRAFFIC_DAYS - 1)).isoformat()
    return bool(last) and last[:10] >= shutdown_date and last[:10] >= recent
