"""Pulling one usage source: read its window, map units to teams, replace its buckets.

A pull reads the last `window_days` UTC days (today included) and, in one transaction,
replaces that source's buckets of those days, remembers the units it saw, tells ops once of
each new unit that maps to no team ("unowned usage", kept all the same), and rebuilds the
source's entries in `usage` so matching sees them. A pull that fails (no key, 401/403,
unreachable, a malformed page) writes no bucket: the previous ones stay, and the source's
health goes to "failing" with one operator alert, naming the key's environment variable
for an authentication failure (at once for authentication and malformed answers, after
`FAILING_AFTER` failures in a row otherwise), and one more on recovery.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlite_utils

from pipeline import ops_alerts
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import AlertItem
from pipeline.core.redact import problem, protect, redact_registered
from pipeline.core.usage_config import UsageSourceConfig
from pipeline.fetch.api_client import ApiClient
from pipeline.fetch.errors import PullError, redact_url
from pipeline.fetch.settings import FetchSettings
from pipeline.usage.pullers import anthropic, litellm, openai, otel
from pipeline.usage.pullers.rows import UsageRow
from storage import usage as usage_store
from storage.db import is_write_failure, transaction

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # transient failures in a row before ops hears (auth/malformed: at once)
STAGE_BATCH = 20_000  # rows staged per write
_HTTP_KINDS: dict[
    str, tuple[Callable[[str], dict[str, str]], Callable[..., Iterable[UsageRow]]]
] = {
    "openai_usage": (openai.headers, openai.pull),
    "anthropic_usage": (anthropic.headers, anthropic.pull),
    "litellm": (litellm.headers, litellm.pull),
}


@dataclass
class PullReport:
    source_id: str
    ok: bool = False
    buckets: int = 0
    teams: set[str] = field(default_factory=set)
    unowned: list[str] = field(default_factory=list)  # units new this pull with no team
    error: str | None = None
    waits: list[float] = field(default_factory=list)


def window(source: UsageSourceConfig, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start of the first day, now): `window_days` UTC days, today included."""
    today = now.astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=source.window_days - 1)
    return dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC), now.astimezone(dt.UTC)


def read_key(source: UsageSourceConfig) -> str:
    """The source's key from its environment variable: sent only in the request header,
    registered for log redaction, never stored."""
    env = source.key_env or ""
    value = (os.environ.get(env) or "").strip()
    if not value:
        raise PullError(f"environment variable {env} is not set", auth=True)
    if why := problem(value, kind="token"):
        raise PullError(f"environment variable {env} {why}", auth=True)
    protect({env: value})
    return value


def fetch_rows(
    source: UsageSourceConfig,
    start: dt.datetime,
    end: dt.datetime,
    *,
    settings: FetchSettings | None = None,
    transport: httpx.BaseTransport | None = None,
    waits: list[float] | None = None,
) -> Iterator[UsageRow]:
    """The source's usage rows for [start, end), page by page; raises `PullError`."""
    if source.kind == "otel_files":
        yield from otel.pull(source, start=start, end=end)
        return
    make_headers, pull = _HTTP_KINDS[source.kind]
    key = read_key(source)
    with ApiClient(
        source.url,
        make_headers(key),
        key_env=source.key_env,
        settings=settings,
        now=lambda: end,
        transport=transport,
    ) as client:
        try:
            yield from pull(client, source, start=start, end=end)
        finally:
            if waits is not None:
                waits.extend(client.waits)


def _staged(row: UsageRow, team: str | None) -> dict[str, object]:
    return {
        "unit": row.unit or "",
        "team": team,
        "provider": row.provider,
        "model": row.model,
        "raw_model": row.raw_model,
        "day": row.day,
        "requests": row.requests,
        "tokens": row.tokens,
        "first_seen": row.first_seen or (row.day if row.last_seen else None),
        "last_seen": row.last_seen,
    }


