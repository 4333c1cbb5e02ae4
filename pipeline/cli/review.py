"""`sunset review`: records waiting for review, listed, confirmed, rejected or corrected."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    db_option,
    existing_db,
    now_of,
    now_option,
)
from pipeline.cli.errors import OneLineCommand, fail, group
from pipeline.core.wording import count

if TYPE_CHECKING:
    pass


def _record_ids(texts: tuple[str, ...]) -> list[int]:
    if not texts:
        fail("give at least one record id (see `sunset review list`)", 2)
    ids = []
    for text in texts:
        if not text.isdigit() or int(text) == 0:
            fail(f"{text!r} is not a record id (a positive number from `sunset review list`)", 2)
        ids.append(int(text))
    return ids


@group(invoke_without_command=True)
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


@review.command("list", cls=OneLineCommand)
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
    from pipeline.alerts.notify.escape import one_line
    from pipeline.alerts.review import teams_using
    from storage import review as review_store

    db = existing_db(db_path)
    rows = review_store.in_state(db, state)
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


@review.command("confirm", cls=OneLineCommand)
@click.argument("ids", nargs=-1)
@db_option
@now_option
def review_confirm(ids: tuple[str, ...], db_path: str, now_text: str | None) -> None:
    """Confirm records: teams hear of them on the next decide (`sunset run`)."""
    _set_review_state(ids, db_path, now_text, "confirmed")


@review.command("reject", cls=OneLineCommand)
@click.argument("ids", nargs=-1)
@db_option
@now_option
def review_reject(ids: tuple[str, ...], db_path: str, now_text: str | None) -> None:
    """Reject records: they never alert, and stay rejected while the page says the same."""
    _set_review_state(ids, db_path, now_text, "rejected")


def _set_review_state(ids: tuple[str, ...], db_path: str, now_text: str | None, state: str) -> None:
    from pipeline.core.clock import iso
    from storage import review as review_store
    from storage.db import transaction

    record_ids = _record_ids(ids)
    now = now_of(now_text)
    db = existing_db(db_path)
    try:
        with transaction(db):
            moved = review_store.set_state(db, record_ids, state, by="operator", at=iso(now))
    except review_store.ReviewError as exc:
        fail(str(exc))
    changed = {record_id: (old, new) for record_id, old, new in moved}
    for record_id in record_ids:
        if record_id in changed:
            old, new = changed[record_id]
            click.echo(f"record {record_id}: {old} -> {new}")
        else:
            click.echo(f"record {record_id}: already {state}")


@review.command("correct", cls=OneLineCommand)
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
    from pipeline.alerts.review import correction
    from pipeline.core.clock import iso
    from storage import review as review_store
    from storage.db import transaction

    (rid,) = _record_ids((record_id,))
    now = now_of(now_text)
    try:
        fields = correction(
            shutdown_date=shutdown_date,
            shutdown_kind=shutdown_kind,
            replacements=replacements,
            model=model,
            today=now.date(),
        )
    except ValueError as exc:
        fail(str(exc), 2)
    db = existing_db(db_path)
    try:
        with transaction(db):
            changes = review_store.correct(db, rid, fields, by="operator", at=iso(now))
    except review_store.ReviewError as exc:
        fail(str(exc))
    for field, old, new in changes:
        click.echo(f"record {rid}: {field} {old or 'none'} -> {new or 'none'}")
    click.echo(
        f"record {rid}: corrected and confirmed; extraction will not overwrite "
        f"{', '.join(sorted(fields))}"
    )
