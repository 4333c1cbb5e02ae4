"""Plain text and news articles -> Document: paragraphs split on blank lines.

Optional YAML front matter gives the title, url and publication date; `#` lines and short
title-like lines followed by a blank line are headings. A paragraph whose lines split into the
same number of cells at tabs (or at runs of two or more spaces, aligned columns) is a table,
its first line the header: text copies of pages keep their tables that way.
"""

from __future__ import annotations

import re

from pipeline.parse.document import Block, Document, Notice, Table, Text
from pipeline.parse.frontmatter import split_front_matter
from pipeline.parse.registry import PARSERS

_PARA = re.compile(r"\n[ \t]*\n")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")
_TAB = re.compile(r"\t+")
_ALIGNED = re.compile(r" {2,}|\t+")


def text_table(raw: str) -> Table | None:
    """A paragraph of tab-separated (or space-aligned) columns, read as a table."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    splitter = _TAB if all("\t" in line for line in lines) else _ALIGNED
    cells = [tuple(c.strip() for c in splitter.split(line)) for line in lines]
    width = len(cells[0])
    if width < 2 or any(len(row) != width for row in cells):
        return None
    if any(len(h) > 40 for h in cells[0]) or (splitter is _ALIGNED and len(lines) < 3):
        return None  # prose with double spaces after its full stops is not a table
    return Table(header=cells[0], rows=tuple(cells[1:]), raw_rows=tuple(lines[1:]))


@PARSERS.register("text")
def parse_text(text: str, url: str | None = None) -> Document:
    meta, body, warnings = split_front_matter(text.replace("\r\n", "\n"))
    title = str(meta.get("title") or "")
    published = meta.get("date") or meta.get("published")
    notices: list[Notice] = []
    headings: tuple[str, ...] = (title,) if title else ()
    blocks: list[Block] = []
    for para in _PARA.split(body):
        raw = para.strip()
        if not raw:
            continue
        heading = _HEADING.match(raw)
        if heading and "\n" not in raw:
            if blocks:
                notices.append(Notice(headings=headings, blocks=tuple(blocks)))
                blocks = []
            headings = (*headings[:1], heading.group(1)) if title else (heading.group(1),)
            continue
        table = text_table(raw)
        if table is not None:
            blocks.append(table)
            continue
        kind = "li" if raw.startswith(("- ", "* ", "• ")) else "p"
        blocks.append(Text(text=" ".join(raw.split()), raw=raw, kind=kind))
    if blocks:
        notices.append(Notice(headings=headings, blocks=tuple(blocks)))
    return Document(
        fmt="text",
        url=url or (str(meta["url"]) if meta.get("url") else None),
        title=title,
        notices=tuple(
            Notice(
                headings=n.headings,
                blocks=n.blocks,
                published=str(published)[:10] if published else None,
            )
            for n in notices
        ),
        warnings=tuple(warnings),
    )