def pull_source(
    db: sqlite_utils.Database,
    source: UsageSourceConfig,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
    settings: FetchSettings | None = None,
    transport: httpx.BaseTransport | None = None,
) -> PullReport:
    """Pull one source and store what it says (or keep what was there and report).

    Rows are staged in a TEMP table as pages arrive (memory stays at one page), then one
    short transaction replaces the window's buckets with them.
    """
    report = PullReport(source.id)
    start, end = window(source, now)
    with transaction(db):
        state = usage_store.source_state(db, source.id, source.kind)
    usage_store.stage_start(db)
    teams_of: dict[str, str | None] = {}
    batch: list[dict[str, object]] = []
    try:
        for row in fetch_rows(
            source, start, end, settings=settings, transport=transport, waits=report.waits
        ):
            unit = row.unit or ""
            if unit not in teams_of:
                teams_of[unit] = source.team_for(row.unit)
            batch.append(_staged(row, teams_of[unit]))
            if len(batch) >= STAGE_BATCH:
                usage_store.stage_rows(db, batch)
                batch = []
        usage_store.stage_rows(db, batch)
        _cliff_check(db, source, start, end)
    except Exception as exc:
        if is_write_failure(exc):
            raise  # a store that cannot be written stops everything (and tells ops)
        if not isinstance(exc, PullError):
            # Isolation: one source's bug never stops the others; it fails like a bad page.
            log.exception("usage source %s: pull crashed", source.id)
            exc = PullError(f"{type(exc).__name__}: {exc}", malformed=True)
        usage_store.stage_clear(db)
        report.error = redact_registered(str(exc))
        _failed(db, source, state, exc, now=now, teams=teams)
        return report
    stamp = iso(now)
    first_day, last_day = start.date().isoformat(), end.date().isoformat()
    report.teams = {team for team in teams_of.values() if team}
    with transaction(db):
        report.buckets = usage_store.replace_window_from_staging(
            db, source.id, first_day, last_day, stamp
        )
        units = usage_store.staged_units(db)
        report.unowned = usage_store.note_units(
            db, source.id, {u["unit"]: u["team"] for u in units}, stamp
        )
        _tell_unowned(db, source, report.unowned, units, teams, now)
        usage_store.sync_pulled_usage(db, source.id)
        usage_store.update_source(
            db,
            source.id,
            {
                "last_pull_at": stamp,
                "last_status": "ok",
                "last_error": None,
                "consecutive_failures": 0,
                "window_start": first_day,
                "window_end": last_day,
                "rows": report.buckets,
                "next_due_at": iso(now + dt.timedelta(hours=source.interval_hours)),
            },
        )
        if state["health"] != "ok":
            _set_health(
                db, source, state, "ok", f"pulling again: {report.buckets} buckets", now, teams
            )
        usage_store.stage_clear(db)
    report.ok = True
    log.info(
        "usage source %s: %d buckets for %s to %s, %d new unowned units",
        source.id,
        report.buckets,
        first_day,
        last_day,
        len(report.unowned),
    )
    return report


def _cliff_check(
    db: sqlite_utils.Database, source: UsageSourceConfig, start: dt.datetime, end: dt.datetime
) -> None:
    """A usage cliff, as pages have: an answer with no usage at all for a window that holds
    buckets is not believed (it would wipe them); it fails like an outage, so the buckets
    stay and ops hears after `FAILING_AFTER` in a row. Real silence is accepted as the old
    days leave the window."""
    staged, stored = usage_store.window_counts(
        db, source.id, start.date().isoformat(), end.date().isoformat()
    )
    if staged == 0 and stored > 0:
        raise PullError(
            f"usage cliff: the answer holds no usage for a window that holds {stored} "
            "buckets; buckets kept"
        )


