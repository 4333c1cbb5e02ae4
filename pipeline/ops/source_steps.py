"""One page source's steps in a cycle: its fetch outcome stored (a new body as a snapshot),
its extraction applied (validated, stored, a cliff caught), and its health moved with one
operator alert per transition (`pipeline.ops_alerts`). `pipeline.ops.cycle` runs these for
every source; `pipeline.ops.list_steps` reuses them for catalogues and model lists."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import sqlite_utils

from pipeline import ops_alerts, structure
from pipeline.alerts import review
from pipeline.core.clock import iso
from pipeline.core.config import ReviewConfig, TeamsFile
from pipeline.core.models import Extraction, FetchResult
from pipeline.fetch.credentials import strip_credentials
from pipeline.fetch.errors import redact_url
from pipeline.sources.extract_pool import (
    ExtractionAborted,
    ExtractionFailed,
)
from pipeline.sources.pagediff import record_page_change
from pipeline.sources.validate import cliff, validate
from storage import records as record_store
from storage import sources as source_store
from storage.db import transaction

log = logging.getLogger(__name__)


FAILING_AFTER = 3  # consecutive failed fetches before the operator hears about it


CROSS_CHECK = "(reference cross-check)"  # report.failures key when the cross-check fails


KEEP_SNAPSHOTS = 20  # per source, besides the last good page and those behind current records


BEST_COUNT_DAYS = 30  # a source's best count is remembered this long, for cliff detection


@dataclass
class CycleReport:
    run_id: int
    sources: int = 0
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    records_new: int = 0
    records_changed: int = 0
    alerts_created: int = 0
    review_ids: list[int] = field(default_factory=list)  # records that started waiting
    fetch_seconds: float = 0.0  # fetching and storing snapshots
    extract_seconds: float = 0.0  # extracting, validating and storing records
    failures: dict[str, str] = field(default_factory=dict)
    # Called after each source's fetch is stored (the CLI draws progress from it on a TTY)
    progress: Callable[[CycleReport], None] | None = field(default=None, repr=False)

    @property
    def done(self) -> int:
        """Sources whose fetch has been stored so far."""
        return self.fetched + self.not_modified + self.failed

    def tick(self) -> None:
        if self.progress is not None:
            self.progress(self)


def extraction_failed(
    db: sqlite_utils.Database,
    source: dict,
    exc: BaseException,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
) -> None:
    """A page that cannot be extracted keeps its records and the operator hears once.

    The content hash is not advanced, so the page is extracted again on its next fetch.
    """
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ExtractionAborted) and exc.reason == "time":
        error += f" (page {redact_url(source.get('url') or '')}; SUNSET_EXTRACT_SECONDS raises it)"
    # A budget kill or an error in the extraction process has no useful traceback here.
    own = not isinstance(exc, ExtractionAborted | ExtractionFailed)
    log.error(
        "source %s: extraction failed: %s", source["id"], error, exc_info=exc if own else None
    )
    report.failures[source["id"]] = error
    with transaction(db):
        source_store.add_warnings(
            db, report.run_id, source["id"], [f"extraction failed: {error}"], iso(now)
        )
        if source["health"] != "failing":
            _set_health(db, source, "failing", f"extraction failed: {error}", now, teams)


def _fetch_row(result: FetchResult, run_id: int) -> dict:
    return {
        "run_id": run_id,
        "source_id": result.source_id,
        "started": result.started,
        "duration_ms": round(result.duration_ms, 1),
        "status": result.status,
        "outcome": result.outcome,
        "bytes": result.size,
        "tries": result.tries,
        "not_modified": int(result.outcome in ("not_modified", "unchanged")),
        "error_type": result.error_type,
        "error": result.error,
        "sha256": result.sha256,
    }


def store_fetch(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
    page_text_later: bool = False,
) -> str | None:
    """Record one fetch outcome; store a new body as a snapshot and return its sha256.

    `page_text_later`: the page's text for diffs is recorded once it is extracted
    (`record_page_text`, with the text the extraction process computed), not here.

    The source's content hash, ETag and Last-Modified move only once the snapshot has been
    extracted (in `apply_extraction`), so a crash in between means the page is fetched and
    extracted again next time rather than silently skipped.
    """
    stamp = iso(now)
    next_due = iso(now + dt.timedelta(minutes=source["interval_minutes"]))
    with transaction(db):
        source_store.record_fetch(db, _fetch_row(result, report.run_id))
        if result.failed:
            report.failed += 1
            report.tick()
            failures = source["consecutive_failures"] + 1
            error = f"{result.error_type}: {result.error}"
            report.failures[source["id"]] = error
            source_store.update_source(
                db,
                source["id"],
                {
                    "last_fetch_at": stamp,
                    "last_status": "error",
                    "last_error": error,
                    "consecutive_failures": failures,
                    "next_due_at": next_due,
                },
            )
            log.warning("source %s: fetch failed (%s), %d in a row", source["id"], error, failures)
            if failures >= FAILING_AFTER and source["health"] != "failing":
                reason = f"{failures} failed fetches in a row: {error}"
                _set_health(db, source, "failing", reason, now, teams)
            return None
        source_store.update_source(
            db,
            source["id"],
            {
                "last_fetch_at": stamp,
                "last_status": result.outcome,
                "last_error": None,
                "consecutive_failures": 0,
                "next_due_at": next_due,
            },
        )
        if result.outcome != "ok" or result.body is None:
            report.not_modified += 1
            report.tick()
            # The stored hash and validators are those of the last page that extracted
            # well, so "unchanged" means the source is back to a good page.
            if source["health"] != "ok":
                _set_health(db, source, "ok", "back to the last good page", now, teams)
            return None
        report.fetched += 1
        report.tick()
        sha = source_store.store_snapshot(
            db,
            source_id=source["id"],
            fetched_at=stamp,
            body=result.body,
            url=strip_credentials(result.final_url or result.url),
            content_type=result.content_type,
            charset=result.charset,
        )
        source_store.prune_snapshots(db, source["id"], keep=KEEP_SNAPSHOTS, protect=sha)
        if page_text_later:
            return sha
        record_page_change(
            db,
            source_id=source["id"],
            sha256=sha,
            fetched_at=stamp,
            url=strip_credentials(result.final_url or result.url),
            body=result.body,
            content_type=result.content_type,
            charset=result.charset,
        )
        return sha


def record_page_text(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    sha: str,
    *,
    now: dt.datetime,
    text: tuple[str, bool] | None,
) -> None:
    """The page change of a snapshot whose text was left for later (`store_fetch`): `text`
    as the extraction process computed it, else (a failed extraction, a custom extractor)
    computed here from the stored snapshot."""
    body = None if text is not None else source_store.load_snapshot(db, source["id"], sha)
    record_page_change(
        db,
        source_id=source["id"],
        sha256=sha,
        fetched_at=iso(now),
        url=strip_credentials(result.final_url or result.url),
        body=body or b"",
        content_type=result.content_type,
        charset=result.charset,
        text=text,
    )


def apply_snapshot(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    sha: str,
    *,
    found: int,
    warnings: Sequence[str],
    store: Callable[[], None],
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
    fields: dict | None = None,
) -> bool:
    """Store what a snapshot parsed to (`store`), or flag a cliff and keep the old; the
    source's validators and hash (and `fields`) advance only when it was stored. False on a
    cliff."""
    stamp = iso(now)
    with transaction(db):
        source_store.add_warnings(db, report.run_id, source["id"], list(warnings), stamp)
        best = _recent_best(source, now)
        problem = cliff(found, source["record_count"], best)
        if problem:
            # The content hash and validators stay put, so the suspect page is fetched and
            # checked again next time: the source cannot drift back to "ok" on a 304 while
            # its page still parses to nothing.
            source_store.update_source(db, source["id"], {"last_change_at": stamp})
            log.warning("source %s: %s; keeping its records", source["id"], problem)
            if source["health"] != "cliff":
                _set_health(db, source, "cliff", problem, now, teams)
            return False
        store()
        source_store.update_source(
            db,
            source["id"],
            {
                "etag": result.etag,
                "last_modified": result.last_modified,
                "content_hash": sha,
                "last_change_at": stamp,
                "record_count": found,
                **(
                    {"best_count": found, "best_count_at": stamp}
                    if best is None or found >= best
                    else {}
                ),
                **(fields or {}),
            },
        )
        if source["health"] != "ok":
            _set_health(db, source, "ok", f"parsing again: {found} records", now, teams)
    return True


def apply_extraction(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    sha: str,
    extraction: Extraction,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
    review_config: ReviewConfig,
) -> None:
    """Validate a page snapshot's records and store them (or keep the old on a cliff).

    New and changed records wait for review when their confidence is low or the page's
    structure differs from the last good snapshot's.
    """
    verdict = validate(extraction.records, today=now.date())
    before = json.loads(source.get("structure_detail") or "null")
    after = list(extraction.structure) if extraction.structure is not None else None
    structure_note = None
    if before is not None and after is not None and before != after:
        structure_note = structure.describe_change(before, after)
    events: list[dict] = []

    def store() -> None:
        records = []
        for record in verdict.publish:
            reason = review.review_reason(
                record, min_confidence=review_config.min_confidence, structure_note=structure_note
            )
            records.append({**asdict(record), "review_reason": reason})
        events.extend(
            record_store.apply_source_records(
                db,
                source_id=source["id"],
                records=records,
                keep=[(r.provider, r.model, r.scope) for r in verdict.held],
                snapshot_sha256=sha,
                now=iso(now),
                run_id=report.run_id,
            )
        )

    found = len(verdict.publish) + len(verdict.held)
    warnings = [
        *extraction.warnings,
        *verdict.warnings,
        *([structure_note] if structure_note else []),
    ]
    fields = (
        {"structure": structure.signature(after), "structure_detail": json.dumps(after)}
        if after is not None
        else {}
    )
    kwargs = {"now": now, "teams": teams, "report": report}
    if not apply_snapshot(
        db,
        source,
        result,
        sha,
        found=found,
        warnings=warnings,
        store=store,
        fields=fields,
        **kwargs,
    ):
        return
    count_events(report, events)
    log.info("source %s: %d records, %d events", source["id"], found, len(events))


def _recent_best(source: dict, now: dt.datetime) -> int | None:
    """The most records the source parsed to within `BEST_COUNT_DAYS`, if known."""
    if source.get("best_count") is None or not source.get("best_count_at"):
        return None
    since = dt.datetime.fromisoformat(source["best_count_at"].replace("Z", "+00:00"))
    if now - since > dt.timedelta(days=BEST_COUNT_DAYS):
        return None
    return int(source["best_count"])


def _set_health(
    db: sqlite_utils.Database,
    source: dict,
    health: str,
    reason: str,
    now: dt.datetime,
    teams: TeamsFile | None,
) -> None:
    """Change a source's health and raise exactly one operator alert for the transition."""
    previous = source["health"]
    source_store.update_source(db, source["id"], {"health": health, "health_reason": reason})
    ops_alerts.enqueue_ops(
        db,
        teams,
        source_id=source["id"],
        provider=source["provider"],
        url=source["url"],
        kind="recovered" if health == "ok" else health,
        previous=previous,
        note=reason,
        now=now,
    )


def count_events(report: CycleReport, events: list[dict]) -> None:
    """A stored source's events in the cycle's counts: new, changed and review entries."""
    report.records_new += sum(1 for e in events if e["kind"] == "new")
    report.records_changed += sum(
        1 for e in events if e["kind"] in ("changed", "relisted", "unlisted")
    )
    report.review_ids += [e["record_id"] for e in events if e["review"] == "entered"]
