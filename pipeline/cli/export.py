"""`sunset export`: deprecation events as RSS, JSON Feed or iCalendar, to stdout or a file that
is never the store or a configuration file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    db_option,
    load_teams,
    now_of,
    now_option,
    open_store,
    require_stored_team,
    teams_option_with,
)
from pipeline.cli.errors import command, fail

if TYPE_CHECKING:
    pass


@command()
@db_option
@now_option
@teams_option_with("teams.yml giving --team's reminder lead days (the defaults when absent).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["rss", "jsonfeed", "ics"]),
    required=True,
    help="Output format.",
)
@click.option("--team", default=None, help="Only records this team is exposed to.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)
@click.option(
    "--base-url",
    envvar="SUNSET_PUBLIC_URL",
    default=None,
    help="Public URL where the feed is published (env SUNSET_PUBLIC_URL): the feed's home "
    "page, and with -o FILE its JSON Feed feed_url.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite an existing -o FILE that is not an earlier export (never the database "
    "or a configuration file).",
)
def export(
    db_path: str,
    now_text: str | None,
    teams_path: Path,
    fmt: str,
    team: str | None,
    output: Path | None,
    base_url: str | None,
    force: bool,
) -> None:
    """Export deprecation events as RSS, JSON Feed or an iCalendar file.

    `-o FILE` never overwrites the database or a configuration file, nor (without --force)
    an existing file that is not an earlier export of the same format.
    """
    from urllib.parse import urljoin, urlsplit

    from pipeline.cli.files import output_problem, write_replacing
    from pipeline.core.config import DEFAULT_LEAD_DAYS
    from pipeline.export import export_feed

    now = now_of(now_text)
    if output is not None:
        configs = (teams_path, Path("sources.yml"), Path("teams.yml"))
        problem = output_problem(output, fmt, db_path=db_path, config_paths=configs, force=force)
        if problem:
            fail(problem)
    if base_url is not None:
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
            fail(f"sunset export: --base-url {base_url!r} is not an http(s) URL", 2)
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    db = open_store(db_path, read_only=True)
    if team:
        require_stored_team(db, team)
    lead_days = list(DEFAULT_LEAD_DAYS)
    if team and teams_path.exists():
        teams = load_teams(teams_path)
        if team in teams.team_names():  # a stored team teams.yml no longer names: defaults
            lead_days = teams.team(team).lead_days
    data = export_feed(
        db,
        fmt,
        team=team,
        lead_days=lead_days,
        now=now,
        base_url=base_url,
        feed_url=urljoin(base_url, output.name) if base_url and output else None,
    )
    if output:
        try:
            write_replacing(output, data)
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}")
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
    else:
        sys.stdout.buffer.write(data)
