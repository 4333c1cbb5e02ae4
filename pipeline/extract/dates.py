"""Date grammar: an ordered chain of small regex parsers, no guessing.

Recognised: ISO `2027-01-20` (any Unicode dash), `2027/01/20`, `Jan 20, 2027`,
`January 20th, 2027`, `Jan. 20, 2027`, `20 January 2027`, `2025年7月14日`, `2026.6.30`,
`31-Jan-2027`, `2027년 1월 31일`, `31.01.2027` / `31/01/2027` / `01/31/2027` (a numeric
day and month only when one of them is above 12, so the order is certain), and US
`04/14/25` / `4/14/2025` where the caller allows it (tables) or where the page itself writes
month-first (`in_month_first_order`: "March 20, 2026", never "20 March 2026"). Month-only
("October 2025") and relative dates ("in six months") give nothing. Years outside a
plausible window are rejected (the real typo "2525/06/06"). `find_dates` returns every date in
a text with its span.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from pipeline.core.text_guard import may_contain

DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"
MIN_YEAR, MAX_YEAR = 2015, 2040

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "iso",
        re.compile(
            rf"(?<![\w/.{DASH}])(?P<year>\d{{4}})[{DASH}](?P<mon>\d{{1,2}})"
            rf"[{DASH}](?P<day>\d{{1,2}})(?!(?!T\d)[\w{DASH}])"
        ),
    ),
    (
        "ymd_slash",
        re.compile(r"(?<![\w/])(?P<year>\d{4})/(?P<mon>\d{1,2})/(?P<day>\d{1,2})(?![\w/])"),
    ),
    (
        "ymd_dot",  # 2026.6.30: a four-digit year first is unambiguous
        re.compile(r"(?<![\w.])(?P<year>\d{4})\.(?P<mon>\d{1,2})\.(?P<day>\d{1,2})(?![\w]|\.\d)"),
    ),
    ("zh", re.compile(r"(?P<year>\d{4})\s*年\s*(?P<mon>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]")),
    ("ko", re.compile(r"(?P<year>\d{4})\s*년\s*(?P<mon>\d{1,2})\s*월\s*(?P<day>\d{1,2})\s*일")),
    (
        "dmy_dash",  # 31-Jan-2027, 31/Jan/2027: a month name makes the order certain
        re.compile(rf"(?<![\w{DASH}/])(?P<day>[0-3]?\d)([{DASH}/]){_MONTH}\2{_YEAR}\b", re.I),
    ),
    ("mdy", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE)),
    ("dmy", re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE)),
]
# "31.01.2027": day.month.year is read only when it cannot be month.day.year, i.e. the day
# is above 12 ("31.01.2027" -> 2027-01-31). "05.01.2027" could be May 1 or January 5 and
# gives no date: a wrong date is worse than none.
DMY_DOT = re.compile(r"(?<![\w.])(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>\d{4})(?![\w]|\.\d)")
# "31/01/2027" or "01/31/2027" in prose: read only when one number is above 12.
SLASH_EITHER = re.compile(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})(?![\d/])")
US_PATTERN = re.compile(
    r"(?<![\d/.])(?P<mon>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{2}|\d{4})(?![\d/])"
)
# A day without a year ("November 12:", "December 2nd") - the caller supplies the year.
MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s*\d{{4}})(?!\s*\d)", re.IGNORECASE)
# The day-first order ("15th July", "on 3 March"), equally without a year.
DAY_MONTH = re.compile(
    rf"(?<![\w.,{DASH}])(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b(?!,?\s*\d)",
    re.IGNORECASE,
)
MONTH_ONLY = re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE)
_MONTH_FIRST_FORM = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*(?:st|nd|rd|th)?\s*[:.]\d)", re.I)
_DIGIT = re.compile(r"\d")
_MONTH_PIECES = tuple(name for name in MONTHS if len(name) == 3)  # every month name has one
_DAY_FIRST = re.compile(rf"(?<![\w.,{DASH}/])\b{_DAY}(?:\s+of)?\s+{_MONTH}\b", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    date: dt.date
    start: int
    end: int
    text: str


def _month(value: str) -> int | None:
    if value.isdigit():
        return int(value)
    return MONTHS.get(value.lower().rstrip("."))


def make_date(year: int, month: int | None, day: int) -> dt.date | None:
    """A real, plausible calendar date or None."""
    if month is None or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _certain_order(a: int, b: int) -> tuple[int, int | None]:
    """(day, month) of "a/b/yyyy" when only one order is a calendar date, else (0, None)."""
    if a > 12 >= b >= 1:
        return a, b
    if b > 12 >= a >= 1:
        return b, a
    return 0, None


# Whether the document being read writes month-first, so that its "8/12/2024" is August 12.
# Set for one document by `in_month_first_order`; a writer keeps one order within a page.
_MONTH_FIRST: ContextVar[bool] = ContextVar("month_first", default=False)


def writes_month_first(texts: Iterable[str]) -> bool:
    """True when the texts write dates month-first ("March 20, 2026", "May 14") at least
    twice and never day-first ("20 March 2026", "14 May"), and no numeric date is certainly
    day-first ("31/01/2027")."""
    month_first = 0
    for text in texts:
        if not _DIGIT.search(text):
            continue  # every pattern below needs a digit
        for m in SLASH_EITHER.finditer(text) if "/" in text else ():
            if int(m.group("a")) > 12 >= int(m.group("b")):
                return False
        if not may_contain(text, _MONTH_PIECES):
            continue  # the two patterns below need a month name
        if any(m.group("mon")[0].isupper() for m in _DAY_FIRST.finditer(text)):
            return False
        month_first += sum(m.group("mon")[0].isupper() for m in _MONTH_FIRST_FORM.finditer(text))
    return month_first >= 2


@contextmanager
def in_month_first_order(month_first: bool) -> Iterator[None]:
    token = _MONTH_FIRST.set(month_first)
    try:
        yield
    finally:
        _MONTH_FIRST.reset(token)


def find_dates(text: str, *, us_numeric: bool = False) -> list[FoundDate]:
    """All full dates in `text`, in order of appearance; overlapping matches dropped."""
    return list(_find_dates(text, us_numeric or _MONTH_FIRST.get()))


_TWO_DIGITS = re.compile(r"\d\d")  # every full-date pattern needs a year of 2 digits or more
_FOUR_DIGITS = re.compile(r"\d{4}")  # every one of PATTERNS needs a four-digit year
_DASH_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2212"  # the characters of DASH
_NEEDS = {  # a character each pattern cannot match without (a cheap test before the regex)
    "iso": _DASH_CHARS,
    "ymd_slash": "/",
    "ymd_dot": ".",
    "zh": "年",
    "ko": "년",
    "dmy_dash": _DASH_CHARS + "/",
    "dmy_dot": ".",
    "us": "/",
    "slash_either": "/",
}


@lru_cache(maxsize=8192)
def _find_dates(text: str, us_numeric: bool) -> tuple[FoundDate, ...]:
    # the passes ask about the same sentences and cells several times: answer once
    if not _TWO_DIGITS.search(text):
        return ()  # most sentences: none of the patterns below can match
    found: list[FoundDate] = []
    taken = bytearray(len(text))  # 1 where a date was already found: linear, not pairwise
    patterns = list(PATTERNS) if _FOUR_DIGITS.search(text) else []  # each needs a year
    patterns.append(("dmy_dot", DMY_DOT))
    if us_numeric:
        patterns.append(("us", US_PATTERN))
    patterns.append(("slash_either", SLASH_EITHER))
    for _name, pattern in patterns:
        if _name in _NEEDS and not any(c in text for c in _NEEDS[_name]):
            continue  # a character the pattern needs is missing: it cannot match
        for m in pattern.finditer(text):
            if taken.find(1, m.start(), m.end()) != -1:
                continue
            if _name == "dmy_dot" and int(m.group("day")) <= 12:
                continue  # ambiguous day.month order
            year = int(m.group("year"))
            if year < 100:
                year += 2000
            if _name == "slash_either":
                day, month = _certain_order(int(m.group("a")), int(m.group("b")))
                date = make_date(year, month, day) if month else None
            else:
                date = make_date(year, _month(m.group("mon")), int(m.group("day")))
            if date is None:
                continue
            taken[m.start() : m.end()] = b"\1" * (m.end() - m.start())
            found.append(FoundDate(date, m.start(), m.end(), m.group(0)))
    found.sort(key=lambda f: f.start)
    return tuple(found)


def parse_date(text: str, *, us_numeric: bool = False) -> dt.date | None:
    """The first full date in `text`, or None."""
    found = find_dates(text, us_numeric=us_numeric)
    return found[0].date if found else None


# A year-less day in Chinese or Japanese ("3月23日"), not part of a full date ("2025年3月23日").
ZH_MONTH_DAY = re.compile(r"(?<![\d年])(?P<mon>1[0-2]|0?[1-9])\s*月\s*(?P<day>[0-3]?\d)\s*[日号]")


def _day_first(text: str) -> re.Match[str] | None:
    # "2 may be": a lower-case "may" after a number is the verb, not the month
    return next((m for m in DAY_MONTH.finditer(text) if m.group("mon")[0].isupper()), None)


def year_less(text: str) -> re.Match[str] | None:
    """The first day-and-month without a year, in either order ("May 3", "3rd May")."""
    spelled = [m for m in (MONTH_DAY.search(text), _day_first(text)) if m]
    return min(spelled, key=lambda found: found.start()) if spelled else None


# "已" (already) before a verb of deciding or announcing ("已决定于 3 月 31 日下线 X", "已宣布 X
# 将于…") reports the announcement, not the removal: that one is still to come
ZH_DONE = r"已(?:经)?(?!决定|宣布|计划|安排|确定|通知|公布|发布)"
# A removal the text reports as done: its year-less day lies before the entry, not after it.
_DONE = re.compile(
    ZH_DONE + r"|(?:was|were|has been|have been|had been)\s+(?:retired|removed|shut\s*down|"
    r"discontinued|decommissioned|turned off|taken offline|sunset)\b|\bwent offline\b|"
    r"終了しました|廃止されました|停止しました",
    re.IGNORECASE,
)


def reports_done(text: str) -> bool:
    return bool(_DONE.search(text))


_CLAUSE_BREAK = re.compile(r"[,;，；。]")
_FUTURE = re.compile(r"\b(?:will|would|shall)\b|将|予定|します", re.IGNORECASE)


def reports_done_at(text: str, at: int) -> bool:
    """Whether the removal dated at `at` is reported done: its own clause decides ("X, which
    has been removed from the playground, will be shut down on March 31" is still to come;
    "X was retired on July 31, and Y will be ..." is done), the sentence when the clause
    says neither ("On July 31, X was retired")."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, at)), default=0)
    stop = _CLAUSE_BREAK.search(text, at)
    clause = text[start : stop.start() if stop else len(text)]
    if _FUTURE.search(clause):
        return False
    return reports_done(clause) or reports_done(text)


def month_day(text: str, context: dt.date, *, done: bool | None = None) -> dt.date | None:
    """A "November 12", "12th November" (or "11月12日") style date, its year taken from
    `context` (the entry date). The date is the first occurrence on or after the context
    date, within a year; for a removal reported as done (`done`, else read from `text`: "已于
    7 月 31 日停止服务", "was retired on July 31") the last one on or before it.
    """
    m = year_less(text)
    if m:
        month = _month(m.group("mon"))
    else:
        m = ZH_MONTH_DAY.search(text)
        if not m:
            return None
        month = int(m.group("mon"))
    if done is None:
        done = reports_done_at(text, m.start())
    day = int(m.group("day"))
    if done:
        for year in (context.year, context.year - 1):
            date = make_date(year, month, day)
            if date and date <= context:
                return date
        return None
    for year in (context.year, context.year + 1):
        date = make_date(year, month, day)
        if date and date >= context:
            return date
    return None


def has_month_only(text: str) -> bool:
    """True when the text names a month and year but no day ("October 2025")."""
    return bool(MONTH_ONLY.search(text)) and not find_dates(text)
