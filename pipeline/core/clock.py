"""The injectable clock: every date-dependent command takes `--now`; times are UTC ISO-8601."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# Every date computed from `now` (lead days, look-ahead windows, digests) stays far inside
# what `datetime` can represent when `now` is within these bounds.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


def parse_now(value: str | None) -> dt.datetime:
    """`--now` value: an ISO date or date-time; naive values are taken as UTC. Dates outside
    1970..2999 are refused (one clear error instead of an overflow deep inside)."""
    if not value:
        return utcnow()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--now {value!r} is not an ISO date or date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        parsed = parsed.astimezone(dt.UTC)
    except OverflowError:
        parsed = (
            EARLIEST - dt.timedelta(days=1) if parsed.year < 2000 else LATEST + dt.timedelta(days=1)
        )
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError(f"--now {value!r} is outside the supported years 1970..2999")
    return parsed


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
