"""RSS / Atom (feedparser) and JSON Feed -> Document: each entry is one notice.

Other JSON (model lists with lifecycle keys) goes to `json_models`.

feedparser is always given bytes in memory, never a URL or path, so parsing does no I/O.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from typing import Any

import feedparser

from pipeline.parse.document import Block, Document, Notice, Table, Text
from pipeline.parse.html import parse_html
from pipeline.parse.json_models import parse_model_list
from pipeline.parse.registry import PARSERS

log = logging.getLogger(__name__)


def _iso(struct: time.struct_time | None) -> str | None:
    if not struct:
        return None
    try:
        return time.strftime("%Y-%m-%d", struct)
    except (TypeError, ValueError):
        return None


_KEY_VALUE = re.compile(r"^\s*([A-Z][\w /()-]{1,40}):\s+(\S.*?)\s*$")


_CHANGE_ARROW = re.compile(r"\s*(?:→|->|=>|⟶)\s*")


def _current_value(value: str) -> str:
    """A change feed's "'old' → 'new'" value is its new value (the current truth)."""
    parts = _CHANGE_ARROW.split(value)
    return parts[-1].strip().strip("'\"‘’“”") if len(parts) > 1 else value


def _plain_blocks(text: str) -> tuple[Block, ...]:
    """Plain-text entry bodies; runs of "Key: value" lines become a one-row table."""
    keys: list[str] = []
    values: list[str] = []
    blocks: list[Block] = []
    for line in text.splitlines():
        match = _KEY_VALUE.match(line)
        if match:
            keys.append(match.group(1))
            values.append(_current_value(match.group(2)))
        elif line.strip():
            blocks.append(Text(text=" ".join(line.split()), raw=line.strip()))
    if len(keys) >= 2 or (keys and not blocks):  # a lone "Field: value" entry is a record
        raw = " | ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True))
        blocks.insert(0, Table(header=tuple(keys), rows=(tuple(values),), raw_rows=(raw,)))
    elif keys:
        blocks.insert(0, Text(text=f"{keys[0]}: {values[0]}"))
    return tuple(blocks)


def _content_blocks(html: str) -> tuple[Block, ...]:
    if "<" not in html:
        return _plain_blocks(html)
    doc = parse_html(f"<html><body><main>{html}</main></body></html>")
    return tuple(block for notice in doc.notices for block in notice.blocks)


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
                blocks=_content_blocks(content),
                link=str(entry.get("link")) if entry.get("link") else None,
                published=published,
            )
        )
    fmt = "atom" if parsed.get("version", "").startswith("atom") else "rss"
    return Document(
        fmt=fmt, url=url, title=feed_title, notices=tuple(notices), warnings=tuple(warnings)
    )


_FEED_ITEM_KEYS = ("content_html", "content_text", "date_published", "date_modified")


def _is_json_feed(data: Any, items: Any) -> bool:
    if not isinstance(items, list):
        return False
    if "jsonfeed.org" in str(data.get("version") or ""):
        return True
    return any(isinstance(i, dict) and any(k in i for k in _FEED_ITEM_KEYS) for i in items)


@PARSERS.register("json")
def parse_json_feed(text: str, url: str | None = None) -> Document:
    """JSON Feed 1.x (`items` with title, url, date_published, content_html/text), or else a
    generic JSON list of model entries (`json_models`)."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return Document(fmt="json", url=url, warnings=(f"invalid JSON: {exc.msg}",))
    items = data.get("items") if isinstance(data, dict) else None
    if not _is_json_feed(data, items):
        return parse_model_list(data, url)  # a generic list of model entries
    assert isinstance(items, list)
    notices = []
    for item in items:
        if not isinstance(item, dict):
            continue
        title = " ".join(str(item.get("title") or "").split())
        html = item.get("content_html") or ""
        blocks = _content_blocks(str(html or item.get("content_text") or item.get("summary") or ""))
        date = str(item.get("date_published") or item.get("date_modified") or "")[:10] or None
        notices.append(
            Notice(
                headings=(title,) if title else (),
                blocks=blocks,
                link=item.get("url"),
                published=date,
            )
        )
    return Document(fmt="json", url=url, title=str(data.get("title") or ""), notices=tuple(notices))
