"""What every puller yields: `UsageRow`s (one per unit, provider, model and UTC day), and the
number readers they share. The errors a pull can end in (`PullError`, `malformed`) are the API
client's (`pipeline.fetch.errors`): model-list pulls end in them too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pipeline.fetch.errors import malformed


@dataclass(frozen=True)
class UsageRow:
    """Calls of one unit to one model on one UTC day, as a source reported them."""

    unit: str | None  # project id, workspace id, LiteLLM team/key alias, service.name
    provider: str  # provider id ("openai", "aws-bedrock", ...) or "*"
    model: str  # canonical model id (platform prefixes removed, lowercased)
    raw_model: str  # as the source spelled it
    day: str  # ISO date (UTC)
    requests: int | None  # None when the source counts tokens only (Anthropic's report)
    tokens: int | None = None  # input + output where the source gives them
    first_seen: str | None = None  # ISO time of the first call, when known
    last_seen: str | None = None  # ISO time of the last call, when known


UNATTRIBUTED = "(unattributed)"  # the model of usage the source reports without one


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_time(moment: dt.datetime) -> str:
    return _iso(moment)


def aggregate(rows: Iterable[UsageRow]) -> list[UsageRow]:
    """Merge rows of the same (unit, provider, model, day): requests and tokens summed, the
    earliest first_seen and latest last_seen kept; sorted for stable output."""
    merged: dict[tuple[str, str, str, str], UsageRow] = {}
    for row in rows:
        key = (row.unit or "", row.provider, row.model, row.day)
        seen = merged.get(key)
        if seen is None:
            merged[key] = row
            continue
        tokens = _add(seen.tokens, row.tokens)
        firsts = [t for t in (seen.first_seen, row.first_seen) if t]
        lasts = [t for t in (seen.last_seen, row.last_seen) if t]
        merged[key] = replace(
            seen,
            requests=_add(seen.requests, row.requests),
            tokens=tokens,
            first_seen=min(firsts) if firsts else None,
            last_seen=max(lasts) if lasts else None,
        )
    return [merged[key] for key in sorted(merged)]


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def as_int(value: object, what: str) -> int:
    """A non-negative integer count from JSON (ints, or strings of digits as OTLP writes them)."""
    if isinstance(value, bool):
        raise malformed(f"{what} is not a number: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise malformed(f"{what} is not a number: {value!r}")
    if number < 0:
        raise malformed(f"{what} is negative: {value!r}")
    return number


def optional_int(value: object, what: str) -> int | None:
    return None if value is None else as_int(value, what)
