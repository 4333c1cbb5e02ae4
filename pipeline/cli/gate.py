"""Click glue for the gate: `sunset scan PATH --check` (its options wrap the `scan` command)
`sunset fix` lives in `pipeline.cli.fix`.

Exit statuses (README "Exit statuses"): `scan --check` exits 0 when no model used under PATH
shuts down within the window and 1 when one does; a usage mistake (a bad `--within`, `--format`
without `--check`) is 2, an unusable database or `--records` file 1, as in every command.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

GATE_DEFAULTS: dict[str, Any] = {
    "within": "90d",
    "fmt": "text",
    "offline": False,
    "records": None,
    "now_text": None,
}


def _open_store(db_path: str):
    from pipeline.cli import common as cli

    return cli.open_store(db_path, read_only=True)


def check_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the gate's options to `scan`; with `--check`, run the gate instead of recording."""

    @click.option(
        "--check",
        is_flag=True,
        help="CI gate: record nothing, list deprecated models used under PATH and exit 1 "
        "when one shuts down within --within (no --team needed).",
    )
    @click.option(
        "--within",
        default="90d",
        show_default=True,
        help="With --check: the window, in days or weeks (90d, 12w, 90).",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "sarif", "markdown"]),
        default="text",
        show_default=True,
        help="With --check: how to print the result (sarif: SARIF 2.1.0 for code scanning).",
    )
    @click.option(
        "--offline",
        is_flag=True,
        help="With --check: no database; use the bundled models.dev catalogue and --records.",
    )
    @click.option(
        "--records",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="With --check --offline: a `sunset export --format jsonfeed` file of records.",
    )
    @click.option(
        "--now",
        "now_text",
        default=None,
        help="With --check: pretend today is this ISO date/time.",
    )
    @functools.wraps(command)
    def wrapper(*, check: bool, **kwargs: Any) -> None:
        gate = {key: kwargs.pop(key) for key in GATE_DEFAULTS}
        if not check:
            given = [f"--{k.replace('fmt', 'format').replace('_text', '')}" for k, v in gate.items()
                     if v != GATE_DEFAULTS[k]]  # fmt: skip
            if given:
                verb = "works" if len(given) == 1 else "work"
                raise click.UsageError(f"{', '.join(given)} {verb} only with --check")
            if kwargs.get("team") is None:
                raise click.UsageError("Missing option '--team' (or give --check for the CI gate)")
            return command(**kwargs)
        if kwargs.get("team") is not None:
            raise click.UsageError("--check records nothing: leave out --team")
        run_check(
            kwargs["path"],
            db_path=kwargs["db_path"],
            include_all=kwargs.get("all_files", False),
            **gate,
        )
        return None

    return wrapper


def run_check(
    path: Path,
    *,
    db_path: str,
    include_all: bool,
    within: str,
    fmt: str,
    offline: bool,
    records: Path | None,
    now_text: str | None,
) -> None:
    from pipeline.core.clock import parse_now
    from pipeline.gate import lookup
    from pipeline.gate.check import check, parse_within
    from pipeline.gate.render import RENDERERS

    try:
        within_days = parse_within(within)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--within") from None
    try:
        today = parse_now(now_text).date()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None
    if records is not None and not offline:
        raise click.UsageError("--records is read with --offline (online, the store is used)")
    if offline:
        found = lookup.catalogue_records()
        if records is not None:
            try:
                found = [*lookup.export_records(records), *found]
            except lookup.RecordsFileError as exc:
                click.echo(f"error: {exc}", err=True)
                click.get_current_context().exit(1)
    else:
        found = lookup.store_records(_open_store(db_path))
    result = check(path, found, today=today, within_days=within_days, include_all=include_all)
    click.echo(RENDERERS[fmt](result), nl=False)
    if result.failed:
        click.get_current_context().exit(1)
