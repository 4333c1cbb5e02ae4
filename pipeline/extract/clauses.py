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
    AUXILIARY_OR_GLUE,
    FAILURE,
    FOLLOWS,
    GLUE,
    NEEDS_DATE,
    NEEDS_DATE_BEFORE,
    PREDICATE,
    PREDICATE_PHRASES,
    REDIRECTED_TO,
    REQUEST_SUBJECT,
    TRANSITIVE,
)
from pipeline.extract.cues import (
    ANNOUNCE_VERB,
    FEATURE_SUBJECT,
    FLOOR,
    NOT_ANNOUNCEMENT,
    announces_deprecation,
)
from pipeline.extract.dates import (
    ZH_MONTH_DAY,
    FoundDate,
    find_dates,
    month_day,
    reports_done,
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
_REPLACEMENT_BEFORE = re.compile(
    r"(?:\b(?:migrat\w*|mov\w*|switch\w*|upgrad\w*|transition\w*|redirect\w*|rout\w*|forward\w*|"
    r"fall\w* back|point\w*|map\w*)\s+(?:\w+\s+){0,3}?to|\bin favou?r of|\breplac\w*\s+(?:by|with)|"
    r"\bsuccessor(?:\s+(?:is|model))?|\brecommend\w*(?:\s+(?:using|switching to|moving to))?|"
    r"\buse|\btry|\bserved by|迁移(?:至|到)|升级(?:至|到)|替换为|切换(?:至|到)|改用|请使用|"
    r"替代(?:模型)?(?:为|是)|(?:推荐|建议)(?:使用|迁移至|您使用)?|後継(?:モデル)?(?:は|として)|"
    r"移行先(?:は)?|代替(?:モデル)?(?:は|として))"
    r"[\s`*\"'“”「」『』:：]*(?:(?:the|our|a|an|newer|new|latest)\s+)*$",
    re.IGNORECASE,
)
# A capability of a model, not the model: "Fine-tuning for X", "X in the Batch API".
_FEATURE_BEFORE = re.compile(
    r"(?:fine[- ]?tun\w*|training|tool use|function calling|batch(?:\s+API)?|"
    r"the\s+\w+\s+(?:API|endpoint|parameter|feature))\s+(?:for|of|on|with|in)\s+(?:the\s+)?[`*]*$",
    re.IGNORECASE,
)
_FEATURE_AFTER = re.compile(
    r"^[`*]*\s+(?:in|on|via|through|from)\s+the\s+[\w-]+(?:\s+[\w-]+)?\s+(?:API|endpoint|tool|"
    r"playground|console|app)\b",
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
            and not _called_models(sentence, clause.subjects)
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
        subjects = _subjects_before(sentence, mentions, redirect.start())
        how = "redirect, then a shutdown"
    elif predicate is None and redirect:
        predicate = redirect
        subjects = _subjects_before(sentence, mentions, redirect.start())
        how = "redirect"
    if predicate and not subjects:
        subjects = _subjects_before(sentence, mentions, predicate.start())
        how = "subject list and predicate"
        if not subjects:
            subjects = _objects_after(sentence, mentions)
            how = "verb and object list"
        lead = sentence[: predicate.start()]
        if (
            not subjects
            and previous
            and ANAPHOR.match(lead or " ")
            and AUXILIARY.match(_without_dates(ANAPHOR.sub("", lead, count=1)))
        ):
            subjects, how = previous, "anaphor"
    if not subjects:
        failure = FAILURE.search(sentence)
        if failure:
            subjects = _request_subjects(sentence, mentions, failure.start())
            redirected = REDIRECTED_TO.match(sentence, failure.start())
            how = "redirect" if redirected else "requests that will fail"
            if not subjects and previous and ANAPHOR.match(sentence):
                subjects, how = previous, "anaphor"
    if not subjects and predicate is None:  # with a predicate, objects were looked for above
        subjects = _objects_after(sentence, mentions)
        how = "verb and object list"
    if not subjects and predicate:
        subjects = _listed_after_colon(sentence, mentions, predicate.end())
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
            if m.model not in taken and _REPLACEMENT_BEFORE.search(sentence[: m.start][-80:])
        )
    )
    if date is None and (
        (predicate and NEEDS_DATE.match(sentence, predicate.start()))
        or NEEDS_DATE_BEFORE.search(sentence[: subjects[0].start])
    ):
        return None
    return Clause(subjects, date, kind, replacements, how, moved)


_MODELS_NOUN = re.compile(r"\bmodels?\b", re.IGNORECASE)


def _called_models(sentence: str, subjects: tuple[Mention, ...]) -> bool:
    """Names with a digit that the sentence itself calls models ("R1-1776 will be removed
    from the available models"): IDs though printed as products print them."""
    return bool(_MODELS_NOUN.search(sentence)) and all(
        any(c.isdigit() for c in s.printed) for s in subjects
    )


