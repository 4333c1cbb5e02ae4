"""The steps of sources that list models rather than announce deprecations: a reference
catalogue cross-checked against the stored records (`pipeline.sources.reference`), and a
model list pulled and turned into records (`pipeline.sources.model_lists`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict

import sqlite_utils

from pipeline.core.clock import iso
from pipeline.core.config import SourceConfig, TeamsFile
from pipeline.core.models import FetchResult
from pipeline.fetch import FetchSettings
from pipeline.ops.source_steps import CycleReport, apply_snapshot, count_events, store_fetch
from pipeline.sources.model_lists import stage as model_list_stage
from pipeline.sources.model_lists.pull import Listing, fetch_listing
from pipeline.sources.reference.catalogue import parse_catalogue
from storage import reference as reference_store
from storage import sources as source_store

log = logging.getLogger(__name__)


def apply_reference(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    sha: str,
    config: SourceConfig | None,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
) -> None:
    """Store a reference catalogue snapshot's dated entries: never records, never alerts."""
    body = source_store.load_snapshot(db, source["id"], sha) or b""
    catalogue = parse_catalogue(
        body,
        provider_map=config.provider_map if config else {},
        only_provider=source["provider"],
    )

    def store() -> None:
        entries = [asdict(e) for e in catalogue.entries]
        reference_store.replace_entries(
            db, source["id"], entries, snapshot_sha256=sha, now=iso(now)
        )

    found = len(catalogue.entries)
    kwargs = {"now": now, "teams": teams, "report": report}
    if apply_snapshot(
        db, source, result, sha, found=found, warnings=catalogue.warnings, store=store, **kwargs
    ):
        log.info(
            "source %s: reference (%s), %d dated entries", source["id"], catalogue.shape, found
        )


def pull_model_list(
    db: sqlite_utils.Database,
    source: dict,
    config: SourceConfig,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
    settings: FetchSettings | None,
) -> None:
    """Pull one model list, store the pull like a fetch, and apply its listing."""
    result, listing = fetch_listing(config, now=now, settings=settings)
    sha = store_fetch(db, source, result, now=now, teams=teams, report=report)
    if sha is None or listing is None:
        return
    apply_listing(db, source, result, sha, listing, now=now, teams=teams, report=report)


def apply_listing(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    sha: str,
    listing: Listing,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
) -> None:
    """Store a model list's pull (or keep the old on a cliff: far fewer models listed)."""
    events: list[dict] = []

    def store() -> None:
        found, noted = model_list_stage.apply_listing(
            db,
            source=source,
            listing=listing,
            snapshot_sha256=sha,
            now=iso(now),
            run_id=report.run_id,
        )
        events.extend(found)
        source_store.add_warnings(db, report.run_id, source["id"], noted, iso(now))

    kwargs = {"now": now, "teams": teams, "report": report}
    if not apply_snapshot(
        db,
        source,
        result,
        sha,
        found=len(listing.models),
        warnings=(),
        store=store,
        **kwargs,
    ):
        return
    count_events(report, events)
    log.info(
        "source %s: model list of %d models, %d events",
        source["id"],
        len(listing.models),
        len(events),
    )
