"""Lists in prose: a lead-in that dates or deprecates the list under it ("The following
models will be retired on D:"), day labels ("November 12:"), replacement lists ("migrate to:"),
migration items ("X -> Y"), bare ID items and runs, and one list item read as its own statement.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from pipeline.extract.candidate import Candidate
from pipeline.extract.clauses import DEPRECATION_DATE_BEFORE as _DEPRECATION_DATE_BEFORE
from pipeline.extract.context import DocContext
from pipeline.extract.cues import (
    ACTIVE,
    FEATURE_ITEM,
    FLOOR,
    PAST,
    announces_deprecation,
    only_clause_wording,
)
from pipeline.extract.dates import (
    find_dates,
    has_month_only,
    month_day,
    year_less,
)
from pipeline.extract.model_ids import (
    display_name,
    is_cell_id,
    is_strong_id,
    normalise,
    strip_parens,
)
from pipeline.extract.sentence_dates import shutdown_first, text_before
from pipeline.parse.document import Text

DATE_LABEL = re.compile(r"^\s*[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s*\d{4})?\s*:\s*$")


_REPLACEMENT_LEAD = re.compile(
    r"alternative|migrat\w* to|recommend|replacement|instead|upgrade to|switch to", re.I
)


@dataclass
class Lead:
    kind: str  # deprecated | replacement | feature
    date: dt.date | None = None
    floor: bool = False
    text: str = ""


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


def migration_item(
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


def id_item(block: Text, ctx: DocContext) -> bool:
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


def id_run(block: Text, ctx: DocContext) -> bool:
    """A paragraph that is nothing but model IDs ("`a-1`" or "`a-1` `b-2` `c-3`")."""
    tokens = block.text.split()
    return (
        0 < len(tokens) <= 50
        and all(is_cell_id(t) and normalise(t) in ctx.known for t in tokens)
        and any(any(c.isdigit() for c in t) for t in tokens)
    )


def lead_of(text: str, paragraph: str | None = None, context: dt.date | None = None) -> Lead | None:
    paragraph = paragraph or text
    # a wording that ends models only with a date ("migrating from X", "redirected to Y") leads
    # a list only when the lead gives that date
    dated_only = only_clause_wording(text) and not find_dates(paragraph)
    if announces_deprecation(text) and not _REPLACEMENT_LEAD.search(text) and not dated_only:
        kind = (
            "feature"
            if FEATURE_ITEM.search(text) and "model" not in text.lower()
            else ("deprecated")
        )
        source = text if find_dates(text) else paragraph
        found = shutdown_first(source, find_dates(source))
        date = found[0].date if found and not has_month_only(text) else None
        if date is None and context and year_less(paragraph):
            date = month_day(paragraph, context)
        return Lead(kind, date, bool(FLOOR.search(paragraph)), text)
    if _REPLACEMENT_LEAD.search(text):
        return Lead("replacement", text=text)
    return None


# "- `a-1` → `a-2`": what the arrow points at replaces the item's model
_ARROW = re.compile(r"→|⇒|-+>|=>")


def _plain_word_item(main: str, text: str, block: Text) -> bool:
    """An item that opens with a plain word (no digit, no separator, not printed as code)
    and goes on in words: a feature or a phrase, whatever a catalogue says of the word."""
    if any(c.isdigit() or c in "-_./:@" for c in main) or main in block.codes:
        return False
    rest = strip_parens(text)[len(main) :].strip(" `*:—–-")
    return bool(re.match(r"[a-z]", rest))


_ITEM_GLUE = re.compile(r"^[\s`*]*(?:,\s*(?:and|or)?|\band\b|\bor\b|&|、|和|及び?)[\s`*]*$", re.I)


def also_listed(text: str, cand: Candidate, ctx: DocContext) -> list[Candidate]:
    """More IDs coordinated right after the item's own one ("Imagen 2 models `a@005` and
    `a@006`"): each is listed with the same facts."""
    mentions = ctx.ids(text)
    at = next((i for i, m in enumerate(mentions) if m.model == cand.model), None)
    if at is None or cand.kind != "model":
        return []
    out: list[Candidate] = []
    last = mentions[at]
    for m in mentions[at + 1 :]:
        if not _ITEM_GLUE.match(text[last.end : m.start]) or m.model in cand.replacements:
            break
        out.append(replace(cand, model=m.model, aliases=()))
        last = m
    return out


def list_item(
    block: Text,
    lead: Lead,
    sub_date: dt.date | None,
    anchor: str | None,
    order: int,
    ctx: DocContext,
) -> Candidate | None:
    text = block.text
    main = re.split(r"[\s（：，、；]", strip_parens(text), maxsplit=1)[0].strip("`").rstrip(".,;:*")
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
    if _plain_word_item(main, text, block) and not any(
        is_strong_id(m.printed) or m.printed in block.codes for m in ctx.ids(text)
    ):
        return None  # "visual question answering": an English phrase, not a model
    capitalised_head = (
        "-" in main
        and is_cell_id(main)
        and bool(re.search(r"\bmodels?\b|模型|モデル", lead.text, re.I))
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
    if ACTIVE.search(inner):
        inner = ""  # "(use `x-3` instead)" names the replacement, not another name
    aliases = named + tuple(m.model for m in ctx.ids(inner) if m.model != normalise(main))
    date = sub_date or lead.date
    floor = lead.floor
    if date is None and not has_month_only(text):
        # "The following models will be retired:" then "- `acme-2`: March 3, 2027; use `acme-3`"
        own = [
            f
            for f in find_dates(text)
            if not _DEPRECATION_DATE_BEFORE.search(text_before(text, f.start))
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
            and (ACTIVE.search(text[cut : m.start]) or _ARROW.search(text[cut : m.start]))
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
