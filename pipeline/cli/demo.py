"""`sunset demo`: the whole product offline on sample pages (`pipeline.demo`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    now_of,
)
from pipeline.cli.errors import command, fail

if TYPE_CHECKING:
    pass


@command()
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

    from pipeline.demo.folder import DemoFolderError
    from pipeline.demo.run import run_demo

    logging.getLogger().setLevel(logging.WARNING)
    today = now_of(now_text).date()
    try:
        run_demo(out, echo=click.echo, today=today)
    except DemoFolderError as exc:
        fail(f"sunset demo: {exc}")
