"""Reading the store: `sunset sources` (each source's state) and `sunset upcoming` (shutdowns
in the next N days)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    db_option,
    now_of,
    now_option,
    open_store,
    require_stored_team,
)
from pipeline.cli.errors import command
from pipeline.core.wording import count

if TYPE_CHECKING:
    pass


@command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts).")
def sources(db_path: str, as_json: bool) -> None:
    """Show each source's state: last fetch, status, last change, failures."""
    from storage import sources as source_store

    rows = source_store.states(open_store(db_path, read_only=True))
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


@command()
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

    from storage import records as record_store

    now = now_of(now_text)
    today = now.date()
    until = (today + dt.timedelta(days=days)).isoformat()
    db = open_store(db_path, read_only=True)
    if team:
        require_stored_team(db, team)
    rows = record_store.upcoming(db, today.isoformat(), until, team=team)
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
    from pipeline.core.scope import product_name, product_of

    product = product_of(scope)
    return f" ({product_name(product)} only)" if product else ""
