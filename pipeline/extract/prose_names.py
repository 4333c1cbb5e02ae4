"""Which models a prose sentence names: printed IDs, display names mapped to IDs,
weak capitalised IDs coordinated with real ones, and IDs a sentence lists as a family's members.

A mentions pass for prose: it reads the sentence and the document's context, never facts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.extract.catalogue import is_known, known_ids
from pipeline.extract.context import DocContext
from pipeline.extract.dates import (
    MONTH_DAY,
    find_dates,
)
from pipeline.extract.model_ids import (
    Mention,
    display_name,
    normalise,
    slug,
)

_DISPLAY = re.compile(
    r"\b((?:[A-Z][A-Za-z]+)(?:[ -](?:[A-Z][\w.]*|\d[\w.]*|preview|mini|pro|flash|lite|vision|"
    r"turbo|instruct|ultra|large|small|medium|nano|max|plus|micro|fast|thinking|reasoning|"
    r"realtime|audio|omni))+)"
)


_SUBJECT_PATTERN = re.compile(
    r"^(?:(?:support|access) (?:for|to)\s+)?(?P<name>.+?)\s+(?:is |has been |have been |was |"
    r"were |are |will be |would be )?(?:now )?"
    r"(?:deprecated|no longer supported|no longer available|removed|shut ?down|retired|"
    r"discontinued|decommissioned)\b",
    re.IGNORECASE,
)


# The ID run is taken whole (possessive) from its first letter and checked for a digit by the
# caller: the backtracking form `[A-Za-z][\w.-]*\d[\w.-]*` was quadratic on long digit-free runs.
_ZH_PREVIEW = re.compile(r"(?<![A-Za-z0-9.-])[0-9.-]*+([A-Za-z][A-Za-z0-9.-]*+)\s*+预览版")


_NAME_PART = re.compile(r"^[A-Z`][\w.`-]*(?: [A-Za-z0-9][\w.-]*)*$")


def _subject_names(subject: str) -> set[str]:
    """The names a (possibly coordinated) subject lists: "**A** and **B**" -> {A, B}."""
    parts = [
        re.sub(r"^(?:the|our)\s+|\s+models?$", "", p.strip(), flags=re.I)
        for p in re.split(r"\s*(?:,|\band\b|\bor\b|&)\s*", subject.replace("*", ""))
    ]
    report = _REPORTED.search(parts[0])
    if report:
        # "... notifying customers that Claude Sonnet 3.7 and Claude Haiku 3.5": the list
        # starts after the reporting clause
        parts[0] = parts[0][report.end() :].strip()
        if not _NAME_PART.match(parts[0]):
            return set()
    if len(parts) > 1 and not all(_NAME_PART.match(p) and not find_dates(p) for p in parts):
        return set()  # "On January 6th, we ...": a clause, not a list of names
    return {p for p in parts if p}


# a reporting clause before the names it reports: "Acme told customers that", "it said"
_REPORTED = re.compile(
    r"^.*\b(?:that|said|says|announced|confirmed|told \w+|notif\w+ \w+)\s+(?:the\s+|its\s+)?",
    re.IGNORECASE,
)


# A display name that is the object of a deprecation verb, possibly after other listed
# names: "will retire its Falcon 2 and [Falcon 2 Mini]", "is deprecating the Orca 7 model".
_OBJECT_OF = re.compile(
    r"\b(?:retir\w*|deprecat\w*|sunset\w*|discontinu\w*|shut(?:ting)? down|remov\w*|"
    r"decommission\w*|(?:stop|cease)\w*\s+(?:serving|offering|providing|supporting))\s+"
    r"(?:(?:its|the|our|their|both)\s+)?"
    r"(?:[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*)*\s*(?:,|\band\b|\bor\b)\s*)*$"
)


def with_display_names(sentence: str, mentions: list[Mention], ctx: DocContext) -> list[Mention]:
    """The sentence's ID mentions plus its display names; a display name that the page or the
    catalogue maps to an ID and that extends an ID mention ("GPT-4.1 mini" over "GPT-4.1")
    replaces it: the longer name is the model meant."""
    longer = []
    extendable = any(sentence[t.end : t.end + 1] == " " for t in mentions)
    for m in _DISPLAY.finditer(sentence) if extendable else ():
        inside = [t for t in mentions if m.start() <= t.start and t.end < m.end()]
        if not inside or any(t.start < m.start() or t.end > m.end() for t in inside):
            continue
        mapped = ctx.map_display(m.group(1))
        if mapped and mapped not in {t.model for t in inside}:
            longer.append((Mention(mapped, m.start(), m.end(), m.group(1)), inside))
    if longer:
        drop = {id(t) for _, inside in longer for t in inside}
        mentions = [t for t in mentions if id(t) not in drop] + [m for m, _ in longer]
        mentions.sort(key=lambda t: t.start)
    display = _display_mentions(sentence, mentions, ctx)
    # the longer name is the model meant: "GPT-4.5预览版" over the ID inside it
    mentions = [
        t
        for t in mentions
        if not any(
            d.start <= t.start and t.end <= d.end and d.end - d.start > t.end - t.start
            for d in display
        )
    ] + display
    return mentions + _elided_names(sentence, mentions)


# "the Claude 1 and Instant models": the second conjunct leaves out the brand the first one
# ("<Brand> <version>") gives: "Claude Instant". Not when the word is a brand of its own, one
# that the catalogue's IDs start with ("the Claude 1 and Gemini models").
_ELIDED = re.compile(r"^\s*,?\s*(?:and|or|&)\s+(?P<word>[A-Z][a-z]{2,})\s+models\b")


@lru_cache(maxsize=256)
def _names_known_models(stem: str) -> bool:
    return any(model == stem or model.startswith(stem + "-") for model in known_ids())


def _elided_names(sentence: str, mentions: list[Mention]) -> list[Mention]:
    out = []
    for mention in mentions:
        words = mention.printed.split()
        # only "<Brand> <version>": which words "Gemini 2.5 Flash and Pro" shares is unclear
        if len(words) != 2 or not any(c.isdigit() for c in words[1]):
            continue
        m = _ELIDED.match(sentence[mention.end :])
        if not m:
            continue
        word = m.group("word")
        if not _names_known_models(word.lower()):
            name = f"{words[0]} {word}"
            start = mention.end + m.start("word")
            out.append(Mention(display_name(name), start, start + len(word), name))
    return out


# "Codestral (25.01)", "Mistral Large (24.11)": a name and its year.month version, the ID
# being the name's slug and the version's digits when the catalogue knows that ID.
_NAME_AND_VERSION = re.compile(r"\b([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+){0,3}) \((\d{2})\.(\d{2})\)")


def _overlaps(match: re.Match[str], mentions: list[Mention]) -> bool:
    """Whether a match shares any character with one of the mentions already found."""
    return any(t.start < match.end() and match.start() < t.end for t in mentions)


def _versioned_names(sentence: str, taken: list[Mention]) -> list[Mention]:
    out = []
    for m in _NAME_AND_VERSION.finditer(sentence):
        model = f"{slug(m.group(1)).lower()}-{m.group(2)}{m.group(3)}"
        if is_known(model) and not _overlaps(m, taken):
            out.append(Mention(model, m.start(), m.end(), m.group(0)))
    return out


def _display_mentions(sentence: str, taken: list[Mention], ctx: DocContext) -> list[Mention]:
    out = _versioned_names(sentence, taken)
    taken = [*taken, *out]
    for m in _DISPLAY.finditer(sentence):
        name = m.group(1)
        if not any(c.isdigit() for c in name) or _overlaps(m, taken):
            continue
        mapped = ctx.map_display(name)
        if mapped:
            out.append(Mention(mapped, m.start(), m.end(), name))
            continue
        subject = _SUBJECT_PATTERN.match(sentence)
        if "API" in name or MONTH_DAY.search(name) or find_dates(name):
            continue  # "August 5" is a date, not a model
        if (
            (subject and name in _subject_names(subject.group("name")))
            or _OBJECT_OF.search(sentence[: m.start()])
            # Japanese text quotes a product's name: 「GPT-4.5 Preview」の提供を…終了
            or _quoted_in_cjk(sentence, m.start(), m.end())
        ):
            out.append(Mention(display_name(name), m.start(), m.end(), name))
    for m in _POSSESSIVE_VERSION.finditer(sentence):
        # "Gemini's 1.5 models": the maker's possessive before a version is the name
        name = f"{m.group(1)} {m.group(2)}"
        if _overlaps(m, [*taken, *out]):
            continue
        mapped = ctx.map_display(name)
        subject = _SUBJECT_PATTERN.match(sentence.replace(m.group(0), name))
        if mapped:
            out.append(Mention(mapped, m.start(), m.end(), name))
        elif (subject and name in _subject_names(subject.group("name"))) or _OBJECT_OF.search(
            sentence[: m.start()]
        ):
            out.append(Mention(display_name(name), m.start(), m.end(), name))
    for m in _ZH_PREVIEW.finditer(sentence):
        if not any(c.isdigit() for c in m.group(1)[1:]):
            continue
        start = m.start(1)
        out.append(
            Mention(normalise(m.group(1)) + "-preview", start, m.end(), sentence[start : m.end()])
        )
    return out


_POSSESSIVE_VERSION = re.compile(r"\b([A-Z][A-Za-z]+)['’]s\s+(\d+(?:\.\d+)*(?: [A-Z][\w.-]*)*)")


def _quoted_in_cjk(sentence: str, start: int, end: int) -> bool:
    return start > 0 and sentence[start - 1] in "「『" and sentence[end : end + 1] in ("」", "』")


def names_members(sentence: str, mention: Mention) -> bool:
    """Display names coordinated before a plain "models" ("its Falcon 2 and Falcon 2 Mini
    models") are those models; "GPT-5 and o3 model snapshots" or "the x series" is a family."""
    rest = sentence[mention.end :]
    before = sentence[: mention.start].rstrip(" `*\"'")
    if " " not in mention.printed:
        # an ID before "models" names a family ("`kimi-k2` models"), unless it ends a list
        # ("the GPT-5, GPT-4.1 mini, and OpenAI o4-mini models"; a maker's name may lead it)
        head = re.sub(r"\s+[A-Z][A-Za-z]+$", "", before)
        return bool(re.search(r"(?:,|\band|\bor|&)$", head)) and bool(
            re.match(r"^[`*\"']*\s*models\b", rest)
        )
    name = r"[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*){1,4}"
    coordinated = bool(re.match(rf"^\s*(?:,|and|or|&)\s+{name}", rest)) or bool(
        re.search(rf"{name}\s*(?:,|\band|\bor|&)$", before)
    )
    return coordinated and bool(re.match(r"^[^.;:]*?\bmodels\b", rest))


# A hyphenated name that is not an ID by itself ("Mistral-Nemo", "music-cover-free"): it counts
# as one only when coordinated with an ID in the same subject list.
_WEAK_ID = re.compile(r"(?<![\w./@`-])[A-Za-z][A-Za-z0-9.]*+(?:-[A-Za-z0-9.]++)++(?![\w/@-])")


def weak_mentions(sentence: str, found: list[Mention]) -> tuple[Mention, ...]:
    out = []
    for m in _WEAK_ID.finditer(sentence):
        token = m.group(0).rstrip(".")
        if _overlaps(m, found) or len(token) > 60:
            continue
        out.append(Mention(normalise(token), m.start(), m.start() + len(token), token))
    return tuple(out)
