"""JSON -> Document: a JSON Feed 1.x (each item one notice), or else a generic JSON list of
model entries (`json_models`)."""

from __future__ import annotations

import json
from typing import Any

from pipeline.parse.document import Document, Notice
from pipeline.parse.entries import content_blocks
from pipeline.parse.json_models import parse_model_list
from pipeline.parse.registry import PARSERS

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
        blocks = content_blocks(str(html or item.get("content_text") or item.get("summary") or ""))
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
