"""Usage that comes in by hand: `sunset scan` (model IDs in code), `sunset usage import`
(a usage export), `sunset usage remove` and `sunset usage pull` (the usage sources)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    commit_option,
    db_option,
    existing_db,
    load_teams,
    now_of,
    now_option,
    open_store,
    pretending,
    require_stored_team,
    require_team,
    scratch_copy,
    teams_option,
    telling_ops,
)
from pipeline.cli.errors import command, fail, group
from pipeline.cli.gate import check_options
from pipeline.core.errors import ConfigError
from pipeline.core.wording import count

if TYPE_CHECKING:
    pass


@command()
@check_options
@click.argument("path", type=click.Path(exists=True, file_okay=True, path_type=Path))
@click.option("--team", default=None, help="Team the usage belongs to (named in teams.yml).")
@teams_option
@db_option
@click.option(
    "--all-files",
    is_flag=True,
    help="Also scan test-fixture and vendored folders (fixtures, testdata, vendor, "
    "third_party, ...), which a scan leaves out by default.",
)
def scan(path: Path, team: str, teams_path: Path, db_path: str, all_files: bool) -> None:
    """Find model identifiers in code and config files under PATH.

    A rescan of PATH replaces the team's earlier findings under PATH (models no longer
    there are dropped); `sunset usage remove` removes findings by team, origin or path.
    """
    from pipeline.usage import store
    from pipeline.usage.scan import scan_paths

    require_team(teams_path, team)
    db = open_store(db_path)
    entries = scan_paths(path, team, known_models=store.known_models(db), include_all=all_files)
    dropped = store.record_scan(db, team, path, entries)
    for entry in entries:
        click.echo(
            f"{entry.where}: {entry.model}"
            + ("" if entry.provider == "*" else f" ({entry.provider})")
        )
    replaced = f" (replacing {count(dropped, 'earlier finding')})" if dropped else ""
    click.echo(
        f"{count(len(entries), 'usage')} of {count(len({e.model for e in entries}), 'model')} "
        f"recorded for {team}{replaced}"
    )


@group()
def usage() -> None:
    """Usage imported from logs or exports, or pulled from usage sources."""


@usage.command("remove")
@click.option("--team", default=None, help="Only this team's usage.")
@click.option(
    "--origin",
    type=click.Choice(["scan", "import"]),
    default=None,
    help="Only scanned or only imported usage (default: both).",
)
@click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Only findings of a scan under this path, or of an imported file (repeatable).",
)
@db_option
def usage_remove(
    team: str | None, origin: str | None, paths: tuple[Path, ...], db_path: str
) -> None:
    """Remove scanned or imported usage by team, origin or path (declared usage lives in
    teams.yml, pulled usage follows its usage source)."""
    from pipeline.usage import store

    if team is None and origin is None and not paths:
        fail("sunset usage remove: say what to remove: --team, --origin and/or --path", 2)
    db = existing_db(db_path)
    if team is not None:
        require_stored_team(db, team)
    removed = store.remove(db, team=team, origin=origin, paths=paths)
    if not removed:
        fail("sunset usage remove: no scanned or imported usage matched", 1)
    click.echo(f"removed {count(removed, 'usage row')}; exposures follow at the next `sunset run`")


@usage.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", required=True, help="Team the usage belongs to (named in teams.yml).")
@teams_option
@db_option
def usage_import(file: Path, team: str, teams_path: Path, db_path: str) -> None:
    """Import a CSV or JSONL usage export (columns model, provider, requests, last_seen)."""
    from pipeline.usage import store
    from pipeline.usage.imported import UsageImportError, import_usage_file

    require_team(teams_path, team)
    try:
        entries = import_usage_file(file, team)
    except UsageImportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    store.record_import(open_store(db_path), team, entries)
    click.echo(f"{count(len(entries), 'usage row')} imported for {team} from {file}")


@usage.command("pull")
@click.option("--source", "only", multiple=True, help="Only this usage source id (repeatable).")
@teams_option
@db_option
@now_option
@commit_option
def usage_pull(
    only: tuple[str, ...], teams_path: Path, db_path: str, now_text: str | None, commit: bool
) -> None:
    """Pull usage from the usage_sources in teams.yml (provider APIs, LiteLLM, OTel files).

    With a --now in the future (and no --commit) the pull goes into an in-memory copy: a
    stored pull dated then would keep the worker from pulling until that date.
    """
    from pipeline.ops.pulls import pull_sources

    teams = load_teams(teams_path)
    known = {s.id for s in teams.usage_sources}
    unknown = [s for s in only if s not in known]
    if unknown:
        raise ConfigError(
            f"{teams_path}: no usage source {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(known)) or 'none'})"
        )
    if not teams.usage_sources:
        click.echo(f"{teams_path} has no usage_sources")
        return
    now = now_of(now_text)
    db = scratch_copy(db_path) if pretending(now, now_text, commit) else open_store(db_path)
    with telling_ops(teams, db_path, now):
        reports = pull_sources(db, teams, now=now, only=list(only) or None)
    failed = 0
    for report in reports:
        if report.ok:
            line = (
                f"{report.source_id}: {report.buckets} buckets"
                f" for {', '.join(sorted(report.teams)) or 'no team'}"
            )
            if report.unowned:
                line += f"; new unowned units: {', '.join(u or '(none)' for u in report.unowned)}"
            click.echo(line)
        else:
            failed += 1
            click.echo(f"{report.source_id}: failed: {report.error} (previous buckets kept)")
    if failed:
        sys.exit(1)
