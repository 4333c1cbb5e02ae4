"""The `sunset` command (also `python -m pipeline`): the group, its logging flags, and one
sub-command module per command group.

Commands that write take `--db` (default `sunset.db`, env `SUNSET_DB`); commands whose result
depends on the date take `--now`. Configuration errors print one clear message, never a
traceback."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import stderr_is_tty
from pipeline.cli.errors import SunsetGroup

# Command name -> (module under pipeline.cli, attribute): a command's module is imported when
# the command is run or listed (`sunset extract PAGE` imports none of the other twelve).
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("setup", "check"),
    "doctor": ("setup", "doctor"),
    "init": ("setup", "init"),
    "run": ("jobs", "run"),
    "deliver": ("jobs", "deliver"),
    "digest": ("jobs", "digest"),
    "worker": ("jobs", "worker"),
    "extract": ("extract", "extract"),
    "fix": ("fix", "fix_command"),
    "sources": ("reports", "sources"),
    "upcoming": ("reports", "upcoming"),
    "scan": ("usage", "scan"),
    "usage": ("usage", "usage"),
    "export": ("export", "export"),
    "notify": ("notify", "notify"),
    "review": ("review", "review"),
    "serve": ("serve", "serve"),
    "slack-listen": ("slack", "slack_listen"),
    "demo": ("demo", "demo"),
    **{
        name: ("holds", "COMMANDS")
        for name in ("ack", "snooze", "waive", "unack", "unsnooze", "unwaive")
    },
}


class _LazyGroup(SunsetGroup):
    """The `sunset` group, importing each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib

            module_name, attribute = COMMANDS[cmd_name]
            found = getattr(importlib.import_module(f"pipeline.cli.{module_name}"), attribute)
            for command in found if isinstance(found, tuple) else (found,):
                if command.name == cmd_name:
                    self.add_command(command)
        return self.commands.get(cmd_name)


if TYPE_CHECKING:
    pass


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    clear = "\r\x1b[K" if stderr_is_tty() else ""
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
