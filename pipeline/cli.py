"""The `sunset` command (also `python -m pipeline`): one sub-command per job.

Commands that write take `--db` (default `sunset.db`, env `SUNSET_DB`); commands whose result
depends on the date take `--now`. Configuration errors print one clear message, never a
traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pipeline import notify_commands as _notify_commands
from pipeline.errors import ConfigError
from pipeline.gate.commands import check_options
from pipeline.gate.fix_command import fix_command
from pipeline.holds import commands as _hold_commands
from pipeline.slack_actions import commands as _slack_commands
from pipeline.wording import count
from storage.common import DEFAULT_DB, StoreError

if TYPE_CHECKING:
    import datetime as dt

    from pipeline.config import SourcesFile, TeamsFile


# Heavy modules (pydantic config, sqlite-utils, the pipeline) load only when a command runs,
# so `sunset --help` and usage errors stay fast (benchmarks/startup.py).
def load_sources(path: Path) -> SourcesFile:
    from pipeline import config

    if not path.exists() and path == Path("sources.yml"):  # the default, in a fresh folder
        raise ConfigError(
            "sources.yml not found here: run `sunset init` to create a starter "
            "sources.yml and teams.yml, or pass --sources FILE"
        )
    return config.load_sources(path)


def load_teams(path: Path) -> TeamsFile:
    from pipeline import config

    return config.load_teams(path)


def open_db(path, *, read_only: bool = False):
    from storage import db

    return db.open_db(path, read_only=read_only)


def check_writable(handle, target: str) -> None:
    from storage import db

    db.check_writable(handle, target)


db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    envvar="SUNSET_DB",
    show_default=True,
    help="SQLite database file (env SUNSET_DB).",
)
now_option = click.option(
    "--now", "now_text", default=None, help="Pretend the current time is this ISO date/time."
)
commit_option = click.option(
    "--commit",
    is_flag=True,
    help="With a --now in the future: really store, decide and send as of that time "
    "(without it such a run writes and sends nothing).",
)
# Exit statuses (README "Exit statuses"): 0 all well, 1 failed or partly done (a source or
# a send failed, a file or database unusable), 2 usage or configuration mistake, 130 Ctrl-C.
PARTIAL = 1
FUTURE_TOLERANCE_MINUTES = 10
EXTRACT_MAX_MB = 20.0  # `sunset extract` refuses larger files (the fetcher's decoded limit)
PROGRESS_FROM_BYTES = 1_000_000  # stage lines in a terminal from this size on
sources_option = click.option(
    "--sources",
    "sources_path",
    default="sources.yml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="sources.yml to read.",
)


def _teams_option(help_text: str):
    return click.option(
        "--teams",
        "teams_path",
        default="teams.yml",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


teams_option = _teams_option("teams.yml to read.")


def _now(text: str | None):
    try:
        from pipeline.clock import parse_now

        return parse_now(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def _pretending(now: dt.datetime, now_text: str | None, commit: bool) -> bool:
    """A `--now` in the future without `--commit`: the command must not write decisions
    or send anything (they would be made for a pretended time and suppress the real ones)."""
    import datetime as dt

    from pipeline.clock import iso, utcnow

    tolerance = dt.timedelta(minutes=FUTURE_TOLERANCE_MINUTES)
    if not now_text or commit or now <= utcnow() + tolerance:
        return False
    click.echo(
        f"--now {iso(now)} is in the future: nothing is written or sent "
        "(add --commit to store, decide and send as of that time)",
        err=True,
    )
    return True


def _scratch_copy(db_path: str):
    """An in-memory copy of the store (or an empty one), for a run that must not write."""
    scratch = open_db(":memory:")
    if Path(db_path).is_file():
        source = _open(db_path, read_only=True)
        source.conn.backup(scratch.conn)
        source.close()
    return scratch


def _load_teams_optional(path: Path) -> TeamsFile | None:
    """teams.yml, or None when the default one is absent; a `--teams FILE` named on the
    command line that is missing is an error, not a warning."""
    ctx = click.get_current_context()
    if not path.exists() and ctx.get_parameter_source("teams_path") not in (
        click.core.ParameterSource.DEFAULT,
        None,
    ):
        raise ConfigError(f"{path}: file not found (given with --teams)")
    if not path.exists():
        import logging

        logging.getLogger("sunset").warning("%s not found: no matching or alerts this run", path)
        return None
    return load_teams(path)


def _open(db_path: str, *, read_only: bool = False):
    """Open the store, remembering its path for error messages; `read_only` never creates.

    The handle is closed when the command ends, on every path (errors included). A read-only
    connection cannot remove the -wal/-shm files it made, so when there were none before,
    one ordinary connection is opened and closed after it: SQLite removes them on the last
    close (and keeps them while any other process has the store open)."""
    ctx = click.get_current_context()
    ctx.meta["sunset.db"] = db_path
    fresh = read_only and db_path != ":memory:" and not Path(f"{db_path}-wal").exists()
    handle = open_db(db_path, read_only=read_only)
    ctx.call_on_close(lambda: _close_quietly(handle, db_path if fresh else None))
    return handle


def _close_quietly(handle, tidy_path: str | None) -> None:
    import sqlite3

    with contextlib.suppress(sqlite3.Error):
        handle.close()
    if tidy_path and Path(f"{tidy_path}-wal").exists():
        with contextlib.suppress(sqlite3.Error, OSError):
            conn = sqlite3.connect(tidy_path, timeout=0.2)
            try:
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            finally:
                conn.close()


def _check_secrets(path: Path, teams: TeamsFile | None) -> None:
    """Refuse to start with a malformed secret (a line break inside a token, a webhook that
    is not an https:// URL), naming the variable and never printing its value."""
    from pipeline.notify.router import secret_problems

    problems = secret_problems(teams) if teams is not None else []
    if problems:
        raise ConfigError("\n".join(f"{path}: {problem}" for problem in problems))


def _require_team(teams_path: Path, team: str) -> None:
    """Usage recorded for a team that teams.yml does not name would never be matched: an
    unknown name is an error listing the known ones."""
    teams = load_teams(teams_path)
    if team not in teams.team_names():
        known = ", ".join(teams.team_names()) or "none"
        raise ConfigError(f"{teams_path}: no team named {team!r} (known: {known})")


def _require_sources(sources_path: Path, sources, only: tuple[str, ...]) -> None:
    """`--source` ids must name enabled sources of sources.yml."""
    by_id = {s.id: s for s in sources.sources}
    for source_id in only:
        if source_id not in by_id:
            known = ", ".join(sorted(by_id)) or "none"
            raise ConfigError(f"{sources_path}: no source {source_id!r} (known: {known})")
        if not by_id[source_id].enabled:
            raise ConfigError(f"{sources_path}: source {source_id!r} is disabled (enabled: false)")


def _require_stored_team(db, team: str) -> None:
    """For read-only commands: the team must be one the store knows (from teams.yml)."""
    known = [row["name"] for row in db.query("SELECT name FROM teams ORDER BY name")]
    if team not in known:
        hint = ", ".join(known) if known else "none yet: `sunset run` stores teams.yml's teams"
        _fail(f"no team named {team!r} in {_db_label(db)} (known: {hint})", 2)


def _db_label(db) -> str:
    return click.get_current_context().meta.get("sunset.db", "the database")


def _one_line_usage_error(ctx: click.Context, exc: click.UsageError) -> NoReturn:
    where = " ".join(["sunset", *ctx.command_path.split(" ")[1:]]) if ctx.parent else "sunset"
    message = " ".join(exc.format_message().split())
    click.echo(f"error: {where}: {message}", err=True)
    ctx.exit(2)


class _OneLineParse:
    """A usage mistake is one `error:` line on stderr (exit 2), not click's usage block; a
    group given no sub-command (bare `sunset`, `sunset usage`) prints its normal help."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click.exceptions.NoArgsIsHelpError:
            click.echo(ctx.get_help())
            ctx.exit(0)
        except click.UsageError as exc:
            _one_line_usage_error(ctx, exc)


class _OneLineErrors(_OneLineParse, click.Command):
    """A command whose usage mistakes are one line."""


class _OneLineGroup(_OneLineParse, click.Group):
    """A group whose unknown options and sub-commands are one line too."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            exc.message = f"{exc.message} (commands: {', '.join(self.list_commands(ctx))})"
            _one_line_usage_error(ctx, exc)


class SunsetGroup(_OneLineGroup):
    """Turns configuration errors into one clear message and exit status 2, and an unusable
    database (missing, corrupt, not SQLite, too new, unwritable) into one naming its path
    and exit status 1: never a traceback. Usage mistakes (an unknown option, a bad value, a
    missing argument) are one `error:` line with exit status 2 in every sub-command."""

    command_class = _OneLineErrors
    group_class = _OneLineGroup
    LOG_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose", "-vv", "-vvv"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # -q / -v are the group's options but are welcome after the sub-command too
        # (`sunset run -v`): move them to the front, up to a `--`.
        end = args.index("--") if "--" in args else len(args)
        flags = [a for a in args[:end] if a in self.LOG_FLAGS]
        rest = [a for a in args[:end] if a not in self.LOG_FLAGS]
        return super().parse_args(ctx, [*flags, *rest, *args[end:]])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)  # Ctrl-C: one line, exit status 130
            ctx.exit(130)
        except BrokenPipeError:
            # The reader of our output went away (`sunset upcoming | head`): no traceback.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except click.UsageError as exc:
            _one_line_usage_error(exc.ctx or ctx, exc)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except StoreError as exc:
            click.echo(f"error: database {exc}", err=True)
            ctx.exit(1)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
            # A mistyped or unwritable path given on the command line (-o, PATH, --out).
            where = exc.filename or "file"
            click.echo(f"error: {where}: {exc.strerror or exc}", err=True)
            ctx.exit(1)
        except Exception as exc:
            if isinstance(exc, click.exceptions.Exit | click.ClickException | click.Abort):
                raise
            import sqlite3  # not imported for `--help`: start-up stays fast

            if not isinstance(exc, sqlite3.Error):
                raise
            from storage.db import describe, is_write_failure

            path = ctx.meta.get("sunset.db", "(unknown)")
            what = "cannot be written" if is_write_failure(exc) else "failed"
            click.echo(f"error: database {path} {what}: {describe(exc)}", err=True)
            ctx.exit(1)


