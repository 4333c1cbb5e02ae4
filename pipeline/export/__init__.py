"""Feeds out: deprecation events as RSS 2.0, JSON Feed 1.1 and iCalendar.

This package owns `sunset export`'s output (`export_feed`). It reads the store (records,
record_changes, exposures) and renders bytes; it never writes. `events` turns rows into feed
items with text that is safe to embed, `feeds` renders RSS and JSON Feed, `ics` the calendar.

A stage: it may import `storage` and `pipeline.core`; never another stage (`sources`,
`usage`, `alerts`) nor `ops` or `cli` (`.importlinter`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import sqlite_utils

from pipeline.export.events import aware, clean_text, feed_items
from pipeline.export.feeds import render_jsonfeed, render_rss
from pipeline.export.ics import render_ics

__all__ = ["FORMATS", "Format", "clean_text", "export_feed"]

Format = Literal["rss", "jsonfeed", "ics"]
FORMATS: tuple[Format, ...] = ("rss", "jsonfeed", "ics")


def export_feed(
    db: sqlite_utils.Database,
    fmt: Format,
    *,
    team: str | None = None,
    lead_days: Sequence[int] = (90, 30, 7, 1),
    now: dt.datetime,
    base_url: str | None = None,
    feed_url: str | None = None,
) -> bytes:
    """Render the store's deprecation events (or, for `ics`, dated shutdowns) as `fmt`.

    `team` restricts everything to records the team is actively exposed to; `lead_days` are
    the calendar's reminder alarms (the caller passes the team's own). `now` stamps the
    output, so two exports of an unchanged store with the same `now` are byte-identical.
    `base_url` is the public page the feed belongs to and `feed_url` where the feed itself is
    published (JSON Feed `feed_url`); without them no placeholder host is invented.
    """
    now = aware(now)
    if fmt == "rss":
        return render_rss(feed_items(db, team, now), team=team, now=now, base_url=base_url)
    if fmt == "jsonfeed":
        return render_jsonfeed(
            feed_items(db, team, now), team=team, base_url=base_url, feed_url=feed_url
        )
    if fmt == "ics":
        return render_ics(db, team=team, lead_days=lead_days, now=now)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
