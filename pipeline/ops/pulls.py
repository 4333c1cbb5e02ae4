"""Pulling usage as a job: the usage pullers, then exposures refreshed.

The pullers (`pipeline.usage.pullers`) only write buckets; matching them to records is
alerting's. This is the step above both that `sunset usage pull`, the worker and the demo
run, so matching and alerts see the new volumes at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlite_utils

from pipeline.alerts import exposures
from pipeline.core.config import TeamsFile
from pipeline.fetch.settings import FetchSettings
from pipeline.usage.pullers.pull import PullReport, pull_each
from storage import teams as team_store
from storage.db import transaction


def pull_sources(
    db: sqlite_utils.Database,
    teams: TeamsFile,
    *,
    now: dt.datetime,
    only: Sequence[str] | None = None,
    due_only: bool = False,
    settings: FetchSettings | None = None,
) -> list[PullReport]:
    """Pull the enabled sources (or `only` these ids; `due_only`: those whose interval has
    elapsed), then refresh exposures so matching and alerts see the new volumes."""
    reports = pull_each(db, teams, now=now, only=only, due_only=due_only, settings=settings)
    if any(r.ok for r in reports):
        with transaction(db):
            team_store.sync_teams(db, exposures.team_rows(teams))
            exposures.refresh_exposures(db, now)
    return reports