@click.group(cls=SunsetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="sunset-watch", prog_name="sunset", message="%(prog)s %(version)s"
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log what happens (-v), with debug details (-vv); anywhere on the line.",
)
@click.option("-q", "--quiet", is_flag=True, help="Log errors only; anywhere on the line.")
def main(verbose: int, quiet: bool) -> None:
    """Sunset Watch: tells teams about AI model deprecations before their models break.

    Quiet by default: one `warning:` line per problem (a failing source, a failed send) and
    each command's own summary; -v adds what happens, with timestamps (the default for
    `sunset worker`, a service).
    """
    import logging

    if click.get_current_context().invoked_subcommand == "worker" and not quiet:
        verbose = max(verbose, 1)  # a service: its log says what it does, with timestamps
    level = (
        logging.ERROR
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    # On a terminal a log line first clears the progress line it would otherwise run into.
    clear = "\r\x1b[K" if _stderr_is_tty() else ""
    fmt = (
        "%(asctime)s %(levelname)s %(name)s: %(message)s"
        if verbose
        else "%(levelname)s: %(message)s"
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(clear + fmt) if verbose else _LowerLevelFormatter(clear + fmt)
    )
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("httpx").setLevel(logging.WARNING)


class _LowerLevelFormatter:
    """`warning: ...` rather than `WARNING: ...` (the CLI's `error:` lines look the same)."""

    def __init__(self, fmt: str) -> None:
        import logging

        self._formatter = logging.Formatter(fmt)

    def format(self, record) -> str:
        import copy

        record = copy.copy(record)
        record.levelname = record.levelname.lower()
        return self._formatter.format(record)


@main.command()
@sources_option
@teams_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (for scripts).")
def check(sources_path: Path, teams_path: Path, as_json: bool) -> None:
    """Validate sources.yml and teams.yml; print a summary or the problems.

    Warns (exit status 0) when an environment variable that teams.yml names for a
    destination in use is unset: those alerts would wait until it is set.
    """
    from pipeline.fetch.credentials import credential_parts
    from pipeline.notify.router import missing_secrets
    from pipeline.usage_sources.config import usage_source_gaps, usage_source_warnings

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
        _check_secrets(teams_path, teams)
        report["teams"] = {
            "path": str(teams_path),
            "teams": len(teams.teams),
            "usage_sources": len(teams.usage_sources),
        }
        report["warnings"] = (
            [
                f"{sources_path}: source {source.id}: URL carries credentials "
                f"({', '.join(parts)}); they are used to fetch but never stored or shown"
                for source in sources.sources
                if (parts := credential_parts(str(source.url)))
            ]
            + [
                f"{sources_path}: source {source.id}: environment variable {source.key_env} is not "
                "set (the model list's key): its pulls fail until it is"
                for source in sources.sources
                if source.enabled
                and source.key_env
                and not (os.environ.get(source.key_env) or "").strip()
            ]
            + [
                f"{teams_path}: {line}"
                for line in missing_secrets(teams)
                + usage_source_gaps(teams.usage_sources)
                + usage_source_warnings(teams.usage_sources)
            ]
        )
        if not any(s.enabled for s in sources.sources):
            report["warnings"].insert(
                0, f"{sources_path}: no enabled source: `sunset run` would watch nothing"
            )
        if not teams.teams:
            report["warnings"].append(f"{teams_path}: no team: nobody would be alerted")
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


@main.command()
@sources_option
@teams_option
@db_option
@click.option(
    "--offline", is_flag=True, help="No network: do not contact the sources, Slack or SMTP."
)
def doctor(sources_path: Path, teams_path: Path, db_path: str, offline: bool) -> None:
    """Check that everything is ready: config, env vars, Slack, SMTP, database, sources.

    One line per check; exit status 1 if any fails. Writes, sends and creates nothing."""
    from pipeline.doctor import report, run_checks

    failed = report(run_checks(sources_path, teams_path, db_path, offline=offline), click.echo)
    if failed:
        click.echo(f"{count(failed, 'check')} failed", err=True)
        sys.exit(1)
    click.echo("all checks passed")


@main.command()
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
        _fail(f"sunset init: {folder} is a file, not a folder")
    existing = [name for name in names if (folder / name).exists()]
    if existing:
        _fail(
            f"sunset init: {', '.join(str(folder / n) for n in existing)} already "
            f"exist{'s' if len(existing) == 1 else ''}; nothing written "
            "(edit what is there, or choose another folder)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    starter = resources.files("pipeline") / "starter"
    for name in names:
        with (folder / name).open("xb") as out:  # "x": never replace a file made meanwhile
            out.write((starter / name).read_bytes())
        click.echo(f"wrote {folder / name}")
    click.echo(
        "next: edit teams.yml (your teams and the models they use), then `sunset check`, "
        "`sunset doctor` and `sunset run`"
    )


@main.command()
@sources_option
@_teams_option("teams.yml to read (skipped with a warning when absent: no matching or alerts).")
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
    from pipeline import locking
    from pipeline.clock import utcnow
    from pipeline.cycle import due_source_ids, run_cycle, sync_config

    now = _now(now_text)
    sources = load_sources(sources_path)
    _require_sources(sources_path, sources, only)
    teams = _load_teams_optional(teams_path)
    dry = _pretending(now, now_text, commit)
    if dry:
        no_deliver = True
        click.echo("dry run on an in-memory copy of the database")
    if not no_deliver:
        _check_secrets(teams_path, teams)
    db = _scratch_copy(db_path) if dry else _open(db_path)
    selected = list(only) or None
    if due:
        sync_config(db, sources.sources)
        selected = [s for s in due_source_ids(db, now) if not only or s in only]
        if not selected:
            click.echo("no source is due")
            return
    with (
        _telling_ops(teams, db_path, now),
        locking.held(db, db_path, "cycle", locking.new_owner("run"), utcnow, "run") as taken,
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


@contextlib.contextmanager
def _telling_ops(teams: TeamsFile | None, db_path: str, now) -> Iterator[None]:
    """A store that cannot be written stops the command; ops hears it once (directly)."""
    import sqlite3

    try:
        yield
    except sqlite3.Error as exc:
        from pipeline.notify.notices import tell_ops_unwritable

        tell_ops_unwritable(teams, db_path, exc, now)
        raise


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
    from pipeline import locking
    from pipeline.clock import utcnow
    from pipeline.notify.outbox import build_notifiers, deliver_due

    owner = locking.new_owner("deliver")
    with locking.held(db, db_path, "deliver", owner, utcnow, "deliver") as taken:
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


@main.command()
@teams_option
@db_option
@now_option
@commit_option
def deliver(teams_path: Path, db_path: str, now_text: str | None, commit: bool) -> None:
    """Send the alerts waiting in the outbox (retrying failed ones that are due)."""
    from pipeline.clock import iso
    from storage import alerts as outbox

    teams = load_teams(teams_path)
    now = _now(now_text)
    if _pretending(now, now_text, commit):
        due = outbox.due(_open(db_path, read_only=True), iso(now))
        click.echo(f"delivery: {count(len(due), 'alert')} would be due; none sent")
        return
    _check_secrets(teams_path, teams)
    result = _deliver(_open(db_path), db_path, teams, now)
    if result is not None and (result.failed or result.dead):
        sys.exit(PARTIAL)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "markdown", "rss", "atom", "json", "text", "auto"]),
    help="Input format (default: from the file extension, else sniffed from the content).",
)
@click.option("--provider", default="unknown", show_default=True, help="Provider id.")
@click.option("--url", default=None, help="The page's URL (used for links and anchors).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of records.")
@click.option(
    "--explain",
    is_flag=True,
    help="Per record: the rule and cues behind it, its date and confidence, the evidence.",
)
@click.option(
    "--max-mb",
    default=EXTRACT_MAX_MB,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Refuse files larger than this many megabytes (the fetcher's own limit is 20).",
)
@now_option
def extract(
    path: Path,
    fmt: str | None,
    provider: str,
    url: str | None,
    as_json: bool,
    explain: bool,
    max_mb: float,
    now_text: str | None,
) -> None:
    """Extract deprecation records from a saved page, feed or article.

    A file that is not a document (a database, an archive, an image, other binary data) is
    refused.
    """
    from pipeline.extract import extract_document, infer_format

    if as_json and explain:
        _fail("sunset extract: --json and --explain are two outputs: choose one", 2)
    now = _now(now_text)
    size = path.stat().st_size
    if size > max_mb * 1_000_000:
        _fail(
            f"sunset extract: {path} is {size / 1_000_000:.1f} MB, over the {max_mb:g} MB limit "
            "(a provider page is rarely over 2 MB; raise it with --max-mb)",
            2,
        )
    from pipeline.cli_files import not_a_document

    if problem := not_a_document(path):
        _fail(f"sunset extract: {problem}", 2)
    progress = _stage_printer(size >= PROGRESS_FROM_BYTES)
    progress(f"reading {path} ({size / 1_000_000:.1f} MB)")
    body = path.read_bytes()
    progress("parsing and extracting (large files take a while)")
    result = extract_document(
        body,
        fmt=fmt or infer_format(str(path)),
        provider=provider,
        url=url,
        today=now.date(),
    )
    progress(f"done: {count(len(result.records), 'record')}")
    if as_json:
        click.echo(json.dumps([r.to_json() for r in result.records], ensure_ascii=False, indent=1))
        return
    if explain:
        for record in result.records:
            click.echo(_explain(record))
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(count(len(result.records), "record"), err=True)
        return
    for record in result.records:
        date = record.shutdown_date or "no date"
        if record.shutdown_kind == "earliest":
            date = f"not before {date}"
        replacements = ", ".join(record.replacements) or "-"
        click.echo(f"{record.model:45} {record.kind:8} {date:24} -> {replacements}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(count(len(result.records), "record"), err=True)


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def _stage_printer(big: bool):
    """Stage lines on stderr for long work, only in a terminal (silent in scripts and pipes)."""
    started = time.monotonic()
    if not (big and _stderr_is_tty()):
        return lambda _text: None

    def show(text: str) -> None:
        click.echo(f"[{time.monotonic() - started:5.1f}s] {text}", err=True)

    return show


def _explain(record) -> str:
    """The trail behind one record, for `sunset extract --explain`."""
    date = record.shutdown_date or "none"
    if record.shutdown_kind == "earliest":
        date = f"not before {date}"
    lines = [
        f"{record.model}  [{record.kind}, {record.scope}, {record.status}]",
        f"  confidence  {record.confidence:.2f}",
        f"  shutdown    {date} ({record.shutdown_kind})",
        f"  announced   {record.announced_date or '-'}",
        f"  replaced by {', '.join(record.replacements) or '-'}",
    ]
    if record.aliases:
        lines.append(f"  aliases     {', '.join(record.aliases)}")
    lines += [f"  why         {cue}" for cue in record.why]
    evidence = " ".join(record.evidence.split())
    lines.append(f"  evidence    {evidence[:300]}{'...' if len(evidence) > 300 else ''}")
    return "\n".join(lines)


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts).")
def sources(db_path: str, as_json: bool) -> None:
    """Show each source's state: last fetch, status, last change, failures."""
    db = _open(db_path, read_only=True)
    rows = list(
        db.query(
            """SELECT id, kind, provider, format, last_fetch_at, last_status, last_change_at,
                      consecutive_failures, health, record_count, enabled
               FROM sources ORDER BY id"""
        )
    )
    if as_json:
        for r in rows:
            r["enabled"] = bool(r["enabled"])
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    if not rows:
        click.echo("no sources yet: run `sunset run` first")
        return
    header = (
        "id",
        "provider",
        "format",
        "last fetch",
        "status",
        "last change",
        "fails",
        "health",
        "records",
    )
    table = [
        (
            r["id"] + ("" if r["enabled"] else " (off)"),
            r["provider"],
            r["format"] if r["kind"] == "page" else r["kind"],  # a reference's count: entries
            r["last_fetch_at"] or "-",
            r["last_status"] or "-",
            r["last_change_at"] or "-",
            str(r["consecutive_failures"]),
            r["health"],
            "-" if r["record_count"] is None else str(r["record_count"]),
        )
        for r in rows
    ]
    _print_table(header, table)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=False)]
    for line in (header, *rows):
        click.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)
            ).rstrip()
        )


