"""RSS / Atom (feedparser) -> Document: each entry is one notice.

JSON Feed and other JSON (model lists with lifecycle keys) go to `json_feed`; entry bodies
become blocks through `entries`. This module (and feedparser) is imported on the first
RSS/Atom page only.

feedparser is always given bytes in memory, never a URL or path, so parsing does no I/O.
"""

from __future__ import annotations

import io
import logging
import time

import feedparser

from pipeline.parse.document import Document, Notice
from pipeline.parse.entries import content_blocks
from pipeline.parse.registry import PARSERS

log = logging.getLogger(__name__)


def _iso(struct: time.struct_time | None) -> str | None:
    if not struct:
        return None
    try:
        return time.strftime("%Y-%m-%d", struct)
    except (TypeError, ValueError):
        return None


@PARSERS.register("rss", "atom")
def parse_feed(text: str, url: str | None = None) -> Document:
    stream = io.BytesIO(text.encode("utf-8"))
    parsed = feedparser.parse(
        stream, response_headers={"content-type": "application/xml; charset=utf-8"}
    )
    warnings: list[str] = []
    if parsed.get("bozo") and not parsed.entries:
        warnings.append(f"feed not well-formed: {parsed.get('bozo_exception')!s}"[:200])
    feed_title = str(parsed.feed.get("title", ""))
    notices = []
    for entry in parsed.entries:
        title = " ".join(str(entry.get("title", "")).split())
        content = ""
        if entry.get("content"):
            content = " ".join(str(c.get("value", "")) for c in entry["content"])
        if not content:
            content = str(entry.get("summary", "") or entry.get("description", ""))
        published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        notices.append(
            Notice(
                headings=(title,) if title else (),
                blocks=content_blocks(content),
                link=str(entry.get("link")) if entry.get("link") else None,
                published=published,
            )
        )
    fmt = "atom" if parsed.get("version", "").startswith("atom") else "rss"
    return Document(
        fmt=fmt, url=url, title=feed_title, notices=tuple(notices), warnings=tuple(warnings)
    )
