"""What the command modules share: the option decorators (`--db`, `--now`, `--commit`,
`--sources`, `--teams`), reading the configuration and opening the store for a command (closed
when it ends), `--now` in the future, and the checks commands make before they start."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.errors import fail
from pipeline.core.errors import ConfigError
from storage.common import DEFAULT_DB

if TYPE_CHECKING:
    import datetime as dt

    from pipeline.core.config import SourcesFile, TeamsFile


# Heavy modules (pydantic config, sqlite-utils, the pipeline) load only when a command runs,
# so `sunset --help` and usage errors stay fast (benchmarks/startup.py).
def load_sources(path: Path) -> SourcesFile:
    from pipeline.core import config

    if not path.exists() and path == Path("sources.yml"):  # the default, in a fresh folder
        raise ConfigError(
            "sources.yml not found here: run `sunset init` to create a starter "
            "sources.yml and teams.yml, or pass --sources FILE"
        )
    return config.load_sources(path)


def load_teams(path: Path) -> TeamsFile:
    from pipeline.core import config

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


def now_option_with(help_text: str):
    return click.option("--now", "now_text", default=None, help=help_text)


now_option = now_option_with("Pretend the current time is this ISO date/time.")


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


sources_option = click.option(
    "--sources",
    "sources_path",
    default="sources.yml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="sources.yml to read.",
)


def teams_option_with(help_text: str):
    return click.option(
        "--teams",
        "teams_path",
        default="teams.yml",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


teams_option = teams_option_with("teams.yml to read.")


def now_of(text: str | None):
    try:
        from pipeline.core.clock import parse_now

        return parse_now(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def pretending(now: dt.datetime, now_text: str | None, commit: bool) -> bool:
    """A `--now` in the future without `--commit`: the command must not write decisions
    or send anything (they would be made for a pretended time and suppress the real ones)."""
    import datetime as dt

    from pipeline.core.clock import iso, utcnow

    tolerance = dt.timedelta(minutes=FUTURE_TOLERANCE_MINUTES)
    if not now_text or commit or now <= utcnow() + tolerance:
        return False
    click.echo(
        f"--now {iso(now)} is in the future: nothing is written or sent "
        "(add --commit to store, decide and send as of that time)",
        err=True,
    )
    return True


def scratch_copy(db_path: str):
    """An in-memory copy of the store (or an empty one), for a run that must not write."""
    scratch = open_db(":memory:")
    if Path(db_path).is_file():
        source = open_store(db_path, read_only=True)
        source.conn.backup(scratch.conn)
        source.close()
    return scratch


def load_teams_optional(path: Path) -> TeamsFile | None:
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


def open_store(db_path: str, *, read_only: bool = False):
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


def check_secrets(path: Path, teams: TeamsFile | None) -> None:
    """Refuse to start with a malformed secret (a line break inside a token, a webhook that
    is not an https:// URL), naming the variable and never printing its value."""
    from pipeline.alerts.notify.router import secret_problems

    problems = secret_problems(teams) if teams is not None else []
    if problems:
        raise ConfigError("\n".join(f"{path}: {problem}" for problem in problems))


def require_team(teams_path: Path, team: str) -> None:
    """Usage recorded for a team that teams.yml does not name would never be matched: an
    unknown name is an error listing the known ones."""
    teams = load_teams(teams_path)
    if team not in teams.team_names():
        known = ", ".join(teams.team_names()) or "none"
        raise ConfigError(f"{teams_path}: no team named {team!r} (known: {known})")


def require_sources(sources_path: Path, sources, only: tuple[str, ...]) -> None:
    """`--source` ids must name enabled sources of sources.yml."""
    by_id = {s.id: s for s in sources.sources}
    for source_id in only:
        if source_id not in by_id:
            known = ", ".join(sorted(by_id)) or "none"
            raise ConfigError(f"{sources_path}: no source {source_id!r} (known: {known})")
        if not by_id[source_id].enabled:
            raise ConfigError(f"{sources_path}: source {source_id!r} is disabled (enabled: false)")


def require_stored_team(db, team: str) -> None:
    """For read-only commands: the team must be one the store knows (from teams.yml)."""
    known = [row["name"] for row in db.query("SELECT name FROM teams ORDER BY name")]
    if team not in known:
        hint = ", ".join(known) if known else "none yet: `sunset run` stores teams.yml's teams"
        fail(f"no team named {team!r} in {db_label(db)} (known: {hint})", 2)


def db_label(db) -> str:
    return click.get_current_context().meta.get("sunset.db", "the database")


def existing_db(db_path: str):
    """Open an existing store; never create one (a typo in --db must not make a new file).
    An unusable file is a `StoreError` (one line naming the path, like every --db command)."""
    if db_path != ":memory:" and not Path(db_path).is_file():
        fail(f"no database at {db_path} (run `sunset run` first, or pass --db)")
    return open_store(db_path)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def telling_ops(teams: TeamsFile | None, db_path: str, now) -> Iterator[None]:
    """A store that cannot be written stops the command; ops hears it once (directly)."""
    import sqlite3

    try:
        yield
    except sqlite3.Error as exc:
        from pipeline.alerts.notify.notices import tell_ops_unwritable

        tell_ops_unwritable(teams, db_path, exc, now)
        raise