@main.command()
@db_option
@now_option
@click.option("--team", default=None, help="Only models this team uses.")
@click.option(
    "--days",
    default=90,
    show_default=True,
    type=click.IntRange(0, 36_500),
    help="How far ahead to look.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts).")
def upcoming(
    db_path: str, now_text: str | None, team: str | None, days: int, as_json: bool
) -> None:
    """List shutdowns in the next N days (for one team, or all records)."""
    import datetime as dt

    now = _now(now_text)
    today = now.date()
    until = (today + dt.timedelta(days=days)).isoformat()
    db = _open(db_path, read_only=True)
    if team:
        _require_stored_team(db, team)
    params: list = [today.isoformat(), until]
    sql = """SELECT r.provider, r.model, r.scope, r.shutdown_date, r.shutdown_kind, r.replacements
             FROM records r WHERE r.kind = 'model' AND r.listed = 1 AND r.shutdown_date >= ?
             AND r.shutdown_date <= ? AND r.review_state IN ('ok', 'confirmed')"""
    if team:
        sql += " AND r.id IN (SELECT record_id FROM exposures WHERE team = ? AND active = 1)"
        params.append(team)
    sql += " ORDER BY r.shutdown_date, r.provider, r.model"
    rows = list(db.query(sql, params))
    if as_json:
        for r in rows:
            r["replacements"] = json.loads(r["replacements"])
            r["days_left"] = (dt.date.fromisoformat(r["shutdown_date"]) - today).days
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    if not rows:
        click.echo(
            f"no shutdowns in the next {count(days, 'day')}" + (f" for {team}" if team else "")
        )
        return
    table = []
    for r in rows:
        left = (dt.date.fromisoformat(r["shutdown_date"]) - today).days
        when = r["shutdown_date"] + (" (not before)" if r["shutdown_kind"] == "earliest" else "")
        table.append(
            (
                when,
                f"{left}d",
                r["provider"],
                r["model"] + _scope_note(r["scope"]),
                ", ".join(json.loads(r["replacements"])) or "-",
            )
        )
    _print_table(("shutdown", "left", "provider", "model", "replacement"), table)


