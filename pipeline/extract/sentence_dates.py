"""The dates a sentence or an entry gives its models: which date a shutdown word
governs, each mention's own date in a sentence with several, the announcement date, an item
that states its date elsewhere, a removal "now" dated by its entry, and a paragraph that is
(or opens with) its entry's date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from pipeline.extract.candidate import Candidate
from pipeline.extract.clauses import date_argument
from pipeline.extract.context import DocContext
from pipeline.extract.cues import (
    ANNOUNCE_VERB,
    FLOOR,
    announces_deprecation,
    sentences,
)
from pipeline.extract.dates import (
    MONTH_DAY,
    ZH_DONE,
    FoundDate,
    find_dates,
    month_day,
)
from pipeline.extract.model_ids import (
    Mention,
)

SHUTDOWN_BEFORE = re.compile(
    r"\b(?:retir\w*|shut\s*(?:down|off)|remov\w*|sunset\w*|discontinu\w*|decommission\w*|"
    r"turn(?:ed)? off|unavailable|offline|stop\w*|end[- ]of[- ]life)\b[^.;]*$",
    re.IGNORECASE,
)


# Cues just before or after a mention or date are looked for within this many characters, so
# checking every mention of a long text costs its length once, not once per mention.
WINDOW = 300


def text_before(text: str, end: int) -> str:
    return text[max(0, end - WINDOW) : end]


def announcement_date(text: str) -> dt.date | None:
    """'On June 10th, 2025, we notified ...' -> 2025-06-10."""
    for found in find_dates(text):
        if ANNOUNCE_VERB.match(text[found.end : found.end + WINDOW]):
            return found.date
    return None


def date_slots(
    sentence: str, dates: list[FoundDate], mentions: list[Mention]
) -> list[tuple[int, dt.date | None, str]]:
    """When a sentence pairs models with their own dates ("`a` will be shut down on June 6th,
    2025 and `b` on December 6th", "`x` from 2026-09-27, `y` from 2025-12-15"), the
    (position, date, text) of each date expression, else []. A year-less day is a slot too,
    so it is never given the year-ful date of another model."""
    slots: list[tuple[int, dt.date | None, str]] = [(f.start, f.date, f.text) for f in dates]
    taken = [(f.start, f.end) for f in find_dates(sentence)]
    for m in MONTH_DAY.finditer(sentence):
        if not any(a <= m.start() < b for a, b in taken):
            slots.append((m.start(), None, m.group(0)))
    slots.sort()
    if len(slots) < 2 or len(mentions) < 2 or not any(m.start > slots[0][0] for m in mentions):
        return []
    return slots


def mention_date(
    slots: list[tuple[int, dt.date | None, str]], mention: Mention, context: dt.date | None
) -> dt.date | None:
    """The first date expression after the mention (the last one for a trailing mention)."""
    after = [slot for slot in slots if slot[0] >= mention.end]
    _, date, text = after[0] if after else slots[-1]
    if date is None and context:
        return month_day(text, context)
    return date


def _governed(text: str, found: FoundDate) -> bool:
    """Whether a shutdown verb governs the date (within the 40 characters before it)."""
    return bool(SHUTDOWN_BEFORE.search(text[max(0, found.start - 40) : found.start]))


def shutdown_first(text: str, dates: list[FoundDate]) -> list[FoundDate]:
    """Dates of a sentence, the shutdown first: "announced on Feb 1 ... which will shut down on
    May 1", "will be deprecated on April 1 and retired on June 1". A date a shutdown verb
    governs comes first and one that dates an announcement ("On X, we announced") last."""
    if len(dates) < 2:
        return dates

    def rank(f: FoundDate) -> tuple[bool, bool]:
        announced = bool(ANNOUNCE_VERB.match(text[f.end :]))
        governed = _governed(text, f)
        return (announced, not governed)

    return sorted(dates, key=rank)


def date_from_item(text: str, candidates: list[Candidate], first: int) -> None:
    """A list item is one statement about its model: "ember-1: Deprecated. Shutdown date:
    14 August 2026." dates the item's undated candidates with the date a shutdown word
    governs elsewhere in the item."""
    mine = candidates[first:]
    if not mine or any(c.shutdown_date for c in mine):
        return
    governed = [
        f for f in find_dates(text) if _governed(text, f) and not ANNOUNCE_VERB.match(text[f.end :])
    ]
    if governed:
        kind = "earliest" if FLOOR.search(text) else "firm"
        candidates[first:] = [
            replace(c, shutdown_date=governed[0].date, shutdown_kind=kind) for c in mine
        ]


# "We've retired X. All requests to this model will now return an error.": "now" anchors the
# removal to the entry's own date, so the entry date is the shutdown. Without such an anchor
# ("X has been discontinued") the text does not say when access ended and nothing is dated.
# The provider reporting its own act in the entry ("We've retired X", "We have shut down X")
# is such an anchor: the act is the entry's news, done as of its day.
REMOVED_NOW = re.compile(
    r"\b(?:will\s+)?now\s+(?:return|fail|respond\s+with|result\s+in)\b|"
    r"\bwe(?:'ve|’ve|\s+have)\s+(?:now\s+)?(?:retired|removed|shut\s+down|turned\s+off|"
    r"decommissioned)\b|"
    r"\b(?:as\s+of|effective)\s+(?:today|immediately)\b|"
    r"\bno\s+longer\s+(?:available|accessible|served)\s+(?:as\s+of\s+)?(?:today|immediately)\b",
    re.IGNORECASE,
)


_PAST_REMOVAL = re.compile(
    r"\b(?:ha(?:s|ve)|we'?ve|'ve)\s+(?:now\s+)?(?:been\s+)?"
    r"(?:retired|removed|discontinued|shut\s+down|sunset|decommissioned|turned\s+off)\b|"
    r"\b(?:is|are)\s+now\s+(?:retired|removed|discontinued|shut\s+down|offline)\b|"
    r"\b(?:is|are)\s+(?:now\s+)?no\s+longer\s+(?:available|accessible|served|supported)\b",
    re.IGNORECASE,
)


def dated_by_entry(text: str, candidates: list[Candidate], first: int, entry: dt.date) -> None:
    """Undated removals of this paragraph, said to have happened now (in the removal's own
    sentence or the one right after it), end on the entry date."""
    said = list(sentences(text))
    anchored = {
        sentence
        for i, sentence in enumerate(said)
        if any(REMOVED_NOW.search(s) for s in said[i : i + 2])
    }
    candidates[first:] = [
        replace(
            c,
            shutdown_date=entry,
            shutdown_kind="firm",
            status="retired",
            rule=f"{c.rule}, removed 'now': dated by its entry",
        )
        if c.shutdown_date is None and c.evidence in anchored and _PAST_REMOVAL.search(c.evidence)
        else c
        for c in candidates[first:]
    ]


def status_of_sentence(sentence: str) -> str | None:
    """'retired' when the sentence says it already happened, else None (decided by date)."""
    past = re.search(
        r"no longer(?! (?:available|offered) (?:to|for) new)|"
        r"(?:has been|have been|\bwas|\bwere)(?! (?:deprecated|announced|marked|postponed|"
        r"pushed|moved|delayed|extended|rescheduled|deferred|shifted|changed|updated|planned|"
        r"scheduled|originally|initially)\b)|"
        r"\bremoved\b|" + ZH_DONE,
        sentence,
        re.IGNORECASE,
    )
    future = re.search(r"\bwill\b|将", sentence, re.IGNORECASE)
    return "retired" if past and not future else None


def unnamed_shutdowns(
    text: str,
    ctx: DocContext,
    context: dt.date | None = None,
    where: Callable[[str], object] = bool,
) -> Iterator[tuple[dt.date, str]]:
    """(date, kind) of each sentence (passing `where`) that announces a dated shutdown
    without naming a model: "On March 23rd, we will discontinue the Codex API", "Effective D,
    all models listed below will be removed". Such a date governs what the section lists."""
    for sentence in sentences(text):
        if not where(sentence) or not announces_deprecation(sentence) or ctx.ids(sentence):
            continue
        date, kind = date_argument(sentence, context)
        if date:
            yield date, kind


# "**November 3, 2026** — We deprecated ...", "2026-11-03: Added ...": a paragraph that opens
# with its own date, set off by a dash or a colon, is a dated entry (like a dated heading)
_ENTRY_SEPARATOR = re.compile(r"^[*_`]*\s*(?:[—–-]|:)\s+")


def only_a_date(text: str) -> bool:
    found = find_dates(text) if len(text) < 40 else []
    return len(found) == 1 and not (text[: found[0].start] + text[found[0].end :]).strip(" *_`.")


def entry_date_of(text: str) -> tuple[dt.date | None, str]:
    """(the entry's date, the text after it) when the paragraph opens with its date and goes
    on to state a date of its own; without one ("2027-01-31: `x-1` is removed") the opening
    date is the one the statement has, and stays in it."""
    found = find_dates(text[:40])
    if not found or text[: found[0].start].strip("*_` "):
        return None, text
    rest = _ENTRY_SEPARATOR.match(text[found[0].end :])
    body = text[found[0].end + rest.end() :] if rest else ""
    if not rest or not find_dates(body):
        return None, text
    return found[0].date, body
