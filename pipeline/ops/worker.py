"""The `sunset worker`: APScheduler 3.x jobs for the cycle, delivery, reminders and digests.

This module owns the worker's jobs, their schedule and its process life (signals, logs):
- tick (every minute): re-read the config, run a cycle over the sources that are due
  (`next_due_at` plus a per-source jitter), under the SQLite lock `cycle`;
- deliver (every minute): send the due outbox rows, under the lock `deliver`;
- usage (every 30 minutes): pull the usage sources that are due (`usage_sources:` in
  teams.yml, each every `interval_hours`, daily by default);
- reminders (daily): `decide` without fetching (exposures, lead-day reminders, past shutdowns);
- digest:<team> (daily at the team's local time): queue that team's digest.

Threads: jobs run in APScheduler's thread pool, and every job run opens (and closes) its own
SQLite connection, so no connection is shared between threads and a long cycle never holds
up delivery. Writers queue on SQLite's busy timeout (BEGIN IMMEDIATE), never fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import signal
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pipeline.alerts import decide
from pipeline.core.clock import utcnow
from pipeline.core.config import ConfigError, SourcesFile, TeamsFile, load_sources, load_teams
from pipeline.fetch import FetchSettings
from pipeline.ops import lock_holder
from pipeline.ops.cycle import due_source_ids, run_cycle, sync_config
from pipeline.sources.extract_pool import Budget, ExtractPool
from storage import sources as source_store
from storage.db import StoreError, is_write_failure, open_db

log = logging.getLogger(__name__)

JITTER_FRACTION = 0.1  # a source waits up to 10% of its interval longer, fixed per source id
REMINDER_TIME = (7, 0)  # UTC hour and minute of the daily reminders job
USAGE_CHECK_MINUTES = 30  # how often the usage job looks for usage sources that are due
JOB_OPTIONS: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}

Clock = Callable[[], dt.datetime]


def jitter(source_id: str, interval_minutes: int) -> dt.timedelta:
    """Deterministic delay in [0, 10% of the interval) so sources drift apart, stable in tests."""
    fraction = int(hashlib.sha256(source_id.encode()).hexdigest()[:8], 16) / 2**32
    return dt.timedelta(seconds=round(fraction * JITTER_FRACTION * interval_minutes * 60))


def due_with_jitter(db: sqlite_utils.Database, now: dt.datetime) -> list[str]:
    """Sources due at `now` once their jitter is added; never-fetched sources are due at once."""
    candidates = due_source_ids(db, now)
    due = []
    for row in source_store.get_sources(db, candidates):
        if row["next_due_at"] is None:
            due.append(row["id"])
            continue
        next_due = dt.datetime.fromisoformat(row["next_due_at"].replace("Z", "+00:00"))
        if next_due + jitter(row["id"], row["interval_minutes"]) <= now:
            due.append(row["id"])
    return due


class Worker:
    """The jobs, with the last good configuration; each job opens its own connection."""

    def __init__(
        self,
        sources_path: Path,
        teams_path: Path,
        db_path: str,
        *,
        now: Clock = utcnow,
        settings: FetchSettings | None = None,
        owner: str | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.sources_path = Path(sources_path)
        self.teams_path = Path(teams_path)
        self.db_path = db_path
        self.now = now
        self.settings = settings or FetchSettings()
        self.budget = budget or Budget()
        # Set on SIGTERM/SIGINT: a running cycle stops within about a second (fetches
        # abandoned, extraction processes killed; unfinished pages are redone next time).
        self.stop = threading.Event()
        self.owner = owner or lock_holder.new_owner("worker")
        self._config_lock = threading.Lock()
        self._last_error: str | None = None
        # A bad file at start-up is fatal (ConfigError); later bad edits keep these.
        self.sources: SourcesFile = load_sources(self.sources_path)
        self.teams: TeamsFile = load_teams(self.teams_path)
        self.on_teams_change: Callable[[TeamsFile], None] | None = None
        # Extraction processes kept from one tick to the next (started on the first page).
        self.pool: ExtractPool | None = None

    def reload(self) -> tuple[SourcesFile, TeamsFile]:
        """Re-read both files; on a bad edit log one error (once per distinct error), keep old."""
        with self._config_lock:
            try:
                sources, teams = load_sources(self.sources_path), load_teams(self.teams_path)
            except ConfigError as exc:
                if str(exc) != self._last_error:
                    log.error("config: %s; keeping the previous configuration", exc)
                self._last_error = str(exc)
                return self.sources, self.teams
            if self._last_error is not None:
                log.info("config: valid again, applying it")
                self._last_error = None
            changed = teams != self.teams
            self.sources, self.teams = sources, teams
        if changed and self.on_teams_change is not None:
            self.on_teams_change(teams)
        return sources, teams

    @contextmanager
    def _db(self) -> Iterator[sqlite_utils.Database]:
        db = open_db(self.db_path)
        try:
            yield db
        except sqlite3.Error as exc:
            from pipeline.alerts.notify.notices import tell_ops_unwritable

            tell_ops_unwritable(self.teams, self.db_path, exc, self.now())
            raise
        finally:
            db.close()

    @contextmanager
    def _locked(self, db: sqlite_utils.Database, name: str, job: str) -> Iterator[bool]:
        with lock_holder.held(db, self.db_path, name, self.owner, self.now, job) as taken:
            yield taken

    def tick(self) -> str:
        sources, teams = self.reload()
        now = self.now()
        with self._db() as db, self._locked(db, "cycle", "tick") as held:
            if not held:
                return "lock busy"
            sync_config(db, sources.sources)
            due = due_with_jitter(db, now)
            if not due:
                return "no source due"
            report = run_cycle(
                db,
                sources.sources,
                now=now,
                teams=teams,
                settings=self.settings,
                only=due,
                budget=self.budget,
                stop=self.stop,
                kept_pool=self._kept_pool(),
            )
            if self.stop.is_set():
                return f"run {report.run_id}: stopped by shutdown"
            return (
                f"run {report.run_id}: {report.sources} sources due, {report.fetched} changed, "
                f"{report.not_modified} unchanged, {report.failed} failed, "
                f"{report.records_new} new records, {report.records_changed} changed, "
                f"{len(set(report.review_ids))} to review, {report.alerts_created} alerts decided"
            )

    def _kept_pool(self) -> ExtractPool:
        if self.pool is None:
            self.pool = ExtractPool(budget=self.budget)
            # A worker dropped without close() (tests, embedding code) still ends them.
            weakref.finalize(self, self.pool.close)
        return self.pool

    def close(self) -> None:
        """End the kept extraction processes (at shutdown)."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def deliver(self) -> str:
        teams = self.teams
        with self._db() as db, self._locked(db, "deliver", "deliver") as held:
            if not held:
                return "lock busy"
            result = deliver_outbox(db, teams, self.now())
            return f"{result.sent} sent, {result.failed} to retry, {result.dead} dead"

    def reminders(self) -> str:
        # No lock: deciding is one transaction with idempotency keys, so running beside
        # another worker's cycle is harmless, and skipping would lose a day of reminders.
        with self._db() as db:
            created = decide.decide(db, self.teams, now=self.now())
        return f"{created} alerts decided"

    def usage(self) -> str:
        """Pull the usage sources that are due (each daily by default)."""
        from pipeline.ops.pulls import pull_sources

        _, teams = self.reload()
        if not teams.usage_sources:
            return "no usage sources"
        with self._db() as db:
            reports = pull_sources(db, teams, now=self.now(), due_only=True, settings=self.settings)
        failed = sum(1 for r in reports if not r.ok)
        return f"{len(reports)} usage sources pulled, {failed} failed"

    def digest(self, team: str) -> str:
        # No lock either: the outbox key `digest:<team>:<local day>` makes it once a day.
        with self._db() as db:
            queued = queue_digest(db, self.teams, team, self.now())
        return "digest queued" if queued else "nothing to send"


