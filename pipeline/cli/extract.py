"""`sunset extract`: deprecation records from one saved page, feed or article, as a table,
JSON or the trail of rules behind each record (`--explain`)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    now_of,
    now_option,
    stderr_is_tty,
)
from pipeline.cli.errors import command, fail
from pipeline.core.wording import count

if TYPE_CHECKING:
    pass


EXTRACT_MAX_MB = 20.0  # `sunset extract` refuses larger files (the fetcher's decoded limit)


PROGRESS_FROM_BYTES = 1_000_000  # stage lines in a terminal from this size on


@command()
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
    from pipeline.core import regex_cache

    regex_cache.install()  # before the passes compile their patterns at import
    from pipeline.extract import extract_document, infer_format

    if as_json and explain:
        fail("sunset extract: --json and --explain are two outputs: choose one", 2)
    now = now_of(now_text)
    size = path.stat().st_size
    if size > max_mb * 1_000_000:
        fail(
            f"sunset extract: {path} is {size / 1_000_000:.1f} MB, over the {max_mb:g} MB limit "
            "(a provider page is rarely over 2 MB; raise it with --max-mb)",
            2,
        )
    from pipeline.cli.files import not_a_document

    if problem := not_a_document(path):
        fail(f"sunset extract: {problem}", 2)
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


def _stage_printer(big: bool):
    """Stage lines on stderr for long work, only in a terminal (silent in scripts and pipes)."""
    started = time.monotonic()
    if not (big and stderr_is_tty()):
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
