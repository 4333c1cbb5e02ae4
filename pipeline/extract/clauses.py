"""The clause reader: one sentence -> who is retired, when, and what replaces it.

A sentence is read as a clause, not searched for cues near each mention:

    clause      := subject-list predicate [date-argument] [replacement-argument]
                 | agent transitive-verb object-list [date-argument] ...   ("We are retiring X")
                 | "Requests to" subject-list failure-predicate date      (the requests' model)
                 | anaphor predicate date   (It / They / These models / 该模型: the subjects of
                                             the previous clause in the same passage)
    subject-list:= mention (glue mention)*   glue: "," "and" "or" "&" "both" "、" "和" "及び"
    date-argument: the date a preposition introduces after the predicate (on, after, past,
                 starting, from, until, through, by, before, no earlier than, effective), or a
                 fronted one ("On D, ...", "Effective D, ..."); a date the shutdown is
                 "postponed / extended / moved to" wins over the one it was "previously
                 planned for".

The predicate lexicon is data, in `clause_lexicon` (`PREDICATE_PHRASES`, `FAILURE_PHRASES`,
`TRANSITIVE_VERBS`): a new phrasing is a line there and a grammar line in
`tests/announcement_grammar.py`.

This pass reads only mentions (`model_ids`), dates and cues; it returns `Clause` facts that
the prose pass turns into candidates. It never decides records by itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from pipeline.extract.clause_lexicon import (
    ALONG_WITH,
    ANAPHOR,
    AUXILIARY,
    FAILURE,
    FOLLOWS,
    NEEDS_DATE,
    NEEDS_DATE_BEFORE,
    PREDICATE,
    PREDICATE_PHRASES,
    REDIRECTED_TO,
)
from pipeline.extract.clause_subjects import (
    REPLACEMENT_BEFORE,
    REQUESTS_TO_ANAPHOR,
    called_models,
    listed_after_colon,
    objects_after,
    request_subjects,
    subjects_before,
    subjects_of_a_second_verb,
    without_dates,
)
from pipeline.extract.cues import (
    ANNOUNCE_VERB,
    FLOOR,
    NOT_ANNOUNCEMENT,
    announces_deprecation,
)
from pipeline.extract.dates import (
    ZH_MONTH_DAY,
    FoundDate,
    find_dates,
    month_day,
    reports_done_at,
    year_less,
)
from pipeline.extract.model_ids import Mention


def has_clause_cue(sentence: str) -> bool:
    """Whether the reader could read anything here: a cheap gate before mentions are looked
    for. The lifecycle cue lexicon (`cues.DEPRECATION`) covers the predicates above; a date
    statement ("The retirement date is D") is the one form without such a word."""
    return (
        announces_deprecation(sentence)
        or bool(DATE_STATEMENT.match(sentence))
        or ("follow" in sentence.lower() and bool(FOLLOWS.search(sentence)))
    )


# A date moved: "postponed to D", "extended until D", "pushed back to D", "now D".
_MOVED_TO = re.compile(
    r"\b(?:postponed|extended|delayed|moved|pushed(?:\s+back)?|rescheduled|changed|updated|"
    r"deferred|shifted)\b(?:[^.;]|\.(?= \d)){0,50}?\s(?:to|until|till)\s*$",
    re.IGNORECASE,
)
_PREVIOUS = re.compile(
    r"\b(?:previously|originally|initially|formerly|(?<!no )(?<!not )earlier)\b[^.;]{0,40}$|"
    r"\b(?:was|were)\s+(?:planned|scheduled|set|announced)\s+(?:for|on)\s*$",
    re.IGNORECASE,
)
# (after an admonition's label: "> **Note** Starting D, ...", "Important: On D, ...")
_FRONTED = re.compile(
    r"^\W*(?:(?:note|important|warning|caution|notice|heads[ -]up|update)\b\W*)?"
    r"(?:(?:please\s+)?note(?:\s+that)?,?\s+)?"
    r"(?:on|starting(?:\s+on|\s+from)?|beginning(?:\s+on)?|effective(?:\s+on)?|from|as of|"
    r"after|since|自|从|從|于|於)?\s*$",
    re.IGNORECASE,
)


# "deprecation date to October 1, 2024": pages that name a *deprecation date* as a noun
# distinguish it from the retirement (shutdown) date, so that date is never the shutdown date
# ("... deprecation date to October 1, 2024 and the retirement date to June 6, 2025" gives
# June 6). A verb ("will be deprecated on X") is unaffected.
DEPRECATION_DATE_BEFORE = re.compile(
    r"\bdeprecation\s+dates?\b\W*(?:(?:is|was|to|of|on|from|set|changed|updated|moved)\W+){0,3}$",
    re.IGNORECASE,
)


# "The retirement date is D.", "Shutdown date: D": the date of the passage's last subjects.
DATE_STATEMENT = re.compile(
    r"^\W*(?:the|its|their)?\s*(?:planned\s+|new\s+|final\s+)?(?:(?:retirement|shutdown|shut-off|"
    r"end[- ]of[- ]life|eol|sunset|removal|discontinuation|decommission(?:ing)?|cut-?off)\s+date|"
    r"last\s+day(?:\s+(?:of\s+(?:service|availability)|to\s+use\s+(?:it|them)))?|"
    # "The retirement takes effect on D", "The shutdown is scheduled for D"
    r"(?:retirement|shutdown|removal|sunset|discontinuation|decommissioning)\s+(?:takes|will "
    r"take)\s+effect|(?:retirement|shutdown|removal)\s+(?:is|has been)\s+(?:scheduled|planned|"
    r"set)\s+for|"
    # a label: "Shutdown: D", "EOL: D"
    r"(?:retirement|shutdown|shut-?off|end[- ]of[- ]life|eol|sunset|removal|discontinuation|"
    r"decommission(?:ing)?|cut-?off)(?=\s*:))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clause:
    """What one sentence says: who is retired, when (and how firmly), what replaces them."""

    subjects: tuple[Mention, ...]
    date: dt.date | None
    kind: str  # firm | earliest | none
    replacements: tuple[str, ...]
    how: str  # which clause form was read (for `why`)
    moved: bool = False  # the date is one a shutdown was moved to


def read_clause(
    sentence: str,
    mentions: list[Mention],
    previous: tuple[Mention, ...] = (),
    context: dt.date | None = None,
    weak: tuple[Mention, ...] = (),
) -> Clause | None:
    """The clause a sentence states, or None when it retires nothing it can name.

    `previous` are the subjects of the passage's last clause, for an anaphor ("It will ...");
    `context` is the entry's date, which gives a year to a year-less day ("on March 23rd").
    """
    if not mentions and not previous and not weak:
        return None
    if weak:
        # names that are IDs only beside one: read with the mentions, kept only in a
        # subject list that also holds a real ID ("Mistral-Nemo and Mistral-Large-2411")
        clause = read_clause(
            sentence, sorted([*mentions, *weak], key=lambda m: m.start), previous, context
        )
        if clause is None:
            return None
        weak_ids = {id(w) for w in weak}
        if (
            all(id(s) in weak_ids for s in clause.subjects)
            and clause.how != "anaphor"
            and not called_models(sentence, clause.subjects)
        ):
            return read_clause(sentence, mentions, previous, context)
        strong = {m.model for m in mentions}
        return replace(clause, replacements=tuple(r for r in clause.replacements if r in strong))
    if NOT_ANNOUNCEMENT.search(sentence):
        return None
    if previous and not mentions and DATE_STATEMENT.match(sentence):
        date, kind, moved = _date_argument(sentence, 0, context)
        return Clause(previous, date, kind, (), "anaphor", moved) if date else None
    predicate = PREDICATE.search(sentence)
    follows = FOLLOWS.search(sentence) if previous and mentions and not predicate else None
    if follows:
        return _following(sentence, mentions, follows, context)
    redirect = REDIRECTED_TO.search(sentence)
    failure = None
    subjects: tuple[Mention, ...] = ()
    how = ""
    if predicate and redirect and redirect.start() < predicate.start():
        # "X will be routed to Y on D1 and taken offline on D2": the subjects of the
        # redirect, the date of the shutdown
        subjects = subjects_before(sentence, mentions, redirect.start())
        how = "redirect, then a shutdown"
    elif predicate is None and redirect:
        predicate = redirect
        subjects = subjects_before(sentence, mentions, redirect.start())
        how = "redirect"
    if predicate and not subjects:
        subjects = subjects_before(sentence, mentions, predicate.start())
        how = "subject list and predicate"
        if not subjects:
            subjects = objects_after(sentence, mentions)
            how = "verb and object list"
        if not subjects:
            subjects = subjects_of_a_second_verb(sentence, mentions, predicate.end())
            how = "subject list and a second predicate"
        lead = sentence[: predicate.start()]
        if (
            not subjects
            and previous
            and ANAPHOR.match(lead or " ")
            and AUXILIARY.match(without_dates(ANAPHOR.sub("", lead, count=1)))
        ):
            subjects, how = previous, "anaphor"
    if not subjects:
        failure = FAILURE.search(sentence)
        if failure:
            subjects = request_subjects(sentence, mentions, failure.start())
            redirected = REDIRECTED_TO.match(sentence, failure.start())
            how = "redirect" if redirected else "requests that will fail"
            if (
                not subjects
                and previous
                and (
                    ANAPHOR.match(sentence)
                    or REQUESTS_TO_ANAPHOR.search(sentence[: failure.start()])
                )
            ):
                subjects, how = previous, "anaphor"  # "Requests to it will fail after D"
    if not subjects and predicate is None:  # with a predicate, objects were looked for above
        subjects = objects_after(sentence, mentions)
        how = "verb and object list"
    if not subjects and predicate:
        subjects = listed_after_colon(sentence, mentions, predicate.end())
        how = "lead and list"
    if not subjects:
        return None
    anchor = (predicate or failure).start() if (predicate or failure) else 0
    date, kind, moved = _date_argument(sentence, anchor, context)
    taken = {m.model for m in subjects}
    replacements = tuple(
        dict.fromkeys(
            m.model
            for m in mentions
            if m.model not in taken and REPLACEMENT_BEFORE.search(sentence[: m.start][-80:])
        )
    )
    if date is None and (
        (predicate and NEEDS_DATE.match(sentence, predicate.start()))
        or NEEDS_DATE_BEFORE.search(sentence[: subjects[0].start])
    ):
        return None
    return Clause(subjects, date, kind, replacements, how, moved)


def _following(
    sentence: str, mentions: list[Mention], follows: re.Match[str], context: dt.date | None
) -> Clause | None:
    """ "`x-2` followed on April 1, along with `x-3`": the last clause's fate, this date."""
    subjects = subjects_before(sentence, mentions, follows.start()) + tuple(
        m
        for m in mentions
        if m.start > follows.end() and ALONG_WITH.search(sentence[: m.start][-40:])
    )
    date, kind, moved = _date_argument(sentence, follows.start(), context)
    if not subjects or date is None:
        return None
    return Clause(subjects, date, kind, (), "following the last clause", moved)


