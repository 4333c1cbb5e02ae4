"""The jobs: `sunset run` (one cycle), `sunset deliver` (the outbox), `sunset digest` and
`sunset worker` (all of them on a schedule). Each takes the cycle or delivery lock
(`pipeline.ops.lock_holder`), so a job never runs twice at once on one database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    PARTIAL,
    check_secrets,
    check_writable,
    commit_option,
    db_option,
    load_sources,
    load_teams,
    load_teams_optional,
    now_of,
    now_option,
    open_store,
    pretending,
    require_sources,
    scratch_copy,
    sources_option,
    teams_option,
    teams_option_with,
    telling_ops,
)
from pipeline.cli.errors import command
from pipeline.core.wording import count

if TYPE_CHECKING:
    from pipeline.core.config import TeamsFile


@command()
@sources_option
@teams_option_with("teams.yml to read (skipped with a warning when absent: no matching or alerts).")
@db_option
@now_option
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
@click.option("--due", is_flag=True, help="Only sources whose interval has elapsed.")
@click.option("--no-deliver", is_flag=True, help="Decide alerts but leave them in the outbox.")
@commit_option
def run(
    sources_path: Path,
    teams_path: Path,
    db_path: str,
    now_text: str | None,
    only: tuple[str, ...],
    due: bool,
    no_deliver: bool,
    commit: bool,
) -> None:
    """Run one cycle: fetch -> extract -> store -> match -> decide -> deliver."""
    from pipeline.core.clock import utcnow
    from pipeline.ops import lock_holder
    from pipeline.ops.cycle import due_source_ids, run_cycle, sync_config

    now = now_of(now_text)
    sources = load_sources(sources_path)
    require_sources(sources_path, sources, only)
    teams = load_teams_optional(teams_path)
    dry = pretending(now, now_text, commit)
    if dry:
        no_deliver = True
        click.echo("dry run on an in-memory copy of the database")
    if not no_deliver:
        check_secrets(teams_path, teams)
    db = scratch_copy(db_path) if dry else open_store(db_path)
    selected = list(only) or None
    if due:
        sync_config(db, sources.sources)
        selected = [s for s in due_source_ids(db, now) if not only or s in only]
        if not selected:
            click.echo("no source is due")
            return
    with (
        telling_ops(teams, db_path, now),
        lock_holder.held(
            db, db_path, "cycle", lock_holder.new_owner("run"), utcnow, "run"
        ) as taken,
    ):
        if not taken:
            click.echo("another cycle is running on this database; skipped (see the locks table)")
            return
        report = run_cycle(
            db, sources.sources, now=now, teams=teams, only=selected, progress=_tty_progress()
        )
    click.echo(
        f"run {report.run_id}: {count(report.sources, 'source')}, {report.fetched} changed, "
        f"{report.not_modified} unchanged, {report.failed} failed; "
        f"{count(report.records_new, 'new record')}, {report.records_changed} changed, "
        f"{len(set(report.review_ids))} to review (`sunset review`); "
        f"{count(report.alerts_created, 'alert')} decided"
    )
    for source_id, error in sorted(report.failures.items()):
        click.echo(f"  failed: {source_id}: {error}")
    delivered = None
    if teams is not None and not no_deliver:
        delivered = _deliver(db, db_path, teams, now)
    if report.failed or (delivered is not None and (delivered.failed or delivered.dead)):
        sys.exit(PARTIAL)  # the exit-code contract: some of the work did not get done


def _tty_progress():
    """A progress line on stderr while a cycle fetches, only when stderr is a terminal (a
    cron job's or a pipe's output stays clean)."""
    if not sys.stderr.isatty():
        return None

    def show(report) -> None:
        end = "\n" if report.done >= report.sources else ""
        click.echo(f"\rfetched {report.done}/{report.sources} sources", nl=bool(end), err=True)

    return show


def _deliver(db, db_path: str, teams: TeamsFile, now, team: str | None = None):
    """Deliver what is due; return the `DeliveryReport` (None when another process is
    delivering)."""
    from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
    from pipeline.core.clock import utcnow
    from pipeline.ops import lock_holder

    owner = lock_holder.new_owner("deliver")
    with lock_holder.held(db, db_path, "deliver", owner, utcnow, "deliver") as taken:
        if not taken:
            click.echo("delivery: another process is delivering; skipped")
            return None
        result = deliver_due(
            db,
            build_notifiers(teams),
            now=now,
            max_attempts=teams.delivery.max_attempts,
            team=team,
        )
    click.echo(f"delivery: {result.sent} sent, {result.failed} to retry, {result.dead} dead")
    if result.store_error:
        click.echo(f"error: database {db_path} cannot be written: {result.store_error}", err=True)
        sys.exit(1)
    return result


@command()
@teams_option
@db_option
@now_option
@commit_option
def deliver(teams_path: Path, db_path: str, now_text: str | None, commit: bool) -> None:
    """Send the alerts waiting in the outbox (retrying failed ones that are due)."""
    from pipeline.core.clock import iso
    from storage import alerts as outbox

    teams = load_teams(teams_path)
    now = now_of(now_text)
    if pretending(now, now_text, commit):
        due = outbox.due(open_store(db_path, read_only=True), iso(now))
        click.echo(f"delivery: {count(len(due), 'alert')} would be due; none sent")
        return
    check_secrets(teams_path, teams)
    result = _deliver(open_store(db_path), db_path, teams, now)
    if result is not None and (result.failed or result.dead):
        sys.exit(PARTIAL)


@command()
@teams_option
@db_option
@now_option
@click.option("--team", default=None, help="Only this team (default: every team with a digest).")
@click.option("--dry-run", is_flag=True, help="Print the digest instead of sending it.")
@commit_option
def digest(
    teams_path: Path,
    db_path: str,
    now_text: str | None,
    team: str | None,
    dry_run: bool,
    commit: bool,
) -> None:
    """Build each team's daily digest e-mail and send it (or print it with --dry-run)."""
    from pipeline.alerts.notify.digest import collect_digest, queue_digest, render_digest

    teams = load_teams(teams_path)
    now = now_of(now_text)
    dry_run = dry_run or pretending(now, now_text, commit)
    if not dry_run:
        check_secrets(teams_path, teams)
    db = open_store(db_path, read_only=dry_run)  # printing never creates (or writes) a store
    chosen = [teams.team(team)] if team else [t for t in teams.teams if t.digest is not None]
    for config in chosen:
        if dry_run:
            message = render_digest(config, collect_digest(db, config, now), now)
            if message is None:
                click.echo(f"{config.name}: nothing to say today")
                continue
            click.echo(f"To: {message['To']}\nSubject: {message['Subject']}\n")
            click.echo(message.get_body(preferencelist=("plain",)).get_content())
            continue
        queued = queue_digest(db, teams, config, now=now, force=team is not None)
        click.echo(f"{config.name}: " + ("digest queued" if queued else "nothing to send"))
    if not dry_run:
        _deliver(db, db_path, teams, now, team)  # with --team, only that team's alerts


@command()
@sources_option
@teams_option
@db_option
@click.option("--once", is_flag=True, help="Run each job once and exit (for cron).")
def worker(sources_path: Path, teams_path: Path, db_path: str, once: bool) -> None:
    """Run the scheduler: sources on their intervals, delivery, reminders, digests."""
    from pipeline.ops.worker import run_worker

    load_sources(sources_path)  # fail fast with a clear message on a bad file
    check_secrets(teams_path, load_teams(teams_path))
    db = open_store(db_path)
    check_writable(db, db_path)
    db.close()
    run_worker(sources_path, teams_path, db_path, once=once)