def deliver_outbox(db: sqlite_utils.Database, teams: TeamsFile, now: dt.datetime) -> Any:
    """Send due outbox rows through the notify layer (its report has sent/failed/dead)."""
    from pipeline.alerts.notify.outbox import build_notifiers, deliver_due

    return deliver_due(
        db, build_notifiers(teams), now=now, max_attempts=teams.delivery.max_attempts
    )


def queue_digest(db: sqlite_utils.Database, teams: TeamsFile, team: str, now: dt.datetime) -> bool:
    """Queue one team's digest in the outbox (the deliver job sends it); True if queued."""
    from pipeline.alerts.notify import digest

    return bool(digest.queue_digest(db, teams, team, now=now))


def run_job(name: str, job: Callable[[], str]) -> None:
    """Run one job with a start line and an end line (with counts); never raise."""
    log.info("job %s: start", name)
    started = time.monotonic()
    try:
        summary = job()
    except Exception as exc:
        if is_write_failure(exc) or isinstance(exc, StoreError):  # ops is told; no traceback
            log.error("job %s: the database cannot be used: %s", name, exc)
            return
        log.exception("job %s: failed after %.1f s", name, time.monotonic() - started)
        return
    log.info("job %s: end: %s (%.1f s)", name, summary, time.monotonic() - started)


