"""Volume for the people who decide: requests and tokens in the last 7 days and the last call
of each exposure (team x record), from the pulled buckets.

An exposure's volume sums every pulled (team, provider, model) that matches its record by the
rules of `pipeline.match` (the same normalisation, globs never: pulled models are exact). An
exposure with pulled usage but no call for `QUIET_AFTER_DAYS` is "no recent calls": its
reminders go to the digest only; "still in use after shutdown" needs a call on or after the
shutdown date within `PAST_TRAFFIC_DAYS`, so it stops as soon as traffic stops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pipeline.match import match
from pipeline.models import Record
from pipeline.usage import UsageEntry
from storage import usage as usage_store

WINDOW_DAYS = 7
QUIET_AFTER_DAYS = 30
PAST_TRAFFIC_DAYS = 2
_SEP = "\x1f"


@dataclass(frozen=True)
class Volume:
    requests_7d: int | None
    tokens_7d: int | None
    last_call: str | None  # an ISO date (daily sources) or time


def exposure_volumes(
    db: sqlite_utils.Database, records: Sequence[tuple[int, Record]], today: dt.date
) -> dict[tuple[str, int], Volume]:
    """(team, record id) -> volume, for every exposure that pulled usage explains."""
    since = (today - dt.timedelta(days=WINDOW_DAYS - 1)).isoformat()
    stats = usage_store.team_model_stats(db, since, today.isoformat())
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
    volumes = exposure_volumes(db, records, today)
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


def describe(
    requests_7d: int | None, tokens_7d: int | None, last_call: str | None, is_quiet: bool
) -> str:
    """'41,230 requests in the last 7 days, last call 2026-11-24 09:14 UTC', or for a quiet
    exposure 'no recent calls (last call on 2026-09-30)'."""
    last = _when(last_call)
    if is_quiet:
        return f"no recent calls (last call {last})" if last else "no recent calls"
    if requests_7d is not None:
        volume = f"{requests_7d:,} request{'s' if requests_7d != 1 else ''} in the last 7 days"
    elif tokens_7d is not None:
        volume = f"{tokens_7d:,} tokens in the last 7 days"
    else:
        volume = "no calls in the last 7 days"
    return f"{volume}, last call {last}" if last else volume


def _when(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 10:
        return f"on {value}"
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
