"""Publish gates: record invariants and cliff detection.

Pure functions. A record that breaks an invariant is held for review (a warning is stored
with the run) instead of becoming an event, and its stored version is left untouched.
A source whose record count falls off a cliff is flagged and keeps all its records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.core.model_ids import MODEL_ID
from pipeline.core.models import EARLIEST_YEAR, LATEST_YEARS_AHEAD, Record

FAMILIES = r"(?:gpt|claude|gemini|gemma|llama|mistral|command|grok|qwen|deepseek|o[1-9])"
# "gpt-5orgpt-4.1": a conjunction glued between two identifiers by a bad text extraction.
GLUED = re.compile(rf"[a-z0-9](?:or|and)(?={FAMILIES}[-.\d])|{FAMILIES}-\S*{FAMILIES}-")


@dataclass(frozen=True)
class Verdict:
    publish: tuple[Record, ...]
    held: tuple[Record, ...]
    warnings: tuple[str, ...]


def _problems(record: Record, today: dt.date) -> list[str]:
    problems = []
    if not MODEL_ID.match(record.model):
        problems.append("model id has characters outside the model-ID grammar")
    if GLUED.search(record.model):
        problems.append("model id looks like two identifiers glued together")
    for name, value in (
        ("shutdown_date", record.shutdown_date),
        ("announced", record.announced_date),
    ):
        if value is None:
            continue
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            problems.append(f"{name} {value!r} is not an ISO date")
            continue
        if not EARLIEST_YEAR <= day.year <= today.year + LATEST_YEARS_AHEAD:
            problems.append(f"{name} {value} is implausible")
    if (
        record.shutdown_date
        and record.announced_date
        and record.shutdown_date < record.announced_date
    ):
        problems.append(
            f"shutdown {record.shutdown_date} is before announcement {record.announced_date}"
        )
    if record.model in record.replacements:
        problems.append("replacement is the model itself")
    for replacement in record.replacements:
        if GLUED.search(replacement):
            problems.append(f"replacement {replacement!r} looks glued")
    return problems


def validate(records: Sequence[Record], *, today: dt.date) -> Verdict:
    publish: list[Record] = []
    held: list[Record] = []
    warnings: list[str] = []
    for record in records:
        problems = _problems(record, today)
        if problems:
            held.append(record)
            warnings.append(
                f"held for review: {record.provider}/{record.model}: " + "; ".join(problems)
            )
        else:
            publish.append(record)
    return Verdict(tuple(publish), tuple(held), tuple(warnings))


def cliff(new_count: int, previous_count: int | None, best_recent: int | None = None) -> str | None:
    """Why a source's new record count is not to be trusted, or None when it is fine.

    The count is compared with the previous one and with the source's best recent count, so a
    page that erodes a little at a time (10 -> 7 -> 6 -> 5) is caught as surely as one that
    halves at once. Half or less of either, from at least 4, is a cliff.
    """
    if new_count == 0 and (previous_count or best_recent):
        return f"parsed to zero records (previously {previous_count or best_recent})"
    for reference, what in ((previous_count, "the previous"), (best_recent, "the recent best of")):
        if reference and reference >= 4 and new_count * 2 <= reference:
            return f"parsed to {new_count} records, at most half of {what} {reference}"
    return None
