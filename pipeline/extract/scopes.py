"""Scopes: what a notice hands down to the blocks under it (the scopes pass).

A notice's own date (a feed entry's, a dated heading's, or its month's), the shutdown a
heading states ("legacy models removed May 14, 2026"), the section heading that leads its
lists, the scope a lead paragraph gives the tables beneath it ("Effective D, all models listed
below will be removed") or a page banner gives every later section ("... listed on this
page"), a date in the page's address, and which headings are a page's own change log.
`records` walks the sections with these; nothing here makes a candidate.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from pipeline.core.text_guard import may_contain
from pipeline.extract.context import DocContext
from pipeline.extract.cues import FLOOR, announces_deprecation
from pipeline.extract.dates import MONTH_ONLY, MONTHS, find_dates, make_date
from pipeline.extract.prose import unnamed_shutdowns
from pipeline.parse.document import Notice, Table, Text


def date_of_notice(notice: Notice) -> dt.date | None:
    if notice.published:
        found = find_dates(notice.published)
        if found:
            return found[0].date
    for heading in reversed(notice.headings):
        found = find_dates(heading)
        if found:
            return found[0].date
    return None


def deprecating_heading(notice: Notice, page_title: str = "") -> str | None:
    """The section's own heading when it (not only the page title) announces a deprecation,
    with a shutdown verb or date ("Models retiring on May 30, 2026", "Deprecated models").
    A page whose title sits in front matter has sections of one heading level: their one
    heading is still the section's own."""
    if not notice.headings or (
        len(notice.headings) < 2 and (not page_title or notice.headings[0] == page_title)
    ):
        return None
    heading = notice.headings[-1]
    if not announces_deprecation(heading) or HISTORY.search(heading):
        return None
    return heading


# A changelog entry's own page often states its date only in its address:
# ".../changelog/2025/7/14", ".../blog/2026-03-02-retiring-x".
_URL_DATE = re.compile(
    r"/(?P<year>20\d\d)(?P<sep>[/-])(?P<mon>[01]?\d)(?P=sep)(?P<day>[0-3]?\d)(?![\d.])"
)


def url_date(url: str | None) -> dt.date | None:
    """The date a page's address carries in its path, if it carries one."""
    m = _URL_DATE.search(urlsplit(url).path) if url else None
    return make_date(int(m.group("year")), int(m.group("mon")), int(m.group("day"))) if m else None


_YEAR = re.compile(r"(?<![\d.:/-])(20[1-4]\d)(?![\d.:-])")
_URL_YEAR = re.compile(r"/(20[1-4]\d)(?:/|$)")


def page_context(url: str | None, title: str) -> dt.date | None:
    """What gives a year-less day ("On May 15 ...") its year when no entry is dated: the date
    in the page's address, else the one year its title or address states ("Model retirements,
    2026", ".../blog/2026/retirements"), as January 1 of that year."""
    dated = url_date(url)
    if dated:
        return dated
    years = set(_YEAR.findall(title)) | set(_URL_YEAR.findall(urlsplit(url).path if url else ""))
    return dt.date(int(years.pop()), 1, 1) if len(years) == 1 else None


def month_context(notice: Notice) -> dt.date | None:
    """The first day of an entry's month when it is dated by month only ("April 2024")."""
    for text in (notice.published or "", *reversed(notice.headings)):
        m = MONTH_ONLY.search(text)
        if m:
            return dt.date(int(m.group("year")), MONTHS[m.group("mon").lower().rstrip(".")], 1)
    return None


# A heading that states when models go away: "legacy models removed May 14, 2026",
# "Retiring on 2027-01-31" (a date *after* a shutdown verb; "2026-04-22: Legacy models" is an
# announcement date instead).
_HEADING_SHUTDOWN = re.compile(
    r"\b(?:remov|retir|shut\s*down|shutting|sunset|discontinu|decommission|end of life|offline|"
    r"deprecat\w*\s+(?=on\b|after\b|from\b|starting\b|effective\b))"
    r"\w*\b(?P<tail>.*)$",
    re.IGNORECASE,
)


def heading_shutdown_date(headings: tuple[str, ...]) -> dt.date | None:
    for heading in reversed(headings):
        m = _HEADING_SHUTDOWN.search(heading)
        if m:
            found = find_dates(m.group("tail"))
            if found:
                return found[0].date
    return None


# A lead that points at what follows: "the models listed below", "the following models", "this
# table", or a sentence ending in a colon.
_POINTS_DOWN = re.compile(
    r"\b(?:below|following|listed|these models|this table|the table)\b|[:：]\s*$|以下|下表|如下|"
    r"\b(?:on|in) this (?:page|document|guide)\b|本页|本頁|このページ",
    re.IGNORECASE,
)


# ... and one that reaches the sections after it, not only its own section's tables
BELOW = re.compile(
    r"\bbelow\b|\b(?:on|in) this (?:page|document|guide)\b|\blisted here\b|以下|下表|如下|"
    r"本页|本頁|このページ",
    re.IGNORECASE,
)
# Every alternative of BELOW contains one of these (lowercased) pieces.
_BELOW_PIECES = (
    "below",
    "this ",
    "listed here",
    "以下",
    "下表",
    "如下",
    "本页",
    "本頁",
    "このページ",
)


# "all previous-generation models", "all of the legacy models": a class of models named by
# a quantifier. On a page whose title names that class ("Previous-generation languages and
# models") the class is the page's own subject, so the sentence covers every model it lists.
_ALL_OF_CLASS = re.compile(
    r"\ball (?:of )?(?:the |our )?(?P<cls>[\w-]+(?: [\w-]+)?) models\b", re.IGNORECASE
)


def names_page_class(text: str, page_title: str) -> bool:
    title = page_title.lower()
    return bool(title) and any(
        m.group("cls").lower() in title for m in _ALL_OF_CLASS.finditer(text)
    )


def reaches_below(text: str, page_title: str = "") -> bool:
    """A lead whose scope reaches the sections after it, not only its own section's tables:
    "the models listed below", "on this page", or the page's own class of models."""
    below = may_contain(text, _BELOW_PIECES) and bool(BELOW.search(text))
    return below or names_page_class(text, page_title)


Scope = tuple[dt.date, str]


def lead_scope(block: Text, ctx: DocContext, page_title: str = "") -> Scope | None:
    """The (date, kind) a paragraph gives the tables under it: a sentence that announces a
    dated shutdown of what follows (or of the page's own class of models) and names no model
    itself."""

    def points_down(sentence: str) -> bool:
        return bool(_POINTS_DOWN.search(sentence)) or names_page_class(sentence, page_title)

    if not points_down(block.text):
        return None
    return next(unnamed_shutdowns(block.text, ctx, where=points_down), None)


def scope_of_headings(headings: tuple[str, ...]) -> Scope | None:
    date = heading_shutdown_date(headings)
    if date is None:
        return None
    return date, "earliest" if any(FLOOR.search(h) for h in headings) else "firm"


# Headings of a page's own change log ("Retirement and deprecation history", "Change log",
# "Revision history", "What's new", "Document updates").
HISTORY = re.compile(
    r"\bhistory\b|\bchange ?log\b|\brevisions?\b|\bwhat'?s new\b|"
    r"\b(?:document|page) (?:changes|updates)\b|\bupdates to this (?:page|document)\b",
    re.IGNORECASE,
)


def is_change_log(notice: Notice) -> bool:
    """A prose-only section under a change-log heading (not the page title)."""
    return any(HISTORY.search(h) for h in notice.headings[1:]) and not any(
        isinstance(b, Table) for b in notice.blocks
    )
