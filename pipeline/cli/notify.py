"""`sunset notify` command group: `sunset notify test [--team T]` sends a sample alert to each
destination and reports per destination (exit status 1 if any send failed)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import check_secrets, load_teams, teams_option


@click.group()
def notify() -> None:
    """Notification tools (see `sunset notify test`)."""


@notify.command("test")
@click.option("--team", default=None, help="Only this team (default: every team).")
@teams_option
def notify_test(team: str | None, teams_path: Path) -> None:
    """Send one "TEST — Sunset Watch test notification" to each destination of a team."""
    from pipeline.alerts.notify.sample import send_tests
    from pipeline.core.clock import utcnow

    teams = load_teams(teams_path)
    check_secrets(teams_path, teams)
    names = [teams.team(team).name] if team else teams.team_names()
    outcomes = send_tests(teams, names, now=utcnow())
    for o in outcomes:
        where = f"{o.team} {o.channel} {o.destination}"
        click.echo(f"{where}: sent" if o.ok else f"{where}: failed: {o.reason}")
    failed = sum(not o.ok for o in outcomes)
    if failed:
        click.echo(f"error: {failed} of {len(outcomes)} test notifications failed", err=True)
        raise SystemExit(1)