def _following(
    sentence: str, mentions: list[Mention], follows: re.Match[str], context: dt.date | None
) -> Clause | None:
    """ "`x-2` followed on April 1, along with `x-3`": the last clause's fate, this date."""
    subjects = _subjects_before(sentence, mentions, follows.start()) + tuple(
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


def _without_dates(text: str) -> str:
    for found in reversed(find_dates(text)):
        text = text[: found.start] + " " + text[found.end :]
    return ZH_MONTH_DAY.sub(" ", text)


def _is_feature(sentence: str, mention: Mention) -> bool:
    return bool(
        _FEATURE_BEFORE.search(sentence[: mention.start][-60:])
        or FEATURE_SUBJECT.search(sentence[: mention.start][-120:])
        or _FEATURE_AFTER.match(sentence[mention.end :])
    )


def _chain_back(sentence: str, mentions: list[Mention], end: int, gap: re.Pattern) -> list:
    """The run of mentions ending just before `end`, joined by coordination glue."""
    before = [m for m in mentions if m.end <= end]
    if not before or not gap.match(_without_dates(sentence[before[-1].end : end])):
        return []
    chain = [before[-1]]
    for m in reversed(before[:-1]):
        if not GLUE.match(sentence[m.end : chain[0].start]):
            break
        chain.insert(0, m)
    return chain


_FAMILY_NOUN = re.compile(
    r"^[`*\"'”]*\s*(?:(?P<plain>models)|model\s+(?:snapshots|versions|variants|family)|series|"
    r"family|families|snapshots|versions|variants|line-?up)\b",
    re.IGNORECASE,
)


def _names_family(sentence: str, chain: list[Mention]) -> bool:
    """'the Claude 3 models', 'the x-1 series', 'GPT-5 and o3 model snapshots': a family,
    not the listed models; a coordination of two or more before a plain 'models' lists them."""
    m = _FAMILY_NOUN.match(sentence[chain[-1].end :])
    return bool(m) and (len(chain) == 1 or not m.group("plain"))


_VERSIONS_NOUN = re.compile(r"^[`*\"'”]*\s*(?:versions?|snapshots?)\b", re.IGNORECASE)


def _without_versioned_family(sentence: str, chain: list[Mention]) -> list[Mention]:
    """'`x-4` versions `0314` and `0613`' names the two versions, not `x-4` (whose other
    versions stay): the family is dropped when its joined versions are in the list."""
    return [
        m
        for m in chain
        if not (
            _VERSIONS_NOUN.match(sentence[m.end :])
            and any(o.model.startswith(m.model + "-") for o in chain if o is not m)
        )
    ]


def _subjects_before(sentence: str, mentions: list[Mention], at: int) -> tuple[Mention, ...]:
    chain = _chain_back(sentence, mentions, at, AUXILIARY_OR_GLUE)
    if not chain or _names_family(sentence, chain):
        return ()
    lead = sentence[: chain[0].start]
    if _REPLACEMENT_BEFORE.search(lead[-80:]) or REQUEST_SUBJECT.search(lead[-40:]):
        return ()
    chain = _without_versioned_family(sentence, chain)
    return tuple(m for m in chain if not _is_feature(sentence, m))


def _objects_after(sentence: str, mentions: list[Mention]) -> tuple[Mention, ...]:
    """Mentions right after a transitive verb ("We are retiring X and Y")."""
    for i, m in enumerate(mentions):
        if not TRANSITIVE.search(sentence[: m.start][-80:]):
            continue
        chain = [m]
        for nxt in mentions[i + 1 :]:
            if not GLUE.match(sentence[chain[-1].end : nxt.start]):
                break
            chain.append(nxt)
        if _names_family(sentence, chain):
            return ()
        chain = _without_versioned_family(sentence, chain)
        return tuple(c for c in chain if not _is_feature(sentence, c))
    return ()


_FOLLOWING = re.compile(r"\b(?:following|these|below|listed)\b|以下|下列|如下", re.IGNORECASE)


# what opens a list run into its lead: a colon, or a dash set off by spaces ("... via API - a b")
_LIST_OPENER = re.compile(r":|\s[-\u2013\u2014]\s")
_ITEM_BREAK = re.compile(r"^[\s`*\"']*$")


def _listed_after_colon(sentence: str, mentions: list[Mention], at: int) -> tuple[Mention, ...]:
    """ "The following models will be discontinued: a, b and c", "we'll retire the following
    voices: a, b" (a list run into the lead); items may be soft-wrapped lines of bare IDs
    ("... via API - a b c")."""
    opener = _LIST_OPENER.search(sentence, at)
    if (
        opener is None
        or not _FOLLOWING.search(sentence[: opener.start()])
        or re.search(r"[.;]", sentence[at : opener.start()])
    ):
        return ()
    colon = opener.end() - 1
    after = [m for m in mentions if m.start > colon]
    if not after or sentence[colon + 1 : after[0].start].strip(" `*\"'"):
        return ()
    chain = [after[0]]
    for nxt in after[1:]:
        gap = sentence[chain[-1].end : nxt.start]
        if not (GLUE.match(gap) or _ITEM_BREAK.match(gap)):
            break
        chain.append(nxt)
    return tuple(chain)


def _request_subjects(sentence: str, mentions: list[Mention], at: int) -> tuple[Mention, ...]:
    for i, m in enumerate(mentions):
        if m.end > at or not REQUEST_SUBJECT.search(sentence[: m.start][-40:].rstrip("`*")):
            continue
        chain = [m]
        for nxt in mentions[i + 1 :]:
            if nxt.end > at or not GLUE.match(sentence[chain[-1].end : nxt.start]):
                break
            chain.append(nxt)
        return tuple(chain)
    return ()


def _date_argument(
    sentence: str, at: int, context: dt.date | None = None
) -> tuple[dt.date | None, str, bool]:
    """(date, kind, moved): the shutdown date the clause's prepositions give."""
    full = _full_date_argument(sentence, at)
    if full[0] or context is None:
        return full
    for m in (year_less(sentence), ZH_MONTH_DAY.search(sentence)):
        if m and not _PREVIOUS.search(sentence[: m.start()][-60:]):
            date = month_day(sentence[m.start() :], context, done=reports_done(sentence))
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