# Predicates that end service (not "deprecate", which on many pages only announces): what a
# lead must say for its date to reach the rows and items under it.
_SHUTDOWN_PREDICATE = re.compile(
    "|".join(f"(?:{p})" for p in PREDICATE_PHRASES if not p.startswith("deprecat")),
    re.IGNORECASE,
)


def date_argument(sentence: str, context: dt.date | None = None) -> tuple[dt.date | None, str]:
    """(date, kind) the sentence's shutdown predicate takes, ignoring subjects: for a lead
    such as "Effective 31 July 2027, all models listed below will be removed"."""
    predicate = _SHUTDOWN_PREDICATE.search(sentence) or FAILURE.search(sentence)
    if not predicate or NOT_ANNOUNCEMENT.search(sentence):
        return None, "none"
    date, kind, _ = _date_argument(sentence, predicate.start(), context)
    return date, kind


def _date_argument(
    sentence: str, at: int, context: dt.date | None = None
) -> tuple[dt.date | None, str, bool]:
    """(date, kind, moved): the shutdown date the clause's prepositions give."""
    full = _full_date_argument(sentence, at)
    if full[0] or context is None:
        return full
    for m in (year_less(sentence), ZH_MONTH_DAY.search(sentence)):
        if m and not _PREVIOUS.search(sentence[: m.start()][-60:]):
            done = reports_done_at(sentence, m.start())
            date = month_day(sentence[m.start() :], context, done=done)
            if date:
                return date, "earliest" if FLOOR.search(sentence) else "firm", False
    return None, "none", False