def pull_each(
    db: sqlite_utils.Database,
    teams: TeamsFile,
    *,
    now: dt.datetime,
    only: Sequence[str] | None = None,
    due_only: bool = False,
    settings: FetchSettings | None = None,
) -> list[PullReport]:
    """Pull the enabled sources (or `only` these ids; `due_only`: those whose interval has
    elapsed). Refreshing exposures afterwards is the caller's (`pipeline.ops.pulls`)."""
    sources = [s for s in teams.usage_sources if s.enabled and (not only or s.id in only)]
    if due_only:
        due = set(usage_store.due_sources(db, [s.id for s in sources], iso(now)))
        sources = [s for s in sources if s.id in due]
    return [pull_source(db, s, now=now, teams=teams, settings=settings) for s in sources]


def _describe_url(source: UsageSourceConfig) -> str:
    return str(Path(source.path)) if source.kind == "otel_files" else redact_url(source.url)


def _failed(
    db: sqlite_utils.Database,
    source: UsageSourceConfig,
    state: dict,
    exc: PullError,
    *,
    now: dt.datetime,
    teams: TeamsFile | None,
) -> None:
    error = redact_registered(str(exc))  # stored and sent: a message may echo the key
    failures = state["consecutive_failures"] + 1
    log.warning(
        "usage source %s: pull failed (%s), %d in a row; buckets kept", source.id, error, failures
    )
    with transaction(db):
        usage_store.update_source(
            db,
            source.id,
            {
                "last_pull_at": iso(now),
                "last_status": "auth" if exc.auth else "malformed" if exc.malformed else "error",
                "last_error": error,
                "consecutive_failures": failures,
                "next_due_at": iso(now + dt.timedelta(hours=1)),
            },
        )
        at_once = exc.auth or exc.malformed
        if state["health"] != "failing" and (at_once or failures >= FAILING_AFTER):
            if exc.auth and source.key_env:
                reason = f"authentication failed: {error} (key from {source.key_env})"
            else:
                reason = f"{failures} failed pulls in a row: {error}" if not at_once else error
                if source.key_env:
                    reason += f" (key from {source.key_env})"
            _set_health(db, source, state, "failing", reason, now, teams)


def _set_health(
    db: sqlite_utils.Database,
    source: UsageSourceConfig,
    state: dict,
    health: str,
    reason: str,
    now: dt.datetime,
    teams: TeamsFile | None,
) -> None:
    previous = state["health"]
    usage_store.update_source(db, source.id, {"health": health, "health_reason": reason})
    ops_alerts.enqueue_ops(
        db,
        teams,
        source_id=f"usage:{source.id}",
        provider=source.kind,
        url=_describe_url(source),
        kind="recovered" if health == "ok" else health,
        previous=previous,
        note=reason,
        now=now,
    )


def _tell_unowned(
    db: sqlite_utils.Database,
    source: UsageSourceConfig,
    units: list[str],
    staged: list[dict],
    teams: TeamsFile | None,
    now: dt.datetime,
) -> None:
    """One operator notice per new unit that maps to no team (its usage is kept)."""
    if not units:
        return
    if teams is None:
        log.warning("usage source %s: unowned units %s (no teams.yml)", source.id, units)
        return
    about = {u["unit"]: u for u in staged}
    for unit in units:
        models = sorted(set((about[unit]["models"] or "").split(",")) - {""})
        requests = about[unit]["requests"] or 0
        label = unit or "(no unit)"
        item = AlertItem(
            kind="ops",
            provider=source.kind,
            model=f"{source.id}: {label}",
            status="unowned",
            note=(
                f"usage source {source.id}: unit {label!r} maps to no team "
                f"({requests:,} requests to {', '.join(models[:5])}"
                f"{' ...' if len(models) > 5 else ''}); add a rule to the source's teams "
                "in teams.yml. The usage is kept as unowned usage."
            ),
        )
        for channel, destination in ops_alerts.ops_destinations(teams):
            ops_alerts.enqueue_ops_alert(
                db,
                channel=channel,
                destination=destination,
                title=f"Unowned usage in {source.id}: {label}",
                item=item,
                idempotency_key=f"ops:usage-unit:{source.id}:{unit}:{channel}",
                now=now,
            )
    usage_store.mark_notified(db, source.id, units, iso(now))
