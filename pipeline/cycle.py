"""One cycle: fetch -> snapshot -> extract -> validate -> store -> cross-check -> decide.

Reference sources (`kind: reference`) are fetched like pages, but their snapshots become
reference entries, not records; after all sources are stored, every record is cross-checked
against them (`pipeline.reference.stage`), then team alerts are decided. Model lists
(`kind: model_list`) are pulled after the pages (`pipeline.model_lists`): their pull is
stored like a fetch, and turns into records of listed deprecations and of models no
longer listed.

Each source is isolated: whatever goes wrong with one is recorded on its own rows and never
stops the others. A source that fails, or parses to far fewer records than before, keeps its
records and raises one operator alert (and one on recovery). New or changed records that
are doubtful (low confidence, changed page structure) wait for review (`pipeline.review`);
the operator hears of each cycle's batch once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.connection import wait

import sqlite_utils

from pipeline import decide, review, structure
from pipeline.clock import iso
from pipeline.config import ReviewConfig, SourceConfig, TeamsFile
from pipeline.extract_pool import (
    Budget,
    ExtractionAborted,
    ExtractionFailed,
    ExtractPool,
    snapshot_job,
)
from pipeline.fetch import FetchSettings, fetch_into
from pipeline.fetch.credentials import strip_credentials
from pipeline.fetch.errors import redact_url
from pipeline.model_lists import stage as model_list_stage
from pipeline.model_lists.pull import Listing, fetch_listing
from pipeline.models import Extraction, FetchResult, SourceState
from pipeline.pagediff import record_page_change
from pipeline.reference.catalogue import parse_catalogue
from pipeline.reference.stage import check_references
from pipeline.validate import cliff, validate
from storage import records as record_store
from storage import reference as reference_store
from storage import sources as source_store
from storage.db import is_write_failure, transaction

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # consecutive failed fetches before the operator hears about it
CROSS_CHECK = "(reference cross-check)"  # report.failures key when the cross-check fails
KEEP_SNAPSHOTS = 20  # per source, besides the last good page and those behind current records
BEST_COUNT_DAYS = 30  # a source's best count is remembered this long, for cliff detection
STOP_POLL_SECONDS = 0.5  # longest blocking wait of a cycle, so `stop` is seen within it
DECIDE_EARLY_SECONDS = 10.0  # a cycle still busy after this decides alerts for what is done


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


def sync_config(db: sqlite_utils.Database, sources: Sequence[SourceConfig]) -> None:
    source_store.sync_sources(
        db,
        [
            {
                "id": s.id,
                "kind": s.kind,
                "provider": s.provider_id,
                "url": strip_credentials(str(s.url)),  # never stored: used only to fetch
                "format": s.parser_format,
                "interval_minutes": s.interval,
                "enabled": int(s.enabled),
            }
            for s in sources
        ],
    )


def due_source_ids(db: sqlite_utils.Database, now: dt.datetime) -> list[str]:
    return [
        row["id"]
        for row in db.query(
            "SELECT id FROM sources WHERE enabled = 1 AND (next_due_at IS NULL OR next_due_at <= ?)"
            " ORDER BY id",
            [iso(now)],
        )
    ]


@contextlib.contextmanager
def _extraction_pool(kept: ExtractPool | None, budget: Budget | None) -> Iterator[ExtractPool]:
    """The cycle's own pool, closed after it, or a kept one emptied of this cycle's pages
    (a cycle cut short: its processes killed, queued and uncollected pages dropped) so the
    next cycle starts clean; idle processes stay for the next cycle."""
    if kept is None:
        with ExtractPool(budget=budget) as pool:
            yield pool
        return
    try:
        yield kept
    finally:
        if kept.busy:
            kept.cancel()
        kept.collect(0)


def run_cycle(
    db: sqlite_utils.Database,
    sources: Sequence[SourceConfig],
    *,
    now: dt.datetime,
    teams: TeamsFile | None = None,
    settings: FetchSettings | None = None,
    only: Sequence[str] | None = None,
    budget: Budget | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[CycleReport], None] | None = None,
    kept_pool: ExtractPool | None = None,
) -> CycleReport:
    """Fetch and process the enabled sources (or `only` these ids), then decide alerts.

    Fetching runs in its own thread (its own event loop) and hands each result over as it
    arrives; each new page is extracted in a child process under `budget` while others are
    still being fetched. Alerts are decided at the end, and also along the way once the cycle
    has run `DECIDE_EARLY_SECONDS`, so one slow page or source never holds up the others'
    alerts. Setting `stop` ends the cycle within about a second: fetches are abandoned and
    extraction processes killed; pages not yet extracted are fetched and extracted next time.
    `kept_pool` is a caller's extraction pool kept across cycles (the worker's: its processes are
    started once, not every cycle); without it the cycle starts and closes its own.
    """
    started = time.monotonic()
    sync_config(db, sources)
    rows = [r for r in source_store.get_sources(db, list(only) if only else None) if r["enabled"]]
    run_id = source_store.start_run(db, iso(now), len(rows))
    report = CycleReport(run_id=run_id, sources=len(rows), progress=progress)
    configured = {s.id: str(s.url) for s in sources}
    states = [
        SourceState(
            id=r["id"],
            url=configured.get(r["id"], r["url"]),  # the stored URL has credentials removed
            etag=r["etag"],
            last_modified=r["last_modified"],
            content_hash=r["content_hash"],
        )
        for r in rows
        if r["kind"] != "model_list"  # pulled with their key after the pages
    ]
    lists = [r for r in rows if r["kind"] == "model_list"]
    by_id = {r["id"]: r for r in rows}
    review_config = {s.id: s.review for s in sources}
    configs = {s.id: s for s in sources}
    # Redirects may lead into private address space only to a configured source's origin.
    trusted = {str(s.url) for s in sources}
    stop = stop or threading.Event()
    status = "failed"
    try:
        with _extraction_pool(kept_pool, budget) as pool:
            references = _pipeline(
                db, states, by_id, pool, settings, now, teams, report, stop, trusted, review_config
            )
        report.extract_seconds = max(0.0, time.monotonic() - started - report.fetch_seconds)
        if references is None:
            status = "stopped"
        else:
            for source, result, sha in references:
                try:
                    _apply_reference(
                        db,
                        source,
                        result,
                        sha,
                        configs.get(source["id"]),
                        now=now,
                        teams=teams,
                        report=report,
                    )
                except Exception as exc:
                    if is_write_failure(exc):
                        raise
                    _extraction_failed(db, source, exc, now=now, teams=teams, report=report)
            for source in lists:
                if stop.is_set():
                    break
                try:
                    _pull_model_list(
                        db,
                        source,
                        configs[source["id"]],
                        now=now,
                        teams=teams,
                        report=report,
                        settings=settings,
                    )
                except Exception as exc:
                    if is_write_failure(exc):
                        raise
                    _extraction_failed(db, source, exc, now=now, teams=teams, report=report)
            with transaction(db):
                model_list_stage.confirm_gone(db, now=iso(now))
            try:
                report.alerts_created += check_references(db, teams, now=now)
            except Exception as exc:  # a cross-check bug must not stop team alerts
                if is_write_failure(exc):
                    raise
                log.exception("cross-checking reference catalogues failed")
                report.failures[CROSS_CHECK] = f"{type(exc).__name__}: {exc}"
            if teams is not None:
                report.alerts_created += decide.decide(db, teams, now=now)
            with transaction(db):  # after decide, which stores the teams' declared usage
                report.alerts_created += review.alert_batch(db, teams, run_id=run_id, now=now)
            # Stopped while pulling model lists: what was stored is decided, the rest waits.
            status = "stopped" if stop.is_set() else "ok" if not report.failures else "partial"
    finally:
        source_store.finish_run(
            db,
            run_id,
            finished=iso(now),
            status=status,
            fetched=report.fetched,
            not_modified=report.not_modified,
            failed=report.failed,
            records_new=report.records_new,
            records_changed=report.records_changed,
            records_review=len(set(report.review_ids)),
            alerts_created=report.alerts_created,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
    return report


def _pipeline(
    db: sqlite_utils.Database,
    states: list[SourceState],
    by_id: dict[str, dict],
    pool: ExtractPool,
    settings: FetchSettings | None,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
    stop: threading.Event,
    trusted: set[str],
    review_config: dict[str, ReviewConfig],
) -> list[tuple[dict, FetchResult, str]] | None:
    """Store fetches as they arrive, extract new pages in the pool, apply their records.

    Only this thread touches the database. Returns the new reference-catalogue snapshots
    (applied by the caller once every page is in), or None when `stop` cut the cycle short.
    """
    started = time.monotonic()
    arrivals = _SignalledQueue()
    halt = threading.Event()  # set when this cycle ends, so an unfinished fetch is cancelled
    fetcher = threading.Thread(
        target=fetch_into,
        args=(arrivals, states, settings or FetchSettings()),
        kwargs={
            "now": lambda: now,
            "trusted_hosts": trusted,
            "cancel": lambda: stop.is_set() or halt.is_set(),
        },
        name="sunset-fetch",
        daemon=True,
    )
    fetcher.start()
    fetching = bool(states)
    if not fetching:
        arrivals.put(None)
    pending: dict[str, tuple[dict, FetchResult, str]] = {}
    references: list[tuple[dict, FetchResult, str]] = []
    undecided = False  # records changed since alerts were last decided
    last_decided = started
    try:
        while fetching or pool.busy:
            if stop.is_set():
                pool.cancel()
                return None
            arrivals.clear_signal()
            try:
                arrival = arrivals.get_nowait()
            except queue.Empty:
                arrival = False
            if arrival is False and not pool.busy:
                # Nothing to do until the next fetch arrives (or `stop` is checked again);
                # then on below, so alerts are still decided early while one source drips.
                wait([arrivals.signal], timeout=STOP_POLL_SECONDS)
            if arrival is None:
                fetching = False
                report.fetch_seconds = time.monotonic() - started
            elif isinstance(arrival, BaseException):
                raise arrival
            elif arrival is not False:
                source = by_id[arrival.source_id]
                try:
                    sha = _store_fetch(db, source, arrival, now=now, teams=teams, report=report)
                except Exception as exc:  # isolation: one source's bug never stops the cycle
                    if is_write_failure(exc):
                        raise  # but a store that cannot be written stops it (and tells ops)
                    log.exception("source %s: storing the fetch failed", arrival.source_id)
                    report.failures[arrival.source_id] = f"{type(exc).__name__}: {exc}"
                    sha = None
                if sha is not None and source["kind"] == "reference":
                    references.append((source, replace(arrival, body=None), sha))
                elif sha is not None:
                    pending[source["id"]] = (source, replace(arrival, body=None), sha)
                    pool.submit(
                        source["id"],
                        lambda s=source, h=sha: snapshot_job(db, s, h, now.date()),
                    )
            # With nothing fetched to store, block until a page finishes or a fetch arrives.
            finished = pool.collect(
                timeout=0 if arrival is not False else STOP_POLL_SECONDS,
                wake=[arrivals.signal] if fetching else [],
            )
            for source_id, outcome in finished:
                source, result, sha = pending.pop(str(source_id))
                before = report.records_new + report.records_changed
                try:
                    if isinstance(outcome, BaseException):
                        raise outcome
                    _apply_extraction(
                        db,
                        source,
                        result,
                        sha,
                        outcome,
                        now=now,
                        teams=teams,
                        report=report,
                        review_config=review_config.get(source["id"], ReviewConfig()),
                    )
                except Exception as exc:
                    if is_write_failure(exc):
                        raise
                    _extraction_failed(db, source, exc, now=now, teams=teams, report=report)
                undecided |= report.records_new + report.records_changed > before
            if (
                undecided
                and teams is not None
                and (fetching or pool.busy)
                and time.monotonic() - last_decided >= DECIDE_EARLY_SECONDS
            ):
                # Others are still slow: decide what is known now (deciding is idempotent).
                report.alerts_created += decide.decide(db, teams, now=now)
                undecided, last_decided = False, time.monotonic()
    finally:
        halt.set()
        fetcher.join(timeout=5)
        arrivals.close()  # a fetch thread still running finds the socket closed: harmless
    return references


class _SignalledQueue(queue.Queue):
    """The fetch thread's hand-over queue, with a socket that is readable while something
    was put and not yet noticed, so the cycle can block on fetches and finished
    extractions at once (`multiprocessing.connection.wait`) instead of polling either."""

    def __init__(self) -> None:
        super().__init__()
        self.signal, self._writer = socket.socketpair()
        self.signal.setblocking(False)
        self._writer.setblocking(False)

    def put(self, item: object, block: bool = True, timeout: float | None = None) -> None:
        super().put(item, block, timeout)
        with contextlib.suppress(OSError):  # full buffer: a wake-up is pending anyway
            self._writer.send(b"\0")

    def clear_signal(self) -> None:
        with contextlib.suppress(OSError):
            while self.signal.recv(4096):
                pass

    def close(self) -> None:
        self.signal.close()
        self._writer.close()


def _extraction_failed(
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


def _store_fetch(
    db: sqlite_utils.Database,
    source: dict,
    result: FetchResult,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    report: CycleReport,
) -> str | None:
    """Record one fetch outcome; store a new body as a snapshot and return its sha256.

    The source's content hash, ETag and Last-Modified move only once the snapshot has been
    extracted (in `_apply_extraction`), so a crash in between means the page is fetched and
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


