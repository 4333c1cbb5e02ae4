"""The CI gate's decision: which scanned model IDs are deprecated, and which are due.

Pure (no I/O beyond the scan itself): `check` scans PATH as `sunset scan` does, matches the
findings against the given records with the same rules as team matching (`pipeline.alerts.match`:
exact, alias, normalised platform forms, provider pinning) and returns one `Finding` per
(location, record). A finding is *due* when its record has a shutdown date (firm, or in some
regions) at most `within_days` days from today, or already past; a "not before" date
(`earliest`) and an undated deprecation are listed but never fail the gate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.alerts.match import match
from pipeline.core.models import Record, UsageEntry
from pipeline.usage.scan import scan_paths

GATE_TEAM = "(gate)"  # the scanned entries' team: a label, never stored
MAX_WITHIN_DAYS = 36_500
_WITHIN_RE = re.compile(r"^\s*(\d{1,6})\s*([dw]?)\s*$", re.IGNORECASE)


def parse_within(text: str) -> int:
    """`--within` as days: "90d", "12w" or a bare number of days."""
    found = _WITHIN_RE.match(text or "")
    if not found:
        raise ValueError(f"{text!r} is not a duration: give days or weeks, like 90d, 12w or 90")
    days = int(found.group(1)) * (7 if found.group(2).lower() == "w" else 1)
    if days > MAX_WITHIN_DAYS:
        raise ValueError(f"{text!r} is more than {MAX_WITHIN_DAYS} days")
    return days


@dataclass(frozen=True)
class Finding:
    """One deprecated model ID at one place in the code."""

    path: str  # relative to the scanned folder (the file's name when a file was scanned)
    line: int
    found_as: str  # the ID as the scanner read it (lowercased)
    record: Record
    days_left: int | None
    due: bool

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class GateResult:
    root: Path
    today: dt.date
    within_days: int
    findings: tuple[Finding, ...]
    scanned: int  # model-ID occurrences found in the code (deprecated or not)

    @property
    def failed(self) -> bool:
        return any(f.due for f in self.findings)

    @property
    def due(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.due)


def days_left(record: Record, today: dt.date) -> int | None:
    try:
        return (dt.date.fromisoformat(record.shutdown_date or "") - today).days
    except ValueError:
        return None


def is_due(record: Record, left: int | None, within_days: int) -> bool:
    return left is not None and record.shutdown_kind != "earliest" and left <= within_days


def _split_where(where: str) -> tuple[str, int]:
    path, _, line = where.rpartition(":")
    return path, int(line)


def check(
    root: Path,
    records: Sequence[tuple[int, Record]],
    *,
    today: dt.date,
    within_days: int,
    include_all: bool = False,
) -> GateResult:
    """Scan `root` and match what it names against `records`."""
    known = sorted({r.model for _, r in records} | {a for _, r in records for a in r.aliases})
    entries = scan_paths(root, GATE_TEAM, known_models=known, include_all=include_all)
    by_id = dict(records)
    # One usage per location, labelled by its index, so one matching pass (one index of the
    # records) tells which location each exposure came from.
    usages = [
        UsageEntry(str(i), e.model, e.provider, origin="scan", where=e.where)
        for i, e in enumerate(entries)
    ]
    findings: list[Finding] = []
    for exposure in match(usages, list(by_id.items())):
        entry = entries[int(exposure.team)]
        record = by_id[exposure.record_id]
        path, line = _split_where(entry.where or ":0")
        left = days_left(record, today)
        findings.append(
            Finding(path, line, entry.model, record, left, is_due(record, left, within_days))
        )
    findings.sort(
        key=lambda f: (
            not f.due,
            f.days_left if f.days_left is not None else 10**9,
            f.path,
            f.line,
            f.record.provider,
            f.record.model,
        )
    )
    return GateResult(root, today, within_days, tuple(findings), len(entries))