def _scope_note(scope: str | None) -> str:
    """ " (ChatGPT only)" for a product change, "" for the API."""
    from pipeline.scope import product_name, product_of

    product = product_of(scope)
    return f" ({product_name(product)} only)" if product else ""


@main.command()
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
    from pipeline.usage import scan_paths
    from storage import teams as team_store
    from storage.db import transaction

    _require_team(teams_path, team)
    db = _open(db_path)
    known = [
        row["model"] for row in db.query("SELECT DISTINCT model FROM records WHERE kind = 'model'")
    ]
    entries = scan_paths(path, team, known_models=known, include_all=all_files)
    root = path.resolve()
    base = (root.parent if root.is_file() else root).as_posix()
    prefix = root.as_posix() + (":" if root.is_file() else "/")
    with transaction(db):
        team_store.ensure_team(db, team)
        dropped = team_store.remove_usage(
            db, team=team, origins=("scan",), where_prefixes=(prefix,)
        )
        rows = [_usage_row(e) | {"where_seen": f"{base}/{e.where}"} for e in entries]
        team_store.add_usage(db, rows)
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


def _usage_row(entry) -> dict:
    return {
        "team": entry.team,
        "provider": entry.provider,
        "model": entry.model,
        "origin": entry.origin,
        "where_seen": entry.where or "",
        "last_seen": entry.last_seen,
        "volume": entry.volume,
    }


