"""Who a clause is about: the subject list before a predicate, the objects after a verb, a
list run into its lead, the model a request is made to, the subjects a second predicate
shares ("`a` and `b` enter a deprecation period and will be retired on D"), and which names
a sentence calls models. Read by `clauses`; this module decides no dates.
"""

from __future__ import annotations

import re

from pipeline.extract.clause_lexicon import (
    AUXILIARY,
    AUXILIARY_OR_GLUE,
    GLUE,
    PREDICATE,
    REQUEST_SUBJECT,
    TRANSITIVE,
)
from pipeline.extract.cues import FEATURE_OWNED, FEATURE_SUBJECT
from pipeline.extract.dates import ZH_MONTH_DAY, find_dates
from pipeline.extract.model_ids import Mention

# What names a replacement just before a mention ("migrate to", "→", "请使用").
REPLACEMENT_BEFORE = re.compile(
    r"(?:(?:→|->|=>|⟶)|\b(?:migrat\w*|mov\w*|switch\w*|upgrad\w*|transition\w*|redirect\w*|"
    r"rout\w*|forward\w*|"
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


def without_dates(text: str) -> str:
    for found in reversed(find_dates(text)):
        text = text[: found.start] + " " + text[found.end :]
    return ZH_MONTH_DAY.sub(" ", text)


# "... enter a 90-day deprecation period and will be retired on D": the link to a second
# predicate of the same subjects
_AND_AUXILIARY = re.compile(
    r"\s(?:and|but)\s+(?:(?:will|would|shall|is|are|was|were|be|been|then|also|now)\s+)*$",
    re.IGNORECASE,
)
_FIRST_VERB_PHRASE = re.compile(r"^[`*\"']*\s+[a-z][^.;:()]{0,80}$")


def subjects_of_a_second_verb(
    sentence: str, mentions: list[Mention], after: int
) -> tuple[Mention, ...]:
    """ "`a` and `b` enter a deprecation period and will be retired on D": the subjects of a
    first verb phrase that a later shutdown predicate shares through "and"."""
    for later in PREDICATE.finditer(sentence, after):
        link = _AND_AUXILIARY.search(sentence, 0, later.start())
        if not link:
            continue
        before = [m for m in mentions if m.end <= link.start()]
        if before and _FIRST_VERB_PHRASE.match(sentence[before[-1].end : link.start()]):
            return tuple(chain_back(sentence, mentions, before[-1].end, AUXILIARY))
    return ()


REQUESTS_TO_ANAPHOR = re.compile(
    r"\b(?:requests?|calls?|traffic)\s+(?:made\s+)?(?:to|for|using)\s+(?:it|them|these models|"
    r"this model)\s+(?:will|would|may|are|is)?\s*$",
    re.IGNORECASE,
)
MODELS_NOUN = re.compile(r"\bmodels?\b", re.IGNORECASE)


def called_models(sentence: str, subjects: tuple[Mention, ...]) -> bool:
    """Names with a digit that the sentence itself calls models, after them ("R1-1776 will be
    removed from the available models", "the Kestrel-7B model"): IDs though printed as
    products print them. A name in an aside ("(only in us-east-1), will reach ...") is not."""
    return bool(MODELS_NOUN.search(sentence, subjects[-1].end)) and all(
        any(c.isdigit() for c in s.printed)
        and sentence.rfind("(", 0, s.start) <= sentence.rfind(")", 0, s.start)
        for s in subjects
    )


def is_feature(sentence: str, mention: Mention) -> bool:
    return bool(
        _FEATURE_BEFORE.search(sentence[: mention.start][-60:])
        or FEATURE_SUBJECT.search(sentence[: mention.start][-120:])
        or _FEATURE_AFTER.match(sentence[mention.end :])
        or FEATURE_OWNED.match(sentence, mention.end)
    )


def chain_back(sentence: str, mentions: list[Mention], end: int, gap: re.Pattern) -> list:
    """The run of mentions ending just before `end`, joined by coordination glue."""
    before = [m for m in mentions if m.end <= end]
    if not before or not gap.match(without_dates(sentence[before[-1].end : end])):
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


def names_family(sentence: str, chain: list[Mention]) -> bool:
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


def subjects_before(sentence: str, mentions: list[Mention], at: int) -> tuple[Mention, ...]:
    chain = chain_back(sentence, mentions, at, AUXILIARY_OR_GLUE)
    if not chain or names_family(sentence, chain):
        return ()
    lead = sentence[: chain[0].start]
    if REPLACEMENT_BEFORE.search(lead[-80:]) or REQUEST_SUBJECT.search(lead[-40:]):
        return ()
    chain = _without_versioned_family(sentence, chain)
    return tuple(m for m in chain if not is_feature(sentence, m))


def objects_after(sentence: str, mentions: list[Mention]) -> tuple[Mention, ...]:
    """Mentions right after a transitive verb ("We are retiring X and Y")."""
    for i, m in enumerate(mentions):
        if not TRANSITIVE.search(sentence[: m.start][-80:]):
            continue
        chain = [m]
        for nxt in mentions[i + 1 :]:
            if not GLUE.match(sentence[chain[-1].end : nxt.start]):
                break
            chain.append(nxt)
        if names_family(sentence, chain):
            return ()
        chain = _without_versioned_family(sentence, chain)
        return tuple(c for c in chain if not is_feature(sentence, c))
    return ()


_FOLLOWING = re.compile(r"\b(?:following|these|below|listed)\b|以下|下列|如下", re.IGNORECASE)


# what opens a list run into its lead: a colon, or a dash set off by spaces ("... via API - a b")
_LIST_OPENER = re.compile(r":|\s[-\u2013\u2014]\s")
_ITEM_BREAK = re.compile(r"^[\s`*\"']*$")


def listed_after_colon(sentence: str, mentions: list[Mention], at: int) -> tuple[Mention, ...]:
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


def request_subjects(sentence: str, mentions: list[Mention], at: int) -> tuple[Mention, ...]:
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
