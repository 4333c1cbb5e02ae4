"""Document -> merged `Record`s: run the table and prose extractors per notice, then merge.

One record per model per document. When a model appears in several notices, the most recent
announcement wins; within one announcement a dated sighting beats an undated one and a table
row beats prose. Replacements of equal sightings are united (a model listed in two tables).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import replace

from pipeline.core.models import Record
from pipeline.extract.candidate import Candidate
from pipeline.extract.catalogue import is_known
from pipeline.extract.clauses import read_clause
from pipeline.extract.context import DocContext, build_context
from pipeline.extract.cues import (
    API_CONTEXT,
    FLOOR,
    GA,
    PRODUCT_WORDS,
    PRODUCTS,
    announces_deprecation,
    sentences,
)
from pipeline.extract.dates import (
    FoundDate,
    find_dates,
    in_month_first_order,
    writes_month_first,
)
from pipeline.extract.merging import apply_families, family_members, merge, to_record
from pipeline.extract.model_ids import DASHES, is_cell_id, is_strong_id, normalise
from pipeline.extract.prose import notice_prose
from pipeline.extract.rows import listed_models, table_candidates
from pipeline.extract.scopes import (
    HISTORY,
    Scope,
    date_of_notice,
    deprecating_heading,
    is_change_log,
    lead_scope,
    month_context,
    page_context,
    reaches_below,
    scope_of_headings,
)
from pipeline.extract.sentence_dates import SHUTDOWN_BEFORE
from pipeline.extract.tables import classify, key_value_tables
from pipeline.parse.document import Document, Notice, Table, Text

log = logging.getLogger(__name__)
FEEDS = frozenset({"rss", "atom", "json"})


def notice_candidates(
    notice: Notice,
    ctx: DocContext,
    order: int,
    fmt: str,
    inherited: Scope | None = None,
    page_title: str = "",
    page_date: dt.date | None = None,
) -> tuple[list[Candidate], list[Candidate], Scope | None]:
    """The notice's candidates, the deprecated families it names but does not list, and the
    scope it hands down to its sub-sections (a lead that says "below" and that no table of
    its own took). `inherited` is the scope handed down from a parent section or banner."""
    if fmt in FEEDS or fmt == "text":
        body = " ".join(
            b.text if isinstance(b, Text) else " ".join(b.header) for b in notice.blocks
        )
        if not announces_deprecation(f"{notice.title} {body}"):
            return [], [], None
    notice = replace(notice, blocks=key_value_tables(notice.blocks, _heading_id(notice, ctx)))
    section_date = date_of_notice(notice)
    heading_scope = scope_of_headings(notice.headings)
    texts = [b for b in notice.blocks if isinstance(b, Text)]
    # A banner above ("On D, the models listed on this page will stop serving requests")
    # makes this section's lists deprecations too, dated by it.
    from_banner = inherited is not None and heading_scope is None
    prose = notice_prose(
        texts,
        section_date=section_date,
        ctx=ctx,
        anchor=notice.anchor,
        order=order,
        deprecation_scope=announces_deprecation(" ".join(notice.headings)) or from_banner,
        scope_shutdown=(heading_scope or inherited or (None,))[0],
        context_date=section_date or month_context(notice) or page_date,
        heading=deprecating_heading(notice, page_title)
        or (notice.headings[-1] if from_banner and notice.headings else None),
    )
    announced = prose.announced or section_date
    table_cands: list[Candidate] = []
    scope = heading_scope or inherited
    handed_down: Scope | None = None
    last_table = max((i for i, b in enumerate(notice.blocks) if isinstance(b, Table)), default=-1)
    # the page's subject, for a lead about "all <class> models": its title, else its top heading
    subject = page_title or (notice.headings[0] if notice.headings else "")
    for i, block in enumerate(notice.blocks):
        below = isinstance(block, Text) and reaches_below(block.text, subject)
        if isinstance(block, Text) and (i < last_table or below):
            lead = lead_scope(block, ctx, subject)
            if lead:
                scope = lead
                handed_down = lead if below else handed_down
        if isinstance(block, Table):
            block = _with_title_model(block, notice, ctx)
            table_cands += table_candidates(
                block,
                headings=notice.headings,
                anchor=notice.anchor,
                announced=announced,
                ctx=ctx,
                order=order + i * 100,
                scope=scope,
            )
            handed_down = None
    if (
        not prose.announced
        and section_date
        and any(c.shutdown_date == section_date for c in table_cands)
    ):
        # The heading date is the shutdown day (Groq style), not the announcement.
        table_cands = [
            replace(c, announced=None) if c.announced == section_date else c for c in table_cands
        ]
        announced = None
    if not prose.candidates and not table_cands:
        prose.candidates.extend(
            _heading_subject(notice, texts, ctx, order) or _heading_clause(notice, ctx, order)
        )
    table_cands, families = apply_families(prose.families, table_cands, notice, ctx)
    in_tables = {c.model for c in table_cands}
    deprecated_here = in_tables | {c.model for c in prose.candidates}
    pool = tuple(dict.fromkeys(prose.replacements))
    prose_cands = []
    for c in prose.candidates:
        if c.model in in_tables or any(t.startswith(c.model + "-") for t in in_tables):
            continue  # the table lists this one, or it names the family of the table's models
        # The pool fills in for paragraphs that name no replacement, within the same scope
        # (what replaces a model in ChatGPT does not replace an API model), from the same or
        # the next paragraph ("X will be retired." / "We recommend Y.") or a replacement list.
        reps = c.replacements or tuple(
            dict.fromkeys(
                r
                for r, scope, at in pool
                if scope == c.scope
                and r not in deprecated_here
                and (at is None or 0 <= at - c.order <= 1)
            )
        )
        prose_cands.append(replace(c, announced=announced, replacements=reps))
    context = section_date or month_context(notice)
    found = [replace(c, link=notice.link, context=context) for c in table_cands + prose_cands]
    families = [replace(f, announced=f.announced or announced) for f in families]
    return found, families, handed_down


def _with_title_model(table: Table, notice: Notice, ctx: DocContext) -> Table:
    """A feed entry's field table ("Retirement date: ...") names no model when the entry's
    title does ("Updated fields for o1-mini 2024-09-12"): the title's one ID is the row's."""
    if len(table.rows) != 1 or not notice.published:
        return table
    cols = classify(table)
    if cols.model is not None or cols.display is not None or cols.shutdown is None:
        return table
    # The title often repeats the fields ("Updated fields for X: Retirement date: 'a' -> 'b'"):
    # the subject is what comes before the first of them.
    cut = min(
        (i for h in table.header if h and (i := notice.title.find(f"{h}:")) >= 0),
        default=len(notice.title),
    )
    ids = {m.model for m in ctx.ids(notice.title[:cut])}
    if len(ids) != 1:
        return table
    return Table(
        header=("Model", *table.header),
        rows=((ids.pop(), *table.rows[0]),),
        raw_rows=(f"{notice.title} | {table.raw_rows[0] if table.raw_rows else ''}",),
    )


def _heading_clause(notice: Notice, ctx: DocContext, order: int) -> list[Candidate]:
    """A heading that is itself the announcement ("Shutdown of `x-1` on March 1, 2026") over
    a section that names no model of its own: the heading's clause, when it gives a date."""
    heading = notice.headings[-1] if notice.headings else ""
    if not heading or not announces_deprecation(heading):
        return []
    clause = read_clause(heading, sorted(ctx.ids(heading), key=lambda m: m.start))
    if clause is None or clause.date is None:
        return []
    return [
        Candidate(
            model=subject.model,
            rule="a heading that is itself the announcement",
            shutdown_date=clause.date,
            shutdown_kind="earliest" if ctx.all_earliest else clause.kind,  # type: ignore[arg-type]
            replacements=clause.replacements,
            evidence=heading,
            anchor=notice.anchor,
            source="prose",
            order=order,
        )
        for subject in clause.subjects
    ]


