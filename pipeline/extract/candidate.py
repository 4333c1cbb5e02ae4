"""`Candidate`: one sighting of a deprecated model (or feature) before merging into records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.core.models import RecordKind, RecordStatus, ShutdownKind

# How much a source is trusted when one announcement gives a model twice.
SOURCE_RANK = {"table": 3, "list": 2, "prose": 1}


@dataclass(frozen=True)
class Candidate:
    model: str
    kind: RecordKind = "model"
    aliases: tuple[str, ...] = ()
    shutdown_date: dt.date | None = None
    shutdown_kind: ShutdownKind = "none"
    announced: dt.date | None = None
    replacements: tuple[str, ...] = ()
    status: RecordStatus | None = None  # None: decide from the date
    evidence: str = ""
    anchor: str | None = None
    link: str | None = None
    source: str = "prose"
    order: int = 0  # position in the document, earlier first
    display: str | None = None  # display name when `model` is one (for ID mapping)
    scope: str = "api"  # or "product:<slug>" (a model leaving ChatGPT, not the API)
    rule: str = ""  # which extraction rule produced this sighting (for `why`)
    sightings: int = 1  # how many sightings were merged into this one
    context: dt.date | None = None  # the entry's date or month: orders undated announcements
