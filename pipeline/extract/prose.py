"""Paragraphs and lists -> candidates, sentence by sentence (the prose facts pass).

Owns the walk over a notice's text blocks: lead-ins and their lists (read by `lists`), single
sentences read by the clause reader (`clauses`) with the older sentence rule as its fallback,
and the paragraph-level steps after it (replacements named in the paragraph, an item's own
date, a removal "now" dated by its entry). Which models a sentence names comes from
`prose_names`; which date governs them from `sentence_dates`. Each mention gets a polarity
from `cues.polarity`; only deprecated mentions become candidates.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pipeline.core.text_guard import may_contain
from pipeline.extract.candidate import Candidate
from pipeline.extract.clause_facts import EXAMPLE_BEFORE, FEATURE_SENTENCE, apply_clause, scope_name
from pipeline.extract.clause_subjects import MODELS_NOUN
from pipeline.extract.clauses import DEPRECATION_DATE_BEFORE as _DEPRECATION_DATE_BEFORE
from pipeline.extract.clauses import has_clause_cue, read_clause
from pipeline.extract.context import DocContext, model_page_id
from pipeline.extract.cues import (
    ANNOUNCE_VERB,
    FLOOR,
    announces_deprecation,
    only_clause_wording,
    only_weak_cues,
    polarity,
    product_of,
    sentences,
)
from pipeline.extract.dates import (
    ZH_MONTH_DAY,
    find_dates,
    month_day,
    year_less,
)
from pipeline.extract.lists import (
    DATE_LABEL,
    Lead,
    also_listed,
    id_item,
    id_run,
    lead_of,
    list_item,
    migration_item,
)
from pipeline.extract.model_ids import (
    Mention,
    display_name,
    normalise,
)
from pipeline.extract.prose_names import names_members, weak_mentions, with_display_names
from pipeline.extract.sentence_dates import (
    REMOVED_NOW,
    WINDOW,
    announcement_date,
    date_from_item,
    date_slots,
    dated_by_entry,
    entry_date_of,
    mention_date,
    only_a_date,
    shutdown_first,
    status_of_sentence,
    text_before,
    unnamed_shutdowns,
)
from pipeline.parse.document import Text

# A mention that names a family, not one model: "the `kimi-k2` series", "GPT-5 and o3 model
# snapshots", "older Claude 3 models" (also when coordinated with other family names).
_FAMILY_AFTER = re.compile(
    r"^[\s`*]*(?:(?:,|\band\b|\bor\b|&)\s*[`*]?[\w.-]+[`*]?\s*)*"
    r"(?:(?:preview|stable|experimental|existing|older|legacy|dated)\s+)?"
    r"(?:model\s+)?(?:models|family|families|series|suite|snapshots|versions|variants|line-?up|"
    r"endpoints)\b",
    re.IGNORECASE,
)
_REPLACEMENT_SENTENCE = re.compile(
    r"\binstead\b|\bmigrat|\brecommend|\bswitch\w* to\b|\bmov\w* to\b|\bupgrad\w* to\b|"
    r"^\W*(?:please\s+)?(?:use|try)\b|"
    r"\bredirect\w* to\b|\brout\w* to\b|\bserved by\b|\bfall\w* back to\b|"
    r"迁移|替代|替换|改用|推荐|建议使用|後継|移行|代替",
    re.I,
)
_REPLACEMENT_PIECES = (  # every alternative above contains one (a cheap test first)
    "instead", "migrat", "recommend", "switch", "mov", "upgrad", "redirect", "rout", "served by",
    "fall", "use", "try",
    "迁移", "替代", "替换", "改用", "推荐", "建议使用", "後継", "移行", "代替",
)  # fmt: skip


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
    section_lead = Lead("deprecated", scope_shutdown, False, heading) if heading else None
    stated = functools.cache(lambda: _stated_shutdown(blocks, ctx, context_date))
    lead: Lead | None = None
    sub_date: dt.date | None = None
    entry_date: dt.date | None = None  # the last paragraph that was only a date
    for n, block in enumerate(blocks):
        text = block.text
        if lead and DATE_LABEL.match(text):
            found = find_dates(text)
            sub_date = (
                found[0].date
                if found
                else (month_day(text, section_date) if section_date and year_less(text) else None)
            )
            continue
        # a paragraph that points at the list right under it leads it, whatever ends it
        # ("以下のモデルは D をもって廃止されます。", "The following models retire on D.")
        leads_list = (
            block.kind == "p"
            and n + 1 < len(blocks)
            and blocks[n + 1].kind == "li"
            and any(_POINTS_AT_LIST.search(part) for part in sentences(text))
        )
        colon_led = text.rstrip().endswith((":", "：")) or bool(
            re.search(r"\s[-–—]$", text.rstrip())
        )
        if colon_led or leads_list:
            # the lead is the sentence that ends in the colon (else the one that points at the
            # list); earlier sentences of the paragraph ("We recommend ...") only lend it a date
            parts = sentences(text)
            lead, sub_date = lead_of(parts[-1], text, context_date) if colon_led else None, None
            if lead is None:
                # "The following models are now deprecated. Please move to ...:" - the lead is
                # the sentence that points at the list, not the last one
                pointing = [
                    p for p in parts[: -1 if colon_led else None] if _POINTS_AT_LIST.search(p)
                ]
                lead = lead_of(pointing[-1], text, context_date) if pointing else None
        if leads_list and not colon_led and (lead is None or lead.kind != "deprecated"):
            lead = None  # a paragraph that only mentions "below" is read as prose
        elif colon_led or leads_list:
            if lead and lead.kind == "deprecated" and lead.date is None and stated():
                lead.date = stated()  # "On March 23rd, we will discontinue ..." above the list
            said = announcement_date(text)
            if said and (result.announced is None or said > result.announced):
                result.announced = said
            continue
        if lead and block.kind != "li" and id_run(block, ctx):
            # A lead's items printed as bare paragraphs of IDs (one per paragraph, or several
            # on soft-wrapped lines) rather than as a list.
            for token in block.text.split():
                item = Text(text=token, raw=block.raw, kind="li", codes=block.codes)
                cand = list_item(item, lead, sub_date, anchor, order + n, ctx)
                if cand and lead.kind != "replacement":
                    result.candidates.append(cand)
            continue
        if lead and block.kind == "li":
            if lead.kind == "replacement":
                result.replacements.extend((m.model, "api", None) for m in ctx.ids(text))
                continue
            cand = list_item(block, lead, sub_date, anchor, order + n, ctx)
            if cand:
                result.candidates.append(cand)
                result.candidates.extend(also_listed(block.text, cand, ctx))
            continue
        after_list = lead is not None and n > 0 and blocks[n - 1].kind == "li"
        lead = None
        if deprecation_scope and block.kind == "li":
            migration = migration_item(block, ctx, anchor, order + n, scope_shutdown)
            if migration:
                result.candidates.extend(migration)
                continue
        if section_lead and block.kind == "li" and id_item(block, ctx):
            # "## Models retiring on May 30, 2026" over a bare list of IDs: the heading is
            # the list's lead
            cand = list_item(block, section_lead, None, anchor, order + n, ctx)
            if cand:
                result.candidates.append(cand)
                continue
        if block.kind == "p" and only_a_date(text):
            # "<div class=date>August 2, 2026</div>" above an entry: dates what follows
            entry_date = find_dates(text)[0].date
            continue
        listed = len(result.candidates)
        own_date, text = entry_date_of(text)
        own_date = own_date or entry_date
        if own_date and (result.announced is None or own_date > result.announced):
            result.announced = own_date
        _sentences(
            text,
            block,
            result,
            ctx,
            anchor,
            order + n,
            own_date or section_date,
            own_date or context_date,
            stated,
        )
        if after_list and len(result.candidates) == listed:
            # "请迁移至 X" / "Use X instead." right after a lead's list serves the whole list
            mine = {c.model for c in result.candidates}
            result.replacements = [
                (r, scope, None if at == order + n and r not in mine else at)
                for r, scope, at in result.replacements
            ]
    return result


_POINTS_AT_LIST = re.compile(r"\b(?:the following|listed below|below)\b|以下|下列", re.I)


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
    first_family = len(result.families)
    pooled = len(result.replacements)
    block_reps: list[str] = []  # replacements named in this paragraph / list item

    def read_old(sentence: str, found: list[Mention]) -> None:
        said = announcement_date(sentence)
        if said and (result.announced is None or said > result.announced):
            result.announced = said
        if only_clause_wording(sentence):
            return  # the clause reader's alone
        if not announces_deprecation(sentence):
            if may_contain(sentence, _REPLACEMENT_PIECES) and _REPLACEMENT_SENTENCE.search(
                sentence
            ):
                # "switch to GPT-5 mini": a display name the catalogue maps is the model named
                named = [m.model for m in with_display_names(sentence, ctx.ids(sentence), ctx)]
                named += [  # "Migrate to [DeepSeek V4 Flash (0731)](.../models/x/ds-v4-0731)"
                    model
                    for label, href in block.links
                    if label and label in sentence and (model := model_page_id(href))
                ]
                block_reps.extend(named)
                if block.kind != "li":  # a list item's replacement is its own, not the section's
                    scope = scope_name(product_of(sentence))
                    result.replacements.extend((r, scope, order) for r in named)
            return
        if not found:
            return  # the same end as below, without the pure checks before it
        product = product_of(sentence)
        if only_weak_cues(sentence) and not find_dates(sentence):
            return  # "X: Legacy GPT model for cheaper tasks" describes, announces nothing
        if FEATURE_SENTENCE.match(sentence):
            return
        mentions = list(found)
        if not mentions:
            return
        dates = [
            f
            for f in find_dates(sentence)
            if not ANNOUNCE_VERB.match(sentence[f.end : f.end + WINDOW])
            and f.date != said
            and not _DEPRECATION_DATE_BEFORE.search(text_before(sentence, f.start))
        ]
        dates = shutdown_first(sentence, dates)
        date = dates[0].date if dates else None
        if date is None and context_date and (year_less(sentence) or ZH_MONTH_DAY.search(sentence)):
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
        slots = date_slots(sentence, dates, mentions)
        polarities = [polarity(sentence, m.start, m.end) for m in mentions]
        # A model the sentence also calls active ("only kept GPT-5 ... removed the rest") is
        # never deprecated by it: a conflict resolves to no alarm.
        active_here = {m.model for m, p in zip(mentions, polarities, strict=True) if p == "active"}
        for mention, pol in zip(mentions, polarities, strict=True):
            if EXAMPLE_BEFORE.search(text_before(sentence, mention.start)):
                continue
            if mention.model in active_here:
                pol = "active"
            is_display = mention.model != normalise(mention.printed)
            own_date, own_kind = date, kind
            if slots:
                own_date = mention_date(slots, mention, context_date)
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
                status=status_of_sentence(sentence),
                scope=scope_name(product),
            )
            if _FAMILY_AFTER.match(sentence[mention.end :]) and not names_members(
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
                    result.replacements.append((mention.model, scope_name(product), order))
                block_reps.append(mention.model)
                continue
            if pol != "feature":
                result.candidates.append(sighting)

    for sentence in sentences(text):
        before = len(result.candidates)
        cued = has_clause_cue(sentence)
        found = (
            with_display_names(sentence, ctx.ids(sentence), ctx)
            if cued or announces_deprecation(sentence)
            else []
        )
        clause = (
            read_clause(
                sentence,
                sorted(found, key=lambda m: m.start),
                result.subjects,
                context_date,
                weak=weak_mentions(sentence, found)
                if found or MODELS_NOUN.search(sentence)
                else (),
            )
            if cued
            else None
        )
        read_old(sentence, found)
        if clause and clause.date is None and clause.how == "lead and list" and stated():
            clause = replace(clause, date=stated(), kind="firm")
        if clause:
            apply_clause(clause, sentence, result.candidates, before, anchor, order, ctx)
            result.subjects = clause.subjects
        elif len(result.candidates) > before:
            # what this sentence retired is what a following "It" / "They" refers to
            added = {c.model for c in result.candidates[before:]}
            result.subjects = tuple(m for m in found if m.model in added)
    if block.kind == "li":
        date_from_item(text, result.candidates, first)
    # only an entry's own day dates a removal "now" (never a month-only or page context)
    if section_date and REMOVED_NOW.search(text):
        dated_by_entry(text, result.candidates, first, section_date)
        dated_by_entry(text, result.families, first_family, section_date)
    # Replacements named in the same paragraph belong to its deprecated models; the notice-wide
    # pool (records.py) is only a fallback for paragraphs that name none.
    reps = tuple(dict.fromkeys(r for r in block_reps))
    if reps:
        mine = {c.model for c in result.candidates[first:]}
        own = tuple(r for r in reps if r not in mine)
        if own and mine:
            # they replace this paragraph's models, not the models of the notice's other
            # paragraphs ("`b-1` retires on D. Please migrate to `b-2`." says nothing of `a-1`)
            del result.replacements[pooled:]
        result.candidates[first:] = [
            c if c.replacements or not own else replace(c, replacements=own)
            for c in result.candidates[first:]
        ]