def sync_digest_jobs(scheduler: BackgroundScheduler, worker: Worker, teams: TeamsFile) -> None:
    """One cron job per team with a digest, at its local time; jobs of other teams removed."""
    wanted = {}
    for team in teams.teams:
        if team.digest is not None:
            hour, minute = (int(part) for part in team.digest.time.split(":")[:2])
            trigger = CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(team.digest.timezone))
            wanted[f"digest:{team.name}"] = (team.name, trigger)
    for job in scheduler.get_jobs():
        if job.id.startswith("digest:") and job.id not in wanted:
            scheduler.remove_job(job.id)
    for job_id, (team, trigger) in wanted.items():
        scheduler.add_job(
            run_job,
            trigger,
            args=[job_id, lambda team=team: worker.digest(team)],
            id=job_id,
            name=job_id,
            replace_existing=True,
            **JOB_OPTIONS,
        )


def build_scheduler(worker: Worker) -> BackgroundScheduler:
    """A stopped scheduler with the worker's jobs; tick and deliver first run at once."""
    scheduler = BackgroundScheduler(timezone=dt.UTC)
    first = dt.datetime.now(dt.UTC)
    for name, job in (("tick", worker.tick), ("deliver", worker.deliver)):
        scheduler.add_job(
            run_job,
            IntervalTrigger(minutes=1, timezone=dt.UTC),
            args=[name, job],
            id=name,
            name=name,
            next_run_time=first,
            **JOB_OPTIONS,
        )
    scheduler.add_job(
        run_job,
        IntervalTrigger(minutes=USAGE_CHECK_MINUTES, timezone=dt.UTC),
        args=["usage", worker.usage],
        id="usage",
        name="usage",
        next_run_time=first,
        **JOB_OPTIONS,
    )
    hour, minute = REMINDER_TIME
    scheduler.add_job(
        run_job,
        CronTrigger(hour=hour, minute=minute, timezone=dt.UTC),
        args=["reminders", worker.reminders],
        id="reminders",
        name="reminders",
        **JOB_OPTIONS,
    )
    sync_digest_jobs(scheduler, worker, worker.teams)
    worker.on_teams_change = lambda teams: sync_digest_jobs(scheduler, worker, teams)
    return scheduler


def _setup_logging() -> None:
    if not logging.getLogger().handlers:  # the CLI configures logging; `python -c` does not
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # run_job logs each job's start and end; APScheduler's own INFO lines would repeat them.
    # Its warnings (missed runs, instance limit reached) stay.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run_worker(
    sources_path: Path,
    teams_path: Path,
    db_path: str,
    *,
    once: bool = False,
    now: Clock = utcnow,
    settings: FetchSettings | None = None,
    budget: Budget | None = None,
) -> None:
    """Run the worker until SIGTERM/SIGINT, or each job once.

    On a signal a running cycle is cut short (within about a second) and other running jobs
    finish; the worker exits well within systemd's default stop timeout.
    """
    _setup_logging()
    worker = Worker(sources_path, teams_path, db_path, now=now, settings=settings, budget=budget)
    open_db(db_path).close()  # create and migrate once, before jobs race to do it
    if once:
        run_job("usage", worker.usage)
        for name, job in (("tick", worker.tick), ("deliver", worker.deliver)):
            run_job(name, job)
        run_job("reminders", worker.reminders)
        worker.close()
        return
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("shutdown: %s received, stopping running jobs", signal.Signals(signum).name)
        worker.stop.set()
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler = build_scheduler(worker)
    try:
        scheduler.start()
        log.info("worker %s started: %d jobs", worker.owner, len(scheduler.get_jobs()))
        while not stop.wait(0.5):
            pass
        scheduler.shutdown(wait=True)
    finally:
        worker.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("shutdown: worker %s stopped cleanly", worker.owner)
