"""iCalendar: one all-day VEVENT per dated, listed model record, with a VALARM per lead day."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import sqlite_utils
from icalendar import Alarm, Calendar, Event

from pipeline.export.events import (
    clean_text,
    describe,
    display_name,
    feed_title,
    http_url,
    rows,
    team_clause,
)
from storage.records import ALERTABLE_SQL

log = logging.getLogger(__name__)

SUMMARY_PREFIX = {"earliest": "Earliest shutdown", "region": "Regional shutdown"}


def render_ics(
    db: sqlite_utils.Database,
    *,
    team: str | None,
    lead_days: Sequence[int],
    now: dt.datetime,
) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Sunset Watch//sunset-watch//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", feed_title(team))
    leads = sorted({int(n) for n in lead_days if int(n) >= 0}, reverse=True)
    where, params = team_clause(team, "id")
    records = rows(
        db,
        "SELECT * FROM records WHERE kind = 'model' AND listed = 1"
        f" AND {ALERTABLE_SQL}"
        f" AND shutdown_date IS NOT NULL{where} ORDER BY shutdown_date, id",
        params,
    )
    for record in records:
        try:
            day = dt.date.fromisoformat(record["shutdown_date"])
        except ValueError:
            log.warning(
                "record %s: unparseable shutdown_date %r", record["id"], record["shutdown_date"]
            )
            continue
        cal.add_component(_vevent(record, day, leads, now))
    return cal.to_ical()


def _vevent(record: dict[str, Any], day: dt.date, leads: list[int], now: dt.datetime) -> Event:
    prefix = SUMMARY_PREFIX.get(clean_text(record.get("shutdown_kind")), "Shutdown")
    summary = f"{prefix}: {display_name(record)}"
    event = Event()
    event.add("uid", f"record-{record['id']}@sunset-watch")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", describe(record))
    # A shutdown is a deadline, not a meeting: don't block anyone's calendar.
    event.add("transp", "TRANSPARENT")
    event.add("categories", [clean_text(record["provider"])])
    url = http_url(record.get("url"))
    if url:
        event.add("url", url)
    for lead in leads:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{summary} in {lead} day{'' if lead == 1 else 's'}")
        alarm.add("trigger", dt.timedelta(days=-lead))
        event.add_component(alarm)
    return event