_ID_CHARACTERS = re.compile(r"[\w.:/@+-]+", re.ASCII)


def _heading_id(notice: Notice, ctx: DocContext) -> str | None:
    """The model ID that is the section's whole heading ("### `x-2`"), if it is one."""
    heading = notice.headings[-1] if notice.headings else ""
    token = heading.strip().strip("`").translate(DASHES)
    model = normalise(token)
    if (
        not _ID_CHARACTERS.fullmatch(token)  # a sentence, in a script without spaces too
        or find_dates(token)  # "## 03-Mar-2027": an entry's date, not a model
        or not (
            is_strong_id(token) or (is_cell_id(token) and (model in ctx.known or is_known(model)))
        )
    ):
        return None
    return token


def _heading_subject(
    notice: Notice, texts: list[Text], ctx: DocContext, order: int
) -> list[Candidate]:
    """A section headed by one model ID whose text announces a dated shutdown without naming
    any model ("### Acme-X2-Special" / "... available until Dec 15th, 2025"): the heading's
    model is the subject."""
    token = _heading_id(notice, ctx)
    if token is None:
        return []
    model = normalise(token)
    for block in texts:
        for sentence in sentences(block.text):
            if GA.search(sentence):
                return []  # "Generally available since ...": the heading's model is active
            if announces_deprecation(sentence) and any(
                m.model != normalise(token) for m in ctx.ids(sentence)
            ):
                return []  # the section's deprecations are about other models
    # "- Deprecated on: 2026-04-01" / "- Shutdown date: 2026-07-01": the date a shutdown
    # word governs wins; a date labelled as the deprecation (announcement) never is one.
    dated: list[tuple[bool, str, FoundDate]] = []
    statements: list[str] = []
    for block in texts:
        for sentence in sentences(block.text):
            if not announces_deprecation(sentence) or ctx.ids(sentence):
                continue
            statements.append(sentence)
            for found in find_dates(sentence):
                before = sentence[: found.start]
                if _DEPRECATED_ON.search(before) and not SHUTDOWN_BEFORE.search(before):
                    continue
                dated.append((not SHUTDOWN_BEFORE.search(before), sentence, found))
    if not statements:
        return []
    if dated:
        _, sentence, found = min(dated, key=lambda d: d[0])
        date, kind = found.date, "earliest" if FLOOR.search(sentence) else "firm"
    else:
        sentence, date, kind = statements[0], None, "none"
    return [
        Candidate(
            model=model,
            rule="section headed by the model",
            shutdown_date=date,
            shutdown_kind=kind,  # type: ignore[arg-type]
            evidence=sentence,
            anchor=notice.anchor,
            source="prose",
            order=order,
        )
    ]


