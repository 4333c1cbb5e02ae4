"""Getting set up: `sunset init` (starter files), `sunset check` (the configuration) and
`sunset doctor` (everything a run needs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    check_secrets,
    db_option,
    load_sources,
    load_teams,
    sources_option,
    teams_option,
)
from pipeline.cli.errors import command, fail
from pipeline.core.errors import ConfigError
from pipeline.core.wording import count

if TYPE_CHECKING:
    pass


@command()
@sources_option
@teams_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (for scripts).")
def check(sources_path: Path, teams_path: Path, as_json: bool) -> None:
    """Validate sources.yml and teams.yml; print a summary or the problems.

    Warns (exit status 0) when an environment variable that teams.yml names for a
    destination in use is unset: those alerts would wait until it is set.
    """
    from pipeline.ops.doctor import config_warnings

    report: dict = {"ok": True, "sources": None, "teams": None, "errors": [], "warnings": []}
    try:
        sources = load_sources(sources_path)
        report["sources"] = {
            "path": str(sources_path),
            "sources": len(sources.sources),
            "enabled": sum(1 for s in sources.sources if s.enabled),
            "providers": len({s.provider for s in sources.sources if s.kind != "reference"}),
            "provider_ids": sorted({s.provider for s in sources.sources if s.provider}),
            "references": sum(1 for s in sources.sources if s.kind == "reference"),
            "model_lists": sum(1 for s in sources.sources if s.kind == "model_list"),
        }
        teams = load_teams(teams_path)
        check_secrets(teams_path, teams)
        report["teams"] = {
            "path": str(teams_path),
            "teams": len(teams.teams),
            "usage_sources": len(teams.usage_sources),
        }
        report["warnings"] = config_warnings(sources, teams, sources_path, teams_path)
    except ConfigError as exc:
        if not as_json:
            _print_check(report)
            raise
        report["ok"] = False
        report["errors"] = str(exc).splitlines()
    if as_json:
        click.echo(json.dumps(report, indent=1))
        if not report["ok"]:
            sys.exit(2)
        return
    _print_check(report)


def _print_check(report: dict) -> None:
    if report["sources"]:
        s = report["sources"]
        click.echo(
            f"{s['path']}: ok: {count(s['sources'], 'source')} ({s['enabled']} enabled), "
            f"{count(s['providers'], 'provider')}"
            + (f", {count(s['model_lists'], 'model list')}" if s["model_lists"] else "")
            + (f", {count(s['references'], 'reference catalogue')}" if s["references"] else "")
        )
        click.echo(f"  providers: {', '.join(s['provider_ids'])}")
    if report["teams"]:
        t = report["teams"]
        pulled = t["usage_sources"]
        click.echo(
            f"{t['path']}: ok: {count(t['teams'], 'team')}"
            + (f", {count(pulled, 'usage source')}" if pulled else "")
        )
    for line in report["warnings"]:
        click.echo(f"warning: {line}", err=True)


@command()
@sources_option
@teams_option
@db_option
@click.option(
    "--offline", is_flag=True, help="No network: do not contact the sources, Slack or SMTP."
)
def doctor(sources_path: Path, teams_path: Path, db_path: str, offline: bool) -> None:
    """Check that everything is ready: config, env vars, Slack, SMTP, database, sources.

    One line per check; exit status 1 if any fails. Writes, sends and creates nothing."""
    from pipeline.ops.doctor import report, run_checks

    failed = report(run_checks(sources_path, teams_path, db_path, offline=offline), click.echo)
    if failed:
        click.echo(f"{count(failed, 'check')} failed", err=True)
        sys.exit(1)
    click.echo("all checks passed")


@command()
@click.argument(
    "folder",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)
def init(folder: Path) -> None:
    """Write a commented starter sources.yml and teams.yml into FOLDER (default: here).

    Never overwrites: if either file exists, nothing is written."""
    from importlib import resources

    names = ("sources.yml", "teams.yml")
    if folder.exists() and not folder.is_dir():
        fail(f"sunset init: {folder} is a file, not a folder")
    existing = [name for name in names if (folder / name).exists()]
    if existing:
        fail(
            f"sunset init: {', '.join(str(folder / n) for n in existing)} already "
            f"exist{'s' if len(existing) == 1 else ''}; nothing written "
            "(edit what is there, or choose another folder)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    starter = resources.files("pipeline.cli") / "starter"
    for name in names:
        with (folder / name).open("xb") as out:  # "x": never replace a file made meanwhile
            out.write((starter / name).read_bytes())
        click.echo(f"wrote {folder / name}")
    click.echo(
        "next: edit teams.yml (your teams and the models they use), then `sunset check`, "
        "`sunset doctor` and `sunset run`"
    )
