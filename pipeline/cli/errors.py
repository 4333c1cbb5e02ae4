"""One-line error handling for every `sunset` command: a usage mistake, a configuration error or
an unusable database is one `error:` line and an exit status (README "Exit statuses"), never a
traceback or click's usage block. `SunsetGroup` is the `sunset` group; `command` and `group`
make sub-commands that behave the same; `fail` ends a command with one line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

from pipeline.core.errors import ConfigError
from storage.common import StoreError

if TYPE_CHECKING:
    pass


def one_line_usage_error(ctx: click.Context, exc: click.UsageError) -> NoReturn:
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
            one_line_usage_error(ctx, exc)


class OneLineCommand(_OneLineParse, click.Command):
    """A command whose usage mistakes are one line."""


class OneLineGroup(_OneLineParse, click.Group):
    """A group whose unknown options and sub-commands are one line too."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            exc.message = f"{exc.message} (commands: {', '.join(self.list_commands(ctx))})"
            one_line_usage_error(ctx, exc)


class SunsetGroup(OneLineGroup):
    """Turns configuration errors into one clear message and exit status 2, and an unusable
    database (missing, corrupt, not SQLite, too new, unwritable) into one naming its path
    and exit status 1: never a traceback. Usage mistakes (an unknown option, a bad value, a
    missing argument) are one `error:` line with exit status 2 in every sub-command."""

    command_class = OneLineCommand
    group_class = OneLineGroup
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
            one_line_usage_error(exc.ctx or ctx, exc)
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


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def command(**kwargs):
    """`@click.command` for a sub-command whose usage mistakes are one line."""
    return click.command(cls=OneLineCommand, **kwargs)


def group(**kwargs):
    """`@click.group` for a sub-command group whose usage mistakes are one line."""
    return click.group(cls=OneLineGroup, **kwargs)