def _apply_snapshot(
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


def _apply_extraction(
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
    if not _apply_snapshot(
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
    _count_events(report, events)
    log.info("source %s: %d records, %d events", source["id"], found, len(events))


def _apply_reference(
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
    if _apply_snapshot(
        db, source, result, sha, found=found, warnings=catalogue.warnings, store=store, **kwargs
    ):
        log.info(
            "source %s: reference (%s), %d dated entries", source["id"], catalogue.shape, found
        )


def _pull_model_list(
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
    sha = _store_fetch(db, source, result, now=now, teams=teams, report=report)
    if sha is None or listing is None:
        return
    _apply_listing(db, source, result, sha, listing, now=now, teams=teams, report=report)


def _apply_listing(
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
    if not _apply_snapshot(
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
    _count_events(report, events)
    log.info(
        "source %s: model list of %d models, %d events",
        source["id"],
        len(listing.models),
        len(events),
    )


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
    decide.enqueue_ops(
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


def _count_events(report: CycleReport, events: list[dict]) -> None:
    """A stored source's events in the cycle's counts: new, changed and review entries."""
    report.records_new += sum(1 for e in events if e["kind"] == "new")
    report.records_changed += sum(
        1 for e in events if e["kind"] in ("changed", "relisted", "unlisted")
    )
    report.review_ids += [e["record_id"] for e in events if e["review"] == "entered"]
