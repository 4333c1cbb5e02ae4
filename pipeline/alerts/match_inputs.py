"""Whether `decide` must match usage to records again, or nothing matching reads changed.

Matching 100,000 usage rows against 5,000 records costs seconds; a warm decide (nothing
new) gets the same exposures. Matching reads teams.yml (synced into `teams`, `usage`,
`team_products`, `waivers`), the stored usage and records, and the matching rules in code.
A fingerprint of the teams file and the rules' source, with the write counters SQLite
triggers keep on those tables (`storage.input_counters`), is remembered in `input_marks` after
each decide; when the next decide finds the same fingerprint and counters, syncing the
teams file and matching are skipped. Everything that depends on the date (volumes,
reminders, "still in use" alerts) is decided on every run all the same.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from storage import input_counters
from storage.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from pipeline.core.config import TeamsFile

MARK = "matched_inputs"  # input_marks key: "<fingerprint>:<counters total>" of the last decide
# The code whose rules decide what matches: a new version of any of them matches again.
_RULE_MODULES = (
    "pipeline.alerts.match",
    "pipeline.core.model_ids",
    "pipeline.core.scope",
    "pipeline.alerts.decide",
    "pipeline.alerts.exposures",
)


@functools.cache
def _rules_digest() -> bytes:
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    for name in _RULE_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        digest.update(Path(spec.origin).read_bytes())
    return digest.digest()


def fingerprint(teams: TeamsFile) -> str:
    """A digest of the teams file as validated (pydantic's JSON of it: 10,000 teams in
    ~0.1 s) and of the matching rules."""
    digest = hashlib.sha256(_rules_digest())
    digest.update(teams.model_dump_json().encode())
    return digest.hexdigest()


def unchanged(db: sqlite_utils.Database, team_fingerprint: str) -> bool:
    """True when the last decide saw this teams file and nothing matching reads was written
    since (by anyone)."""
    return input_counters.mark(db, MARK) == f"{team_fingerprint}:{input_counters.total(db)}"


def remember(db: sqlite_utils.Database, team_fingerprint: str) -> None:
    """Call at the end of a decide, inside its transaction (after its own writes)."""
    input_counters.set_mark(db, MARK, f"{team_fingerprint}:{input_counters.total(db)}")
