"""The demo's sample pages, re-dated to the day the demo runs.

The bundled pages were written for a demo whose second day is DAY_TWO_WRITTEN; `shift_dates`
moves every date they print (ISO with plain or non-breaking hyphens, "January 20, 2027",
"November 10th, 2026", RFC 822 "Tue, 03 Nov 2026 10:00:00 GMT" with its weekday) by the same
number of days, so what the demo prints stays true when it is browsed afterwards and its
records are never all in the past.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

DAY_TWO_WRITTEN = dt.date(2026, 11, 25)
MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}
ABBREVIATIONS = {name: number for number, name in enumerate(calendar.month_abbr) if name}

_ISO = re.compile(r"(\d{4})(-|&#8209;|\u2011)(\d{2})\2(\d{2})")
_MONTH_NAMES = "|".join(MONTHS)
_MONTH_ABBRS = "|".join(ABBREVIATIONS)
_LONG = re.compile(rf"\b({_MONTH_NAMES}) (\d{{1,2}})(st|nd|rd|th)?, (\d{{4}})\b")
_RFC822 = re.compile(rf"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{{2}}) ({_MONTH_ABBRS}) (\d{{4}})\b")
_SUFFIX = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def shift_dates(text: str, days: int) -> str:
    """`text` with every date it prints moved by `days` days."""
    if not days:
        return text
    step = dt.timedelta(days=days)

    def iso(match: re.Match[str]) -> str:
        year, dash, month, day = match.groups()
        moved = dt.date(int(year), int(month), int(day)) + step
        return f"{moved.year:04d}{dash}{moved.month:02d}{dash}{moved.day:02d}"

    def long(match: re.Match[str]) -> str:
        month, day, suffix, year = match.groups()
        moved = dt.date(int(year), MONTHS[month], int(day)) + step
        ending = _SUFFIX.get(moved.day, "th") if suffix else ""
        return f"{calendar.month_name[moved.month]} {moved.day}{ending}, {moved.year}"

    def rfc822(match: re.Match[str]) -> str:
        _, day, month, year = match.groups()
        moved = dt.date(int(year), ABBREVIATIONS[month], int(day)) + step
        return moved.strftime("%a, %d %b %Y")  # C locale names, as RFC 822 wants

    return _RFC822.sub(rfc822, _LONG.sub(long, _ISO.sub(iso, text)))


def demo_days(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The demo's two days: yesterday and today, 07:00 UTC."""
    day_two = dt.datetime.combine(today, dt.time(7, 0), tzinfo=dt.UTC)
    return day_two - dt.timedelta(days=1), day_two