@main.group()
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
    from storage import teams as team_store
    from storage.db import transaction

    if team is None and origin is None and not paths:
        _fail("sunset usage remove: say what to remove: --team, --origin and/or --path", 2)
    db = _existing_db(db_path)
    if team is not None:
        _require_stored_team(db, team)
    prefixes: list[str] = []
    names: list[str] = []
    for given in paths:
        resolved = given.resolve().as_posix()
        prefixes += [resolved + "/", resolved + ":"]
        names.append(given.name)  # an import stores the file's name
    origins = (origin,) if origin else ("scan", "import")
    with transaction(db):
        removed = team_store.remove_usage(
            db, team=team, origins=tuple(o for o in origins if o == "scan"),
            where_prefixes=tuple(prefixes),
        ) if "scan" in origins else 0  # fmt: skip
        if "import" in origins:
            removed += team_store.remove_usage(
                db, team=team, origins=("import",), where_exact=tuple(names)
            )
    if not removed:
        _fail("sunset usage remove: no scanned or imported usage matched", 1)
    click.echo(f"removed {count(removed, 'usage row')}; exposures follow at the next `sunset run`")


@usage.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", required=True, help="Team the usage belongs to (named in teams.yml).")
@teams_option
@db_option
def usage_import(file: Path, team: str, teams_path: Path, db_path: str) -> None:
    """Import a CSV or JSONL usage export (columns model, provider, requests, last_seen)."""
    from pipeline.usage import UsageImportError, import_usage_file
    from storage import teams as team_store
    from storage.db import transaction

    _require_team(teams_path, team)
    try:
        entries = import_usage_file(file, team)
    except UsageImportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    db = _open(db_path)
    with transaction(db):
        team_store.ensure_team(db, team)
        team_store.add_usage(db, [_usage_row(e) for e in entries])
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
    from pipeline.usage_sources.pull import pull_sources

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
    now = _now(now_text)
    db = _scratch_copy(db_path) if _pretending(now, now_text, commit) else _open(db_path)
    with _telling_ops(teams, db_path, now):
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


