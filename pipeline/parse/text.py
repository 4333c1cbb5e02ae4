"""Plain text and news articles -> Document: paragraphs split on blank lines.

Optional YAML front matter gives the title, url and publication date; `#` lines and short
title-like lines followed by a blank line are headings.
"""

from __future__ import annotations

import re

from pipeline.parse.document import Document, Notice, Text
from pipeline.parse.frontmatter import split_front_matter
from pipeline.parse.registry import PARSERS

_PARA = re.compile(r"\n[ \t]*\n")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")


@PARSERS.register("text")
def parse_text(text: str, url: str | None = None) -> Document:
    meta, body, warnings = split_front_matter(text.replace("\r\n", "\n"))
    title = str(meta.get("title") or "")
    published = meta.get("date") or meta.get("published")
    notices: list[Notice] = []
    headings: tuple[str, ...] = (title,) if title else ()
    blocks: list[Text] = []
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