def _full_date_argument(sentence: str, at: int) -> tuple[dt.date | None, str, bool]:
    dates = [
        f
        for f in find_dates(sentence)
        if not ANNOUNCE_VERB.match(sentence[f.end : f.end + 80])
        and not DEPRECATION_DATE_BEFORE.search(sentence[max(0, f.start - 120) : f.start])
    ]
    if not dates:
        return None, "none", False
    moved = [f for f in dates if _MOVED_TO.search(sentence[: f.start][-60:])]
    if moved:
        return moved[-1].date, _kind(sentence, moved[-1]), True
    usable = [f for f in dates if not _PREVIOUS.search(sentence[: f.start][-60:])]
    after = [f for f in usable if f.start >= at]
    if after:
        return after[0].date, _kind(sentence, after[0]), False
    # "将于 2027年3月3日 下线", "は2027年3月3日に提供を終了": the date just before the predicate
    right_before = [f for f in usable if f.end <= at and AUXILIARY.match(sentence[f.end : at])]
    if right_before:
        return right_before[-1].date, _kind(sentence, right_before[-1]), False
    fronted = [f for f in usable if _FRONTED.match(sentence[: f.start])]
    if fronted:
        return fronted[0].date, _kind(sentence, fronted[0]), False
    return None, "none", False


def _kind(sentence: str, found: FoundDate) -> str:
    near = sentence[max(0, found.start - 30) : found.end + 20]
    return "earliest" if FLOOR.search(near) else "firm"
