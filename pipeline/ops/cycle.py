"""One cycle: fetch -> snapshot -> extract -> validate -> store -> cross-check -> decide.

Reference sources (`kind: reference`) are fetched like pages, but their snapshots become
reference entries, not records; after all sources are stored, every record is cross-checked
against them (`pipeline.sources.reference.stage`), then team alerts are decided. Model lists
(`kind: model_list`) are pulled after the pages (`pipeline.sources.model_lists`): their pull is
stored like a fetch, and turns into records of listed deprecations and of models no
longer listed.

Each source is isolated: whatever goes wrong with one is recorded on its own rows and never
stops the others. A source that fails, or parses to far fewer records than before, keeps its
records and raises one operator alert (and one on recovery). New or changed records that
are doubtful (low confidence, changed page structure) wait for review (`pipeline.alerts.review`);
the operator hears of each cycle's batch once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from multiprocessing.connection import wait

import sqlite_utils

from pipeline.alerts import decide, review
from pipeline.core.clock import iso
from pipeline.core.config import ReviewConfig, SourceConfig, TeamsFile
from pipeline.core.models import Extraction, FetchResult, SourceState
from pipeline.fetch import FetchSettings, fetch_into
from pipeline.fetch.credentials import strip_credentials
from pipeline.ops.list_steps import apply_reference, pull_model_list
from pipeline.ops.source_steps import (
    CROSS_CHECK,
    CycleReport,
    apply_extraction,
    extraction_failed,
    record_page_text,
    store_fetch,
)
from pipeline.sources.extract_jobs import snapshot_job
from pipeline.sources.extract_pool import Budget, ExtractPool
from pipeline.sources.model_lists import stage as model_list_stage
from pipeline.sources.reference.stage import check_references
from storage import sources as source_store
from storage.db import is_write_failure, transaction

log = logging.getLogger(__name__)

STOP_POLL_SECONDS = 0.5  # longest blocking wait of a cycle, so `stop` is seen within it
DECIDE_EARLY_SECONDS = 10.0  # a cycle still busy after this decides alerts for what is done


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
                    apply_reference(
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
                    extraction_failed(db, source, exc, now=now, teams=teams, report=report)
            for source in lists:
                if stop.is_set():
                    break
                try:
                    pull_model_list(
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
                    extraction_failed(db, source, exc, now=now, teams=teams, report=report)
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
    own_extractor = pool.reads_page_text
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
                later = source["kind"] != "reference"  # the pool reads the page's text too
                try:
                    sha = store_fetch(
                        db,
                        source,
                        arrival,
                        now=now,
                        teams=teams,
                        report=report,
                        page_text_later=later,
                    )
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
                    # The default extractor also returns the page's text (for its diff).
                    text_of = (arrival.content_type, arrival.charset) if own_extractor else None
                    pool.submit(
                        source["id"],
                        lambda s=source, h=sha, t=text_of: snapshot_job(db, s, h, now.date(), t),
                    )
            # With nothing fetched to store, block until a page finishes or a fetch arrives.
            finished = pool.collect(
                timeout=0 if arrival is not False else STOP_POLL_SECONDS,
                wake=[arrivals.signal] if fetching else [],
            )
            for source_id, outcome in finished:
                source, result, sha = pending.pop(str(source_id))
                before = report.records_new + report.records_changed
                text = outcome.page_text if isinstance(outcome, Extraction) else None
                record_page_text(db, source, result, sha, now=now, text=text)
                try:
                    if isinstance(outcome, BaseException):
                        raise outcome
                    apply_extraction(
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
                    extraction_failed(db, source, exc, now=now, teams=teams, report=report)
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