@main.command()
@sources_option
@teams_option
@db_option
@click.option("--once", is_flag=True, help="Run each job once and exit (for cron).")
def worker(sources_path: Path, teams_path: Path, db_path: str, once: bool) -> None:
    """Run the scheduler: sources on their intervals, delivery, reminders, digests."""
    from pipeline.schedule import run_worker

    load_sources(sources_path)  # fail fast with a clear message on a bad file
    _check_secrets(teams_path, load_teams(teams_path))
    db = _open(db_path)
    check_writable(db, db_path)
    db.close()
    run_worker(sources_path, teams_path, db_path, once=once)


@main.command()
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
    from pipeline.notify.digest import collect_digest, queue_digest, render_digest

    teams = load_teams(teams_path)
    now = _now(now_text)
    dry_run = dry_run or _pretending(now, now_text, commit)
    if not dry_run:
        _check_secrets(teams_path, teams)
    db = _open(db_path, read_only=dry_run)  # printing never creates (or writes) a store
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


@main.command()
@db_option
@click.option(
    "--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--slack-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Also answer Slack button clicks at http://SLACK-HOST:PORT/slack/actions.",
)
@click.option("--slack-host", default="127.0.0.1", show_default=True, help="Its address.")
@_teams_option("teams.yml naming the Slack signing secret's variable (with --slack-port).")
@click.pass_context
def serve(
    ctx: click.Context,
    db_path: str,
    port: int,
    host: str,
    slack_port: int | None,
    slack_host: str,
    teams_path: Path,
) -> None:
    """Browse the store with Datasette (read-only, with canned queries); with --slack-port,
    also the request URL answering Slack button clicks."""
    from pipeline.serve import port_problem, run_child, serve_command

    _open(db_path, read_only=True).close()  # fail clearly now, not inside Datasette
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"warning: Datasette has no authentication: anyone who can reach {host}:{port} "
            "can read the whole store and run any SELECT; put an authenticating proxy in "
            "front of it (see README)",
            err=True,
        )
    problem = port_problem(host, port)
    if problem:
        _fail(f"sunset serve: {problem}")
    argv = serve_command(db_path, port, host=host)
    url = f"http://{host}:{port}/"
    slack = None
    if slack_port == port:
        _fail(f"sunset serve: --slack-port {slack_port} is Datasette's --port: choose another")
    if slack_port is not None:  # pipeline/slack_actions: its own port, Datasette stays local
        from pipeline.slack_actions.commands import request_url_server

        given = ctx.get_parameter_source("teams_path") != click.core.ParameterSource.DEFAULT
        slack = request_url_server(db_path, teams_path, given, slack_host, slack_port).start()
        click.echo(f"Slack request URL on {slack.url}")
    try:
        code = run_child(argv, lambda: click.echo(f"Datasette on {url} (Ctrl-C to stop)"))
    finally:
        if slack is not None:
            slack.stop()
    raise SystemExit(code)


