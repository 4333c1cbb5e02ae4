"""Paragraphs and lists -> candidates, sentence by sentence.

Handles lead-ins ("The following models will be deprecated:" then a list, optionally split
by day labels such as "November 12:"), replacement lists ("migrate to ...:"), and single
sentences ("X will be deprecated on July 15, 2025", "Deprecation for A and B coming ...").
Each mention gets a polarity from `cues.polarity`; only deprecated mentions become candidates.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from pipeline.extract.candidate import Candidate
from pipeline.extract.clauses import DEPRECATION_DATE_BEFORE as _DEPRECATION_DATE_BEFORE
from pipeline.extract.clauses import Clause, date_argument, has_clause_cue, read_clause
from pipeline.extract.context import DocContext, model_page_id
from pipeline.extract.cues import (
    ACTIVE,
    ANNOUNCE_VERB,
    FEATURE_ITEM,
    FLOOR,
    PAST,
    announces_deprecation,
    only_weak_cues,
    polarity,
    product_of,
    sentences,
)
from pipeline.extract.dates import (
    MONTH_DAY,
    FoundDate,
    find_dates,
    has_month_only,
    month_day,
    year_less,
)
from pipeline.extract.model_ids import (
    Mention,
    display_name,
    is_cell_id,
    is_strong_id,
    normalise,
    strip_parens,
)
from pipeline.parse.document import Text

_DATE_LABEL = re.compile(r"^\s*[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s*\d{4})?\s*:\s*$")
_REPLACEMENT_LEAD = re.compile(
    r"alternative|migrat\w* to|recommend|replacement|instead|upgrade to|switch to", re.I
)
_DISPLAY = re.compile(
    r"\b((?:[A-Z][A-Za-z]+)(?:[ -](?:[A-Z][\w.]*|\d[\w.]*|preview|mini|pro|flash|lite|vision|"
    r"turbo|instruct|ultra|large|small|medium|nano|max|plus|micro|fast|thinking|reasoning|"
    r"realtime|audio|omni))+)"
)
_SUBJECT_PATTERN = re.compile(
    r"^(?:support for\s+)?(?P<name>.+?)\s+(?:is |has been |was |were |are )?(?:now )?"
    r"(?:deprecated|no longer supported|no longer available|removed|shut ?down|retired)\b",
    re.IGNORECASE,
)
# The ID run is taken whole (possessive) from its first letter and checked for a digit by the
# caller: the backtracking form `[A-Za-z][\w.-]*\d[\w.-]*` was quadratic on long digit-free runs.
_ZH_PREVIEW = re.compile(r"(?<![A-Za-z0-9.-])[0-9.-]*+([A-Za-z][A-Za-z0-9.-]*+)\s*+预览版")
# A mention that names a family, not one model: "the `kimi-k2` series", "GPT-5 and o3 model
# snapshots", "older Claude 3 models" (also when coordinated with other family names).
_FAMILY_AFTER = re.compile(
    r"^[\s`*]*(?:(?:,|\band\b|\bor\b|&)\s*[`*]?[\w.-]+[`*]?\s*)*"
    r"(?:(?:preview|stable|experimental|existing|older|legacy|dated)\s+)?"
    r"(?:model\s+)?(?:models|family|families|series|suite|snapshots|versions|variants|line-?up|"
    r"endpoints)\b",
    re.IGNORECASE,
)
# Sentences about a capability of models (fine-tuning them, a tool on them), not the models.
_FEATURE_SENTENCE = re.compile(
    r"^(?:the\s+)?(?:new\s+)?(?:fine[- ]tun\w*|training|support for using|tool support)\b",
    re.IGNORECASE,
)
_REPLACEMENT_SENTENCE = re.compile(
    r"\binstead\b|\bmigrat|\brecommend|\bswitch\w* to\b|\bmov\w* to\b|\bupgrad\w* to\b|"
    r"\bredirect\w* to\b|\brout\w* to\b|\bserved by\b|\bfall\w* back to\b|"
    r"迁移|替代|替换|改用|推荐|建议使用|後継|移行|代替",
    re.I,
)
SHUTDOWN_BEFORE = re.compile(
    r"\b(?:retir\w*|shut\s*(?:down|off)|remov\w*|sunset\w*|discontinu\w*|decommission\w*|"
    r"turn(?:ed)? off|unavailable|stop\w*|end[- ]of[- ]life)\b[^.;]*$",
    re.IGNORECASE,
)
_EXAMPLE_BEFORE = re.compile(r"(?:for example|for instance|e\.g\.|i\.e\.)[,:]?\s*$", re.I)
# Cues just before or after a mention or date are looked for within this many characters, so
# checking every mention of a long text costs its length once, not once per mention.
_WINDOW = 300


def _upto(text: str, end: int) -> str:
    return text[max(0, end - _WINDOW) : end]


@dataclass
class _Lead:
    kind: str  # deprecated | replacement | feature
    date: dt.date | None = None
    floor: bool = False
    text: str = ""


@dataclass
class ProseResult:
    candidates: list[Candidate] = field(default_factory=list)
    # The replacement pool: (model, scope of the sentence that named it, the position of its
    # paragraph, or None for a "Recommended replacements:" list that serves the whole notice).
    replacements: list[tuple[str, str, int | None]] = field(default_factory=list)
    announced: dt.date | None = None
    # Deprecated families ("the `kimi-k2` series ... discontinued on May 25, 2026"): the
    # family's prefix with the sentence's facts, as a template for its member IDs.
    families: list[Candidate] = field(default_factory=list)
    # The subjects of the passage's last clause, for an anaphor in the next ("It will ...").
    subjects: tuple[Mention, ...] = ()


def announcement_date(text: str) -> dt.date | None:
    """'On June 10th, 2025, we notified ...' -> 2025-06-10."""
    for found in find_dates(text):
        if ANNOUNCE_VERB.match(text[found.end : found.end + _WINDOW]):
            return found.date
    return None


def notice_prose(
    blocks: list[Text],
    *,
    section_date: dt.date | None,
    ctx: DocContext,
    anchor: str | None,
    order: int,
    deprecation_scope: bool = False,
    scope_shutdown: dt.date | None = None,
    context_date: dt.date | None = None,
    heading: str | None = None,
) -> ProseResult:
    """Candidates of a notice's paragraphs and list items.

    `deprecation_scope` says the section's headings announce a deprecation, so a list item
    "A — migrate to B" there names a deprecated A; `scope_shutdown` is a shutdown date the
    headings give ("legacy models removed May 14, 2026") for items that give none;
    `context_date` (the entry's date, or the first of its month) gives a year to year-less
    days ("as of May 14" in an entry labelled "April 2024"); `heading` is the section's own
    heading when it announces a deprecation, and leads the bare ID lists under it.
    """
    result = ProseResult()
    section_lead = _Lead("deprecated", scope_shutdown, False, heading) if heading else None
    stated = functools.cache(lambda: _stated_shutdown(blocks, ctx, context_date))
    lead: _Lead | None = None
    sub_date: dt.date | None = None
    for n, block in enumerate(blocks):
        text = block.text
        if lead and _DATE_LABEL.match(text):
            found = find_dates(text)
            sub_date = (
                found[0].date
                if found
                else (month_day(text, section_date) if section_date and year_less(text) else None)
            )
            continue
        if text.rstrip().endswith((":", "：")) or re.search(r"\s[-–—]$", text.rstrip()):
            # the lead is the sentence that ends in the colon; earlier sentences of the
            # paragraph ("We recommend ...") only lend it a date
            parts = sentences(text)
            lead, sub_date = _lead_of(parts[-1], text, context_date), None
            if lead is None:
                # "The following models are now deprecated. Please move to ...:" - the lead is
                # the sentence that points at the list, not the last one
                pointing = [p for p in parts[:-1] if _POINTS_AT_LIST.search(p)]
                lead = _lead_of(pointing[-1], text, context_date) if pointing else None
            if lead and lead.kind == "deprecated" and lead.date is None and stated():
                lead.date = stated()  # "On March 23rd, we will discontinue ..." above the list
            said = announcement_date(text)
            if said and (result.announced is None or said > result.announced):
                result.announced = said
            continue
        if lead and block.kind != "li" and _id_run(block, ctx):
            # A lead's items printed as bare paragraphs of IDs (one per paragraph, or several
            # on soft-wrapped lines) rather than as a list.
            for token in block.text.split():
                item = Text(text=token, raw=block.raw, kind="li", codes=block.codes)
                cand = _list_item(item, lead, sub_date, anchor, order + n, ctx)
                if cand and lead.kind != "replacement":
                    result.candidates.append(cand)
            continue
        if lead and block.kind == "li":
            if lead.kind == "replacement":
                result.replacements.extend((m.model, "api", None) for m in ctx.ids(text))
                continue
            cand = _list_item(block, lead, sub_date, anchor, order + n, ctx)
            if cand:
                result.candidates.append(cand)
            continue
        after_list = lead is not None and n > 0 and blocks[n - 1].kind == "li"
        lead = None
        if deprecation_scope and block.kind == "li":
            migration = _migration_item(block, ctx, anchor, order + n, scope_shutdown)
            if migration:
                result.candidates.extend(migration)
                continue
        if section_lead and block.kind == "li" and _id_item(block, ctx):
            # "## Models retiring on May 30, 2026" over a bare list of IDs: the heading is
            # the list's lead
            cand = _list_item(block, section_lead, None, anchor, order + n, ctx)
            if cand:
                result.candidates.append(cand)
                continue
        listed = len(result.candidates)
        _sentences(text, block, result, ctx, anchor, order + n, section_date, context_date, stated)
        if after_list and len(result.candidates) == listed:
            # "请迁移至 X" / "Use X instead." right after a lead's list serves the whole list
            mine = {c.model for c in result.candidates}
            result.replacements = [
                (r, scope, None if at == order + n and r not in mine else at)
                for r, scope, at in result.replacements
            ]
    return result


_POINTS_AT_LIST = re.compile(r"\b(?:the following|listed below|below)\b|以下|下列", re.I)


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


def _stated_shutdown(
    blocks: list[Text], ctx: DocContext, context: dt.date | None
) -> dt.date | None:
    """The one shutdown date a section's paragraphs state without naming a model: the date
    its undated leads take. None when the paragraphs state none or several."""
    found = {
        date
        for block in blocks
        if block.kind == "p"
        for date, _ in unnamed_shutdowns(block.text, ctx, context)
    }
    return found.pop() if len(found) == 1 else None


_MIGRATION_ITEM = re.compile(
    r"^(?P<subject>[^:—–→]{2,80}?)\s*(?:—|–|→|->|:|\s-)\s*(?:please\s+)?"
    r"(?:migrate|move|switch|upgrade|transition)\s+to\b(?P<rest>.*)$",
    re.IGNORECASE,
)


def _named_models(text: str, ctx: DocContext) -> list[str]:
    """IDs in a short phrase, else the display names it lists (mapped to IDs when the page
    ties them): "Kimi K2.6 or GLM 5.1" -> ["kimi-k2p6", "glm-5p1"]."""
    ids = [m.model for m in ctx.ids(text)]
    if ids:
        return list(dict.fromkeys(ids))
    out = []
    for part in re.split(r"\s*(?:,|\bor\b|\band\b|&|/)\s*", strip_parens(text)):
        part = part.strip(" .;*`")
        if not part or not any(c.isdigit() for c in part) or len(part) > 60:
            continue
        out.append(ctx.map_display(part) or display_name(part))
    return list(dict.fromkeys(out))


def _migration_item(
    block: Text,
    ctx: DocContext,
    anchor: str | None,
    order: int,
    scope_shutdown: dt.date | None,
) -> list[Candidate]:
    """ "**DeepSeek V3.1** — migrate to **Kimi K2.6** or **GLM 5.1**" in a deprecation
    section: the models before the arrow are deprecated, those after replace them."""
    m = _MIGRATION_ITEM.match(block.text)
    if not m:
        return []
    subjects = _named_models(m.group("subject"), ctx)
    replacements = tuple(r for r in _named_models(m.group("rest"), ctx) if r not in subjects)
    own = [f.date for f in find_dates(block.text)]
    date = own[0] if own else scope_shutdown
    return [
        Candidate(
            model=subject,
            rule="migration item in a deprecation section",
            shutdown_date=date,
            shutdown_kind=("earliest" if ctx.all_earliest else "firm") if date else "none",
            replacements=replacements,
            evidence=block.raw or block.text,
            anchor=anchor,
            source="list",
            order=order,
        )
        for subject in subjects
    ]


def _id_item(block: Text, ctx: DocContext) -> bool:
    """A list item that is a model ID, perhaps with a short note ("`a-1` (fp16)")."""
    first = strip_parens(block.text).split(" ")[0].strip("`").rstrip(".,;:*")
    rest = block.text[len(first) :]
    return (
        bool(first)
        and is_cell_id(first)
        and (is_strong_id(first) or normalise(first) in ctx.known)
        and len(rest.split()) <= 8
        and not ACTIVE.search(rest)
    )


def _id_run(block: Text, ctx: DocContext) -> bool:
    """A paragraph that is nothing but model IDs ("`a-1`" or "`a-1` `b-2` `c-3`")."""
    tokens = block.text.split()
    return (
        0 < len(tokens) <= 50
        and all(is_cell_id(t) and normalise(t) in ctx.known for t in tokens)
        and any(any(c.isdigit() for c in t) for t in tokens)
    )


def _date_slots(
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


def _own_date(
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


def _shutdown_first(text: str, dates: list[FoundDate]) -> list[FoundDate]:
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


def _lead_of(
    text: str, paragraph: str | None = None, context: dt.date | None = None
) -> _Lead | None:
    paragraph = paragraph or text
    if announces_deprecation(text) and not _REPLACEMENT_LEAD.search(text):
        kind = (
            "feature"
            if FEATURE_ITEM.search(text) and "model" not in text.lower()
            else ("deprecated")
        )
        source = text if find_dates(text) else paragraph
        found = _shutdown_first(source, find_dates(source))
        date = found[0].date if found and not has_month_only(text) else None
        if date is None and context and year_less(paragraph):
            date = month_day(paragraph, context)
        return _Lead(kind, date, bool(FLOOR.search(paragraph)), text)
    if _REPLACEMENT_LEAD.search(text):
        return _Lead("replacement", text=text)
    return None


def _plain_word_item(main: str, text: str, block: Text) -> bool:
    """An item that opens with a plain word (no digit, no separator, not printed as code)
    and goes on in words: a feature or a phrase, whatever a catalogue says of the word."""
    if any(c.isdigit() or c in "-_./:@" for c in main) or main in block.codes:
        return False
    rest = strip_parens(text)[len(main) :].strip(" `*:—–-")
    return bool(re.match(r"[a-z]", rest))


def _list_item(
    block: Text,
    lead: _Lead,
    sub_date: dt.date | None,
    anchor: str | None,
    order: int,
    ctx: DocContext,
) -> Candidate | None:
    text = block.text
    main = strip_parens(text).split(" ")[0].strip("`").rstrip(".,;:*")
    if lead.kind == "feature" or (FEATURE_ITEM.search(text) and not is_cell_id(main)):
        name = strip_parens(text) or text
        return Candidate(
            model=name,
            rule="feature list item",
            kind="feature",
            evidence=block.raw or text,
            anchor=anchor,
            source="list",
            order=order,
        )
    named: tuple[str, ...] = ()
    if _plain_word_item(main, text, block):
        return None  # "visual question answering": an English phrase, not a model
    capitalised_head = (
        "-" in main and is_cell_id(main) and bool(re.search(r"\bmodels?\b", lead.text, re.I))
    )  # "The following models are deprecated:" / "- **Mistral-Nemo** users should ..."
    if not capitalised_head and (
        not is_cell_id(main) or (main != main.lower() and normalise(main) not in ctx.known)
    ):
        # "Imagen 1 model `imagegeneration@002`": a short display name, then the ID
        first = next(iter(ctx.ids(text)), None)
        lead_in = text[: first.start].strip(" `*:—–-(") if first else ""
        if (
            first is None
            or len(lead_in.split()) > 6
            or not (is_strong_id(first.printed) or first.printed in block.codes)
            or announces_deprecation(lead_in)
            or ACTIVE.search(lead_in)
        ):
            return None
        main = first.printed
        shown = display_name(re.sub(r"\s+models?$", "", lead_in, flags=re.I))
        named = (shown,) if shown and any(c.isdigit() for c in shown) else ()
    inner = text[len(text.split("(")[0]) :] if "(" in text else ""
    aliases = named + tuple(m.model for m in ctx.ids(inner) if m.model != normalise(main))
    date = sub_date or lead.date
    floor = lead.floor
    if date is None and not has_month_only(text):
        # "The following models will be retired:" then "- `acme-2`: March 3, 2027; use `acme-3`"
        own = [
            f for f in find_dates(text) if not _DEPRECATION_DATE_BEFORE.search(_upto(text, f.start))
        ]
        if own:
            date, floor = own[0].date, floor or bool(FLOOR.search(text))
    model = normalise(main)
    cut = text.find(main) + len(main)
    replacements = tuple(
        dict.fromkeys(
            m.model
            for m in ctx.ids(text)
            if m.start >= cut
            and m.model not in (model, *aliases)
            and ACTIVE.search(text[cut : m.start])
        )
    )
    return Candidate(
        model=model,
        rule="list item under a deprecation lead",
        aliases=aliases,
        shutdown_date=date,
        shutdown_kind=("earliest" if floor or ctx.all_earliest else "firm") if date else "none",
        replacements=replacements,
        evidence=block.raw or text,
        anchor=anchor,
        source="list",
        order=order,
        status="retired" if PAST.search(lead.text) and "will" not in lead.text else None,
    )


_NAME_PART = re.compile(r"^[A-Z`][\w.`-]*(?: [A-Za-z0-9][\w.-]*)*$")


def _subject_names(subject: str) -> set[str]:
    """The names a (possibly coordinated) subject lists: "**A** and **B**" -> {A, B}."""
    parts = [
        re.sub(r"^(?:the|our)\s+", "", p.strip(), flags=re.I)
        for p in re.split(r"\s*(?:,|\band\b|\bor\b|&)\s*", subject.replace("*", ""))
    ]
    if len(parts) > 1 and not all(_NAME_PART.match(p) and not find_dates(p) for p in parts):
        return set()  # "On January 6th, we ...": a clause, not a list of names
    return {p for p in parts if p}


# A display name that is the object of a deprecation verb, possibly after other listed
# names: "will retire its Falcon 2 and [Falcon 2 Mini]", "is deprecating the Orca 7 model".
_OBJECT_OF = re.compile(
    r"\b(?:retir\w*|deprecat\w*|sunset\w*|discontinu\w*|shut(?:ting)? down|remov\w*|"
    r"decommission\w*)\s+(?:(?:its|the|our|their|both)\s+)?"
    r"(?:[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*)*\s*(?:,|\band\b|\bor\b)\s*)*$"
)


def _with_display_names(sentence: str, mentions: list[Mention], ctx: DocContext) -> list[Mention]:
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
    return mentions + _display_mentions(sentence, mentions, ctx)


def _display_mentions(sentence: str, taken: list[Mention], ctx: DocContext) -> list[Mention]:
    out = []
    for m in _DISPLAY.finditer(sentence):
        name = m.group(1)
        if not any(c.isdigit() for c in name) or any(
            t.start < m.end() and m.start() < t.end for t in taken
        ):
            continue
        mapped = ctx.map_display(name)
        if mapped:
            out.append(Mention(mapped, m.start(), m.end(), name))
            continue
        subject = _SUBJECT_PATTERN.match(sentence)
        if "API" in name or MONTH_DAY.search(name) or find_dates(name):
            continue  # "August 5" is a date, not a model
        if (subject and name in _subject_names(subject.group("name"))) or _OBJECT_OF.search(
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


def _listed_models(sentence: str, mention: Mention) -> bool:
    """Display names coordinated before a plain "models" ("its Falcon 2 and Falcon 2 Mini
    models") are those models; "GPT-5 and o3 model snapshots" or "the x series" is a family."""
    if " " not in mention.printed:
        return False  # an ID before "models" names a family ("`kimi-k2` models")
    rest = sentence[mention.end :]
    before = sentence[: mention.start].rstrip()
    name = r"[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*){1,4}"
    coordinated = bool(re.match(rf"^\s*(?:,|and|or|&)\s+{name}", rest)) or bool(
        re.search(rf"{name}\s*(?:,|\band|\bor|&)$", before)
    )
    return coordinated and bool(re.match(r"^[^.;:]*?\bmodels\b", rest))


def _date_from_item(text: str, candidates: list[Candidate], first: int) -> None:
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
_REMOVED_NOW = re.compile(
    r"\b(?:will\s+)?now\s+(?:return|fail|respond\s+with|result\s+in)\b|"
    r"\b(?:as\s+of|effective)\s+(?:today|immediately)\b|"
    r"\bno\s+longer\s+(?:available|accessible|served)\s+(?:as\s+of\s+)?(?:today|immediately)\b",
    re.IGNORECASE,
)
_PAST_REMOVAL = re.compile(
    r"\b(?:ha(?:s|ve)|we'?ve|'ve)\s+(?:now\s+)?(?:been\s+)?"
    r"(?:retired|removed|discontinued|shut\s+down|sunset|decommissioned|turned\s+off)\b|"
    r"\b(?:is|are)\s+now\s+(?:retired|removed|discontinued|shut\s+down|offline)\b",
    re.IGNORECASE,
)


def _dated_by_entry(text: str, candidates: list[Candidate], first: int, entry: dt.date) -> None:
    """Undated removals of this paragraph, said to have happened now (in the removal's own
    sentence or the one right after it), end on the entry date."""
    said = list(sentences(text))
    anchored = {
        sentence
        for i, sentence in enumerate(said)
        if any(_REMOVED_NOW.search(s) for s in said[i : i + 2])
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


def _scope(product: str | None) -> str:
    return f"product:{product}" if product else "api"


def _status_of_sentence(sentence: str) -> str | None:
    """'retired' when the sentence says it already happened, else None (decided by date)."""
    past = re.search(
        r"no longer(?! (?:available|offered) (?:to|for) new)|"
        r"(?:has been|have been|\bwas|\bwere)(?! (?:deprecated|announced|marked)\b)|"
        r"\bremoved\b|已(?:经)?(?:于|在)?",
        sentence,
        re.IGNORECASE,
    )
    future = re.search(r"\bwill\b|将", sentence, re.IGNORECASE)
    return "retired" if past and not future else None


# A hyphenated name that is not an ID by itself ("Mistral-Nemo", "music-cover-free"): it counts
# as one only when coordinated with an ID in the same subject list.
_WEAK_ID = re.compile(r"(?<![\w./@`-])[A-Za-z][A-Za-z0-9.]*+(?:-[A-Za-z0-9.]++)++(?![\w/@-])")


def _weak_mentions(sentence: str, found: list[Mention]) -> tuple[Mention, ...]:
    out = []
    for m in _WEAK_ID.finditer(sentence):
        token = m.group(0).rstrip(".")
        if any(t.start < m.end() and m.start() < t.end for t in found) or len(token) > 60:
            continue
        out.append(Mention(normalise(token), m.start(), m.start() + len(token), token))
    return tuple(out)


def _apply_clause(
    clause: Clause,
    sentence: str,
    result: ProseResult,
    before: int,
    anchor: str | None,
    order: int,
    ctx: DocContext,
) -> None:
    """The clause reader's facts complete the sentence's sightings: subjects the cue reading
    missed become candidates; a date the clause gives fills an undated sighting (an anaphor's
    date reaches the earlier sentence's), and a date the shutdown was moved to replaces the
    earlier one."""
    if _FEATURE_SENTENCE.match(sentence) or _EXAMPLE_BEFORE.search(sentence[:20]):
        return
    kind = ("earliest" if ctx.all_earliest else clause.kind) if clause.date else "none"
    for subject in clause.subjects:
        at = next(
            (
                i
                for i in range(len(result.candidates) - 1, -1, -1)
                if result.candidates[i].model == subject.model
                and result.candidates[i].kind == "model"
            ),
            None,
        )
        if at is not None and (at >= before or clause.how == "anaphor"):
            c = result.candidates[at]
            if clause.date and (clause.moved or c.shutdown_date is None):
                how = "a moved date" if clause.moved else clause.how
                evidence = c.evidence if sentence in c.evidence else f"{c.evidence} {sentence}"
                c = replace(
                    c,
                    shutdown_date=clause.date,
                    shutdown_kind=kind,
                    rule=f"{c.rule}, dated by the clause reader ({how})",
                    evidence=evidence.strip(),
                )
            if clause.replacements and not c.replacements:
                c = replace(c, replacements=clause.replacements)
            result.candidates[at] = c
            continue
        if clause.how == "anaphor":
            continue
        is_display = subject.model != normalise(subject.printed)
        result.candidates.append(
            Candidate(
                model=subject.model,
                rule=f"clause: {clause.how}",
                aliases=(display_name(subject.printed),)
                if is_display and " " in subject.printed
                else (),
                shutdown_date=clause.date,
                shutdown_kind=kind,  # type: ignore[arg-type]
                replacements=clause.replacements,
                evidence=sentence,
                anchor=anchor,
                source="prose",
                order=order,
                status=_status_of_sentence(sentence),
                scope=_scope(product_of(sentence)),
            )
        )


def _sentences(
    text: str,
    block: Text,
    result: ProseResult,
    ctx: DocContext,
    anchor: str | None,
    order: int,
    section_date: dt.date | None,
    context_date: dt.date | None = None,
    stated: Callable[[], dt.date | None] = lambda: None,
) -> None:
    first = len(result.candidates)
    block_reps: list[str] = []  # replacements named in this paragraph / list item

    def read_old(sentence: str, found: list[Mention]) -> None:
        said = announcement_date(sentence)
        if said and (result.announced is None or said > result.announced):
            result.announced = said
        if not announces_deprecation(sentence):
            if _REPLACEMENT_SENTENCE.search(sentence):
                named = [m.model for m in ctx.ids(sentence)]
                named += [  # "Migrate to [DeepSeek V4 Flash (0731)](.../models/x/ds-v4-0731)"
                    model
                    for label, href in block.links
                    if label and label in sentence and (model := model_page_id(href))
                ]
                block_reps.extend(named)
                if block.kind != "li":  # a list item's replacement is its own, not the section's
                    scope = _scope(product_of(sentence))
                    result.replacements.extend((r, scope, order) for r in named)
            return
        product = product_of(sentence)
        if only_weak_cues(sentence) and not find_dates(sentence):
            return  # "X: Legacy GPT model for cheaper tasks" describes, announces nothing
        if _FEATURE_SENTENCE.match(sentence):
            return
        mentions = list(found)
        if not mentions:
            return
        dates = [
            f
            for f in find_dates(sentence)
            if not ANNOUNCE_VERB.match(sentence[f.end : f.end + _WINDOW])
            and f.date != said
            and not _DEPRECATION_DATE_BEFORE.search(_upto(sentence, f.start))
        ]
        dates = _shutdown_first(sentence, dates)
        date = dates[0].date if dates else None
        if date is None and context_date and year_less(sentence):
            date = month_day(sentence, context_date)  # "followed on April 1": the entry's year
        if (
            date
            and section_date
            and date == section_date
            and not re.search(r"retir|shut|sunset|remov|discontinu", sentence, re.I)
        ):
            date = None  # "Effective <announcement day>, ... deprecated": not a shutdown date
        kind = (
            ("earliest" if FLOOR.search(sentence) or ctx.all_earliest else "firm")
            if date
            else "none"
        )
        slots = _date_slots(sentence, dates, mentions)
        polarities = [polarity(sentence, m.start, m.end) for m in mentions]
        # A model the sentence also calls active ("only kept GPT-5 ... removed the rest") is
        # never deprecated by it: a conflict resolves to no alarm.
        active_here = {m.model for m, p in zip(mentions, polarities, strict=True) if p == "active"}
        for mention, pol in zip(mentions, polarities, strict=True):
            if _EXAMPLE_BEFORE.search(_upto(sentence, mention.start)):
                continue
            if mention.model in active_here:
                pol = "active"
            is_display = mention.model != normalise(mention.printed)
            own_date, own_kind = date, kind
            if slots:
                own_date = _own_date(slots, mention, context_date)
                own_kind = (
                    ("earliest" if FLOOR.search(sentence) or ctx.all_earliest else "firm")
                    if own_date
                    else "none"
                )
            sighting = Candidate(
                model=mention.model,
                rule="deprecation sentence",
                aliases=(display_name(mention.printed),)
                if is_display and " " in mention.printed
                else (),
                shutdown_date=own_date,
                shutdown_kind=own_kind,  # type: ignore[arg-type]
                evidence=sentence,
                anchor=anchor,
                source="prose",
                order=order,
                status=_status_of_sentence(sentence),
                scope=_scope(product),
            )
            if _FAMILY_AFTER.match(sentence[mention.end :]) and not _listed_models(
                sentence, mention
            ):
                if pol == "deprecated" and not is_display:
                    result.families.append(
                        replace(
                            sighting, rule="family named in a deprecation sentence", scope="api"
                        )
                    )
                continue
            if pol == "active":
                # Only a model named as what to use instead joins the pool; one that merely
                # "stays available" replaces nothing.
                if block.kind != "li" and _REPLACEMENT_SENTENCE.search(sentence[: mention.start]):
                    result.replacements.append((mention.model, _scope(product), order))
                block_reps.append(mention.model)
                continue
            if pol != "feature":
                result.candidates.append(sighting)

    for sentence in sentences(text):
        before = len(result.candidates)
        cued = has_clause_cue(sentence)
        found = (
            _with_display_names(sentence, ctx.ids(sentence), ctx)
            if cued or announces_deprecation(sentence)
            else []
        )
        clause = (
            read_clause(
                sentence,
                sorted(found, key=lambda m: m.start),
                result.subjects,
                context_date,
                weak=_weak_mentions(sentence, found) if found else (),
            )
            if cued
            else None
        )
        read_old(sentence, found)
        if clause and clause.date is None and clause.how == "lead and list" and stated():
            clause = replace(clause, date=stated(), kind="firm")
        if clause:
            _apply_clause(clause, sentence, result, before, anchor, order, ctx)
            result.subjects = clause.subjects
        elif len(result.candidates) > before:
            result.subjects = ()
    if block.kind == "li":
        _date_from_item(text, result.candidates, first)
    # only an entry's own day dates a removal "now" (never a month-only or page context)
    if section_date and _REMOVED_NOW.search(text):
        _dated_by_entry(text, result.candidates, first, section_date)
    # Replacements named in the same paragraph belong to its deprecated models; the notice-wide
    # pool (records.py) is only a fallback for paragraphs that name none.
    reps = tuple(dict.fromkeys(r for r in block_reps))
    if reps:
        mine = {c.model for c in result.candidates[first:]}
        own = tuple(r for r in reps if r not in mine)
        result.candidates[first:] = [
            c if c.replacements or not own else replace(c, replacements=own)
            for c in result.candidates[first:]
        ]