_DEPRECATED_ON = re.compile(r"\b(?:deprecated|deprecation|announced|notice)\b[^.;]{0,30}$", re.I)


def _current_table_models(doc: Document, ctx: DocContext) -> set[str]:
    """Models that the page's lifecycle tables list (deprecated or active) outside change logs."""
    out: set[str] = set()
    for notice in doc.notices:
        if any(HISTORY.search(h) for h in notice.headings[1:]):
            continue
        for block in notice.blocks:
            if isinstance(block, Table):
                out |= listed_models(block, ctx)
    return out


def _document_product(doc: Document) -> str | None:
    """The product a whole document is about: named, and at least three times as often as the
    API (or developers) is."""
    texts = (
        [doc.title]
        + [b.text for n in doc.notices for b in n.blocks if isinstance(b, Text)]
        + [h for n in doc.notices for h in n.headings]
    )
    whole = " ".join(texts)
    named = {
        slug: len(p.findall(whole))
        for slug, p in PRODUCTS
        if PRODUCT_WORDS.get(slug, "") in whole and p.search(whole)
    }
    if not named:
        return None  # the usual case: no product named, so the API is not counted
    api_mentions = len(API_CONTEXT.findall(whole))
    return next((slug for slug, n in named.items() if n >= 3 * api_mentions), None)


def extract_records(
    doc: Document, provider: str, today: dt.date, grounded: frozenset[str] = frozenset()
) -> list[Record]:
    """The page's records, its numeric dates read in the order its written dates use."""
    with in_month_first_order(writes_month_first(_texts(doc))):
        return _extract_records(doc, provider, today, grounded)


def _texts(doc: Document) -> Iterator[str]:
    for notice in doc.notices:
        yield from notice.headings
        for block in notice.blocks:
            if isinstance(block, Text):
                yield block.text
            elif isinstance(block, Table):
                yield from (" ".join(row) for row in block.rows)


def _extract_records(
    doc: Document, provider: str, today: dt.date, grounded: frozenset[str] = frozenset()
) -> list[Record]:
    """Candidates of every notice, merged per model.

    Section semantics: when a page keeps its current lifecycle tables and, below them, a
    prose change log of its own edits ("Updated `gpt-4` 0613 deprecation date to ..."), the
    tables are the current truth. Such change-log entries never override a model the tables
    list (deprecated or active), and an entry without a shutdown date adds nothing; only dated
    entries for models the tables no longer list are kept.
    """
    ctx = build_context(doc, grounded, provider)
    current = _current_table_models(doc, ctx)
    cands: list[Candidate] = []
    families: list[Candidate] = []
    # A scope handed down by a section's lead ("all models listed below ...") reaches the
    # sections nested under it: (the heading path it belongs to, the scope).
    banner: tuple[tuple[str, ...], Scope] | None = None
    page_date = page_context(doc.url, doc.title)
    for n, notice in enumerate(doc.notices):
        if banner and notice.headings[: len(banner[0])] != banner[0]:
            banner = None
        inherited = banner[1] if banner and len(notice.headings) > len(banner[0]) else None
        found, unresolved, down = notice_candidates(
            notice, ctx, n * 10_000, doc.fmt, inherited, doc.title, page_date
        )
        if down:
            banner = (notice.headings, down)
        if current and is_change_log(notice):
            found = [c for c in found if c.shutdown_date and c.model not in current]
        cands += found
        families += unresolved
    # A family named where no table lists it ("the `moonshot-v1` series is no longer
    # available") covers the members the page's tables list elsewhere.
    product = _document_product(doc)
    if product:
        # An article about a product's model menu (and never about the API): its sightings
        # are product changes, whatever sentence they come from.
        cands = [
            replace(c, scope=f"product:{product}") if c.source == "prose" else c for c in cands
        ]
    named = {c.model for c in cands}
    for family in families:
        members = [m for m in family_members(family.model, current) if m not in named]
        cands += [
            replace(family, model=m, rule="member of a family named elsewhere on the page")
            for m in members
        ]
        if not family_members(family.model, current | named):
            # "the `x-1` series is no longer available" and no member listed anywhere: the
            # family keeps its name, so a team calling `x-1-mini` is still told
            cands.append(
                replace(
                    family,
                    model="-".join(family.model.split()),
                    rule="family named, no member listed",
                )
            )
    return [to_record(c, provider, doc.url, today, ctx) for c in merge(cands)]