@main.command()
@db_option
@now_option
@_teams_option("teams.yml giving --team's reminder lead days (the defaults when absent).")
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

    from pipeline.cli_files import output_problem, write_replacing
    from pipeline.config import DEFAULT_LEAD_DAYS
    from pipeline.export import export_feed

    now = _now(now_text)
    if output is not None:
        configs = (teams_path, Path("sources.yml"), Path("teams.yml"))
        problem = output_problem(output, fmt, db_path=db_path, config_paths=configs, force=force)
        if problem:
            _fail(problem)
    if base_url is not None:
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
            _fail(f"sunset export: --base-url {base_url!r} is not an http(s) URL", 2)
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    db = _open(db_path, read_only=True)
    if team:
        _require_stored_team(db, team)
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
            _fail(f"{output}: {exc.strerror or exc}")
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
    else:
        sys.stdout.buffer.write(data)


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _existing_db(db_path: str):
    """Open an existing store; never create one (a typo in --db must not make a new file).
    An unusable file is a `StoreError` (one line naming the path, like every --db command)."""
    if db_path != ":memory:" and not Path(db_path).is_file():
        _fail(f"no database at {db_path} (run `sunset run` first, or pass --db)")
    return _open(db_path)


def _record_ids(texts: tuple[str, ...]) -> list[int]:
    if not texts:
        _fail("give at least one record id (see `sunset review list`)", 2)
    ids = []
    for text in texts:
        if not text.isdigit() or int(text) == 0:
            _fail(f"{text!r} is not a record id (a positive number from `sunset review list`)", 2)
        ids.append(int(text))
    return ids


@main.group(cls=_OneLineGroup, invoke_without_command=True)
@db_option
@click.pass_context
def review(ctx: click.Context, db_path: str) -> None:
    """Records waiting for review: list them, confirm, reject or correct (default: list)."""
    # `sunset review --db F confirm 3` works too: the group's --db is the subcommands' default.
    ctx.default_map = {
        name: {"db_path": db_path} for name in ("list", "confirm", "reject", "correct")
    }
    if ctx.invoked_subcommand is None:
        ctx.invoke(review_list, db_path=db_path)


@review.command("list", cls=_OneLineErrors)
@db_option
@click.option(
    "--state",
    type=click.Choice(["needs_review", "rejected", "confirmed"]),
    default="needs_review",
    show_default=True,
    help="Which records to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead.")
def review_list(db_path: str, state: str, as_json: bool) -> None:
    """List records needing review: id, model, date, confidence, why, source, evidence."""
    from pipeline.notify.escape import one_line
    from pipeline.review import teams_using
    from storage.records import decode_record

    db = _existing_db(db_path)
    rows = [
        decode_record(row)
        for row in db.query(
            "SELECT * FROM records WHERE review_state = ? ORDER BY first_seen, id", [state]
        )
    ]
    using = teams_using(db, rows)
    for r in rows:
        r["teams_using"] = using.get(r["id"], [])
    if as_json:
        keys = (
            "id",
            "provider",
            "model",
            "shutdown_date",
            "shutdown_kind",
            "replacements",
            "confidence",
            "why",
            "review_state",
            "review_reason",
            "source_id",
            "evidence",
            "url",
            "overrides",
            "teams_using",
        )
        click.echo(json.dumps([{k: r[k] for k in keys} for r in rows], indent=1))
        return
    if not rows:
        click.echo(f"no records in {state}")
        return
    for r in rows:
        date = r["shutdown_date"] or "no date"
        if r["shutdown_kind"] == "earliest":
            date = f"not before {date}"
        # Scraped text: control characters (terminal escapes) and bidi marks are stripped.
        click.echo(
            f"#{r['id']}  {one_line(r['provider'], 60)}/{one_line(r['model'], 120)}  "
            f"shutdown {date}  confidence {r['confidence']:.2f}  "
            f"source {one_line(r['source_id'], 80)}"
        )
        if r["replacements"]:
            click.echo(f"    replacement: {one_line(', '.join(r['replacements']), 200)}")
        click.echo(f"    why: {one_line(', '.join(r['why']), 300) or '-'}")
        click.echo(f"    waiting because: {one_line(r['review_reason'], 300) or '-'}")
        click.echo(f"    teams using it: {', '.join(r['teams_using']) or 'none'}")
        click.echo(f'    evidence: "{one_line(r["evidence"], 300)}"')
    click.echo(f"{count(len(rows), 'record')} in {state}", err=True)


