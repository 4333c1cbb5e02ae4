"""RSS 2.0 (feedgen) and JSON Feed 1.1 (hand-built, https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from feedgen.feed import FeedGenerator

from pipeline.export.events import FeedItem, clean_text, feed_title, json_list

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
DESCRIPTION = "AI model deprecations and shutdown date changes, newest first."
# RSS requires a channel link: the public base URL, else the newest item's source page; this
# reserved host only for an empty feed with neither.
NO_LINK = "https://sunset-watch.invalid/"


def render_rss(
    items: list[FeedItem], *, team: str | None, now: dt.datetime, base_url: str | None
) -> bytes:
    fg = FeedGenerator()
    fg.title(feed_title(team))
    fg.link(href=base_url or next((i.url for i in items if i.url), NO_LINK))
    fg.description(DESCRIPTION)
    fg.language("en")
    fg.generator("Sunset Watch")
    fg.lastBuildDate(now)
    for item in items:
        # feedgen prepends by default, which would reverse our newest-first order.
        entry = fg.add_entry(order="append")
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.description(item.text)
        entry.pubDate(item.published)
        entry.category(term=clean_text(item.record["provider"]))
        if item.url:
            entry.link(href=item.url)
    return fg.rss_str(pretty=True)


def render_jsonfeed(
    items: list[FeedItem], *, team: str | None, base_url: str | None, feed_url: str | None
) -> bytes:
    feed: dict[str, Any] = {"version": JSONFEED_VERSION, "title": feed_title(team)}
    if base_url:
        feed["home_page_url"] = base_url
    if feed_url:
        feed["feed_url"] = feed_url
    feed.update(description=DESCRIPTION, language="en", items=[_json_item(item) for item in items])
    return json.dumps(feed, ensure_ascii=False, indent=2).encode("utf-8")


def _json_item(item: FeedItem) -> dict[str, Any]:
    record = item.record
    # Custom JSON Feed fields must start with an underscore.
    extension: dict[str, Any] = {
        "record_id": record["id"],
        "provider": clean_text(record["provider"]),
        "model": clean_text(record["model"]),
        "kind": clean_text(record.get("kind")),
        "status": clean_text(record.get("status")),
        "shutdown_date": clean_text(record.get("shutdown_date")) or None,
        "shutdown_kind": clean_text(record.get("shutdown_kind")),
        "replacements": json_list(record.get("replacements")),
    }
    if item.change is not None:
        extension["change"] = {
            "id": item.change["id"],
            "field": clean_text(item.change["field"]),
            "old_value": clean_text(item.change["old_value"]) or None,
            "new_value": clean_text(item.change["new_value"]) or None,
        }
    out: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "content_text": item.text,
        "date_published": item.published.isoformat(),
        "tags": [extension["provider"], "change" if item.change else "new"],
        "_sunset_watch": extension,
    }
    if item.url:
        out["url"] = item.url
    return out
