"""`sunset ack | snooze | waive | unack | unsnooze | unwaive`: answer an alert from the
command line. Each records who (`--by`, else $USER) and when (`--now`, else the clock)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from pipeline.cli.common import db_option, existing_db, now_of, now_option_with


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.argument("model"),
            click.option("--team", required=True, help="The team whose exposure it is."),
            click.option("--provider", default=None, help="Only the record on this provider."),
            click.option("--by", default=None, help="Who acts (default: $USER)."),
            db_option,
            now_option_with("Pretend it is this time."),
        ]
    ):
        func = option(func)
    return func


def _run(
    db_path: str,
    now_text: str | None,
    team: str,
    model: str,
    provider: str | None,
    by: str | None,
    act: Callable[..., list[dict[str, Any]]],
    **kwargs: Any,
) -> None:
    from pipeline.alerts.holds import actions

    now = now_of(now_text)
    db = existing_db(db_path)
    pairs = actions.targets(db, team, model, provider)
    who = by or os.environ.get("USER") or "unknown"
    done = act(db, pairs, team=team, by=who, via="cli", now=now, **kwargs)
    verb = {"ack": "acknowledged", "snooze": "snoozed", "waive": "waived"}[kwargs["kind"]]
    if act is _release:
        verb = "un" + verb
    until = f" until {kwargs['until']}" if kwargs.get("until") else ""
    for record in done:
        click.echo(f"{verb}{until}: {team} {record['model']} ({record['provider']}) by {who}")


def _hold(kind: str) -> Callable[..., list[dict[str, Any]]]:
    from pipeline.alerts.holds import actions

    def act(db: Any, pairs: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return actions.hold(db, pairs, **kwargs)

    return act


def _release(db: Any, pairs: Any, **kwargs: Any) -> list[dict[str, Any]]:
    from pipeline.alerts.holds import actions

    return actions.release(db, pairs, **kwargs)


@click.command()
@_common
@click.option("--reason", default=None, help="Why (shown in Datasette).")
def ack(model, team, provider, by, db_path, now_text, reason) -> None:
    """Acknowledge a team's exposure to MODEL: no reminders until its record changes."""
    _run(db_path, now_text, team, model, provider, by, _hold("ack"), kind="ack", reason=reason)


@click.command()
@_common
@click.option("--until", default=None, help="Snooze until this date (YYYY-MM-DD).")
@click.option("--for", "for_text", default=None, help="Snooze for a while: 7d, 2w.")
def snooze(model, team, provider, by, db_path, now_text, until, for_text) -> None:
    """Snooze a team's reminders about MODEL until a date (at most its shutdown date)."""
    from pipeline.alerts.holds.actions import parse_until

    date = parse_until(until, for_text, now_of(now_text).date())
    _run(db_path, now_text, team, model, provider, by, _hold("snooze"), kind="snooze", until=date)


@click.command()
@_common
@click.option("--reason", required=True, help="Why the team may keep using MODEL.")
@click.option("--until", required=True, help="The waiver's expiry (YYYY-MM-DD).")
def waive(model, team, provider, by, db_path, now_text, reason, until) -> None:
    """Waive a team's alerts about MODEL until a date, with a reason (like teams.yml waivers)."""
    from pipeline.alerts.holds.actions import parse_until

    date = parse_until(until, None, now_of(now_text).date())
    _run(
        db_path,
        now_text,
        team,
        model,
        provider,
        by,
        _hold("waive"),
        kind="waive",
        reason=reason,
        until=date,
    )


def _undo(kind: str) -> click.Command:
    @click.command(f"un{kind}", help=f"Undo a `sunset {kind}`: alerts about MODEL resume.")
    @_common
    def command(model, team, provider, by, db_path, now_text) -> None:
        _run(db_path, now_text, team, model, provider, by, _release, kind=kind)

    return command


unack = _undo("ack")
unsnooze = _undo("snooze")
unwaive = _undo("waive")
COMMANDS = (ack, snooze, waive, unack, unsnooze, unwaive)