@review.command("confirm", cls=_OneLineErrors)
@click.argument("ids", nargs=-1)
@db_option
@now_option
def review_confirm(ids: tuple[str, ...], db_path: str, now_text: str | None) -> None:
    """Confirm records: teams hear of them on the next decide (`sunset run`)."""
    _set_review_state(ids, db_path, now_text, "confirmed")


@review.command("reject", cls=_OneLineErrors)
@click.argument("ids", nargs=-1)
@db_option
@now_option
def review_reject(ids: tuple[str, ...], db_path: str, now_text: str | None) -> None:
    """Reject records: they never alert, and stay rejected while the page says the same."""
    _set_review_state(ids, db_path, now_text, "rejected")


def _set_review_state(ids: tuple[str, ...], db_path: str, now_text: str | None, state: str) -> None:
    from pipeline.clock import iso
    from storage import review as review_store
    from storage.db import transaction

    record_ids = _record_ids(ids)
    now = _now(now_text)
    db = _existing_db(db_path)
    try:
        with transaction(db):
            moved = review_store.set_state(db, record_ids, state, by="operator", at=iso(now))
    except review_store.ReviewError as exc:
        _fail(str(exc))
    changed = {record_id: (old, new) for record_id, old, new in moved}
    for record_id in record_ids:
        if record_id in changed:
            old, new = changed[record_id]
            click.echo(f"record {record_id}: {old} -> {new}")
        else:
            click.echo(f"record {record_id}: already {state}")


@review.command("correct", cls=_OneLineErrors)
@click.argument("record_id", metavar="ID")
@click.option(
    "--shutdown-date",
    "shutdown_date",
    default=None,
    help="The right shutdown date (YYYY-MM-DD), or 'none' when there is none.",
)
@click.option(
    "--kind",
    "shutdown_kind",
    type=click.Choice(["firm", "earliest", "region"]),
    default=None,
    help="Kind of the date (default: firm, or the record's own kind).",
)
@click.option(
    "--replacement",
    "replacements",
    multiple=True,
    help="A replacement model (repeatable); 'none' alone clears them.",
)
@click.option("--model", default=None, help="The right model id.")
@db_option
@now_option
def review_correct(
    record_id: str,
    shutdown_date: str | None,
    shutdown_kind: str | None,
    replacements: tuple[str, ...],
    model: str | None,
    db_path: str,
    now_text: str | None,
) -> None:
    """Correct a record's fields and confirm it; re-extraction never overwrites a correction."""
    from pipeline.clock import iso
    from pipeline.review import correction
    from storage import review as review_store
    from storage.db import transaction

    (rid,) = _record_ids((record_id,))
    now = _now(now_text)
    try:
        fields = correction(
            shutdown_date=shutdown_date,
            shutdown_kind=shutdown_kind,
            replacements=replacements,
            model=model,
            today=now.date(),
        )
    except ValueError as exc:
        _fail(str(exc), 2)
    db = _existing_db(db_path)
    try:
        with transaction(db):
            changes = review_store.correct(db, rid, fields, by="operator", at=iso(now))
    except review_store.ReviewError as exc:
        _fail(str(exc))
    for field, old, new in changes:
        click.echo(f"record {rid}: {field} {old or 'none'} -> {new or 'none'}")
    click.echo(
        f"record {rid}: corrected and confirmed; extraction will not overwrite "
        f"{', '.join(sorted(fields))}"
    )


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo's database, messages and e-mails: new, empty, or a previous "
    "demo output (files the demo did not write are never touched).",
)
@click.option(
    "--now",
    "now_text",
    default=None,
    help="The demo's second day (default today; its first is the day before).",
)
def demo(out: Path, now_text: str | None) -> None:
    """Run the whole product offline on sample pages, with local Slack and SMTP captures.

    The demo's second day is today and its first yesterday: the sample pages are re-dated
    to match, so browsing the result afterwards agrees with what it printed.
    """
    import logging

    from pipeline.demo import run_demo
    from pipeline.demo_folder import DemoFolderError

    logging.getLogger().setLevel(logging.WARNING)
    today = _now(now_text).date()
    try:
        run_demo(out, echo=click.echo, today=today)
    except DemoFolderError as exc:
        _fail(f"sunset demo: {exc}")


main.add_command(fix_command)

for _command in _hold_commands.COMMANDS:
    main.add_command(_command)
main.add_command(_notify_commands.notify)
main.add_command(_slack_commands.slack_listen)

if __name__ == "__main__":  # pragma: no cover
    main()
