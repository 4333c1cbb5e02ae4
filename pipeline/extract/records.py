"""Document -> merged `Record`s: run the table and prose extractors per notice, then merge.

One record per model per document. When a model appears in several notices, the most recent
announcement wins; within one announcement a dated sighting beats an undated one and a table
row beats prose. Replacements of equal sightings are united (a model listed in two tables).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace
from urllib.parse import urlsplit

from pipeline.core.models import Record
from pipeline.extract.candidate import SOURCE_RANK, Candidate
from pipeline.extract.catalogue import is_known
from pipeline.extract.confidence import assess
from pipeline.extract.context import DocContext, build_context
from pipeline.extract.cues import (
    API_CONTEXT,
    FLOOR,
    GA,
    PRODUCTS,
    announces_deprecation,
    sentences,
)
from pipeline.extract.dates import MONTH_ONLY, MONTHS, FoundDate, find_dates, make_date
from pipeline.extract.model_ids import DASHES, is_cell_id, is_strong_id, normalise
from pipeline.extract.prose import notice_prose, unnamed_shutdowns
from pipeline.extract.rows import listed_models, table_candidates
from pipeline.extract.sentence_dates import SHUTDOWN_BEFORE
from pipeline.extract.tables import classify, key_value_tables
from pipeline.parse.document import Document, Notice, Table, Text

log = logging.getLogger(__name__)
FEEDS = frozenset({"rss", "atom", "json"})


def _section_date(notice: Notice) -> dt.date | None:
    if notice.published:
        found = find_dates(notice.published)
        if found:
            return found[0].date
    for heading in reversed(notice.headings):
        found = find_dates(heading)
        if found:
            return found[0].date
    return None


def _deprecating_heading(notice: Notice, page_title: str = "") -> str | None:
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


def _month_context(notice: Notice) -> dt.date | None:
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
_BELOW = re.compile(
    r"\bbelow\b|\b(?:on|in) this (?:page|document|guide)\b|\blisted here\b|以下|下表|如下|"
    r"本页|本頁|このページ",
    re.IGNORECASE,
)
Scope = tuple[dt.date, str]


def lead_scope(block: Text, ctx: DocContext) -> Scope | None:
    """The (date, kind) a paragraph gives the tables under it: a sentence that announces a
    dated shutdown of what follows and names no model itself."""
    if not _POINTS_DOWN.search(block.text):
        return None
    return next(unnamed_shutdowns(block.text, ctx, where=_POINTS_DOWN.search), None)


def _heading_scope(headings: tuple[str, ...]) -> Scope | None:
    date = heading_shutdown_date(headings)
    if date is None:
        return None
    return date, "earliest" if any(FLOOR.search(h) for h in headings) else "firm"


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
    notice = replace(notice, blocks=key_value_tables(notice.blocks))
    section_date = _section_date(notice)
    heading_scope = _heading_scope(notice.headings)
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
        context_date=section_date or _month_context(notice) or page_date,
        heading=_deprecating_heading(notice, page_title)
        or (notice.headings[-1] if from_banner and notice.headings else None),
    )
    announced = prose.announced or section_date
    table_cands: list[Candidate] = []
    scope = heading_scope or inherited
    handed_down: Scope | None = None
    last_table = max((i for i, b in enumerate(notice.blocks) if isinstance(b, Table)), default=-1)
    for i, block in enumerate(notice.blocks):
        below = isinstance(block, Text) and bool(_BELOW.search(block.text))
        if isinstance(block, Text) and (i < last_table or below):
            lead = lead_scope(block, ctx)
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
        prose.candidates.extend(_heading_subject(notice, texts, ctx, order))
    table_cands, families = _apply_families(prose.families, table_cands, notice, ctx)
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
    context = section_date or _month_context(notice)
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


def _heading_subject(
    notice: Notice, texts: list[Text], ctx: DocContext, order: int
) -> list[Candidate]:
    """A section headed by one model ID whose text announces a dated shutdown without naming
    any model ("### Acme-X2-Special" / "... available until Dec 15th, 2025"): the heading's
    model is the subject."""
    heading = notice.headings[-1] if notice.headings else ""
    token = heading.strip().strip("`").translate(DASHES)
    model = normalise(token)
    if " " in token or not (
        is_strong_id(token) or (is_cell_id(token) and (model in ctx.known or is_known(model)))
    ):
        return []
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


def _members(family: str, models: set[str]) -> list[str]:
    return sorted(m for m in models if m.startswith(family + "-"))


def _apply_families(
    families: list[Candidate], table_cands: list[Candidate], notice: Notice, ctx: DocContext
) -> tuple[list[Candidate], list[Candidate]]:
    """A deprecated family's facts reach its members listed in this section's tables.

    Scope rule: "The `kimi-k2` series models were discontinued on May 25, 2026" above a table
    of `kimi-k2-*` rows dates those rows. Families with no member here are returned, to be
    resolved against the whole page's tables.
    """
    if not families:
        return table_cands, []
    listed: set[str] = set()
    for block in notice.blocks:
        if isinstance(block, Table):
            listed |= listed_models(block, ctx)
    out = list(table_cands)
    unresolved = []
    for family in families:
        members = _members(family.model, listed)
        if not members:
            unresolved.append(family)
            continue
        by_model = {c.model: i for i, c in enumerate(out)}
        for member in members:
            if member in by_model:
                c = out[by_model[member]]
                if c.shutdown_date is None and family.shutdown_date:
                    out[by_model[member]] = replace(
                        c,
                        rule=f"{c.rule}, dated by a family statement",
                        shutdown_date=family.shutdown_date,
                        shutdown_kind=family.shutdown_kind,
                        status=c.status or family.status,
                    )
            else:
                out.append(
                    replace(family, model=member, source="table", rule="member of a named family")
                )
    return out, unresolved


def _rank(c: Candidate) -> tuple:
    return (
        c.announced or c.context or dt.date.min,
        c.shutdown_date is not None,
        SOURCE_RANK[c.source],
        -c.order,
    )


def merge(cands: list[Candidate]) -> list[Candidate]:
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in cands:
        groups.setdefault((c.model, c.scope), []).append(c)
    merged = []
    for group in groups.values():
        best = max(group, key=_rank)
        reps = list(best.replacements)
        aliases = list(best.aliases)
        for other in group:
            if other.announced == best.announced and other.shutdown_date == best.shutdown_date:
                reps += other.replacements
            aliases += other.aliases
        merged.append(
            replace(
                best,
                sightings=len(group),
                replacements=tuple(r for r in dict.fromkeys(reps) if r != best.model),
                aliases=tuple(a for a in dict.fromkeys(aliases) if a != best.model),
            )
        )
    merged.sort(key=lambda c: c.order)
    # A model that is only an alias of another record is that record.
    alias_of = {a for c in merged for a in c.aliases}
    # A model the page names as the replacement of another is active there; an undated prose
    # sighting ("the latter retires the former") does not outweigh that.
    # In a change log a later entry may deprecate an earlier replacement: only a replacement
    # named at the same time or later counts.
    replacing: dict[str, dt.date] = {}
    for c in merged:
        for r in c.replacements:
            replacing[r] = max(replacing.get(r, dt.date.min), c.announced or dt.date.min)
    return [
        c
        for c in merged
        if (c.model not in alias_of or c.kind != "model")
        and not (
            c.model in replacing
            and c.source == "prose"
            and c.shutdown_date is None
            and replacing[c.model] >= (c.announced or dt.date.min)
        )
    ]


def to_record(
    c: Candidate, provider: str, url: str | None, today: dt.date, ctx: DocContext | None = None
) -> Record:
    status = c.status
    past = bool(c.shutdown_date and c.shutdown_date < today and c.shutdown_kind == "firm")
    if status not in ("deprecated", "legacy", "retired"):
        status = "retired" if c.shutdown_date and c.shutdown_date < today else "deprecated"
    elif status == "deprecated" and past:
        status = "retired"  # a heading said "Deprecated models"; the firm date has passed
    if c.kind == "model" and c.model.count("/") >= 2:
        # `accounts/<acct>/models/<slug>` is also called by its slug
        c = replace(c, aliases=tuple(dict.fromkeys((*c.aliases, c.model.rsplit("/", 1)[1]))))
    link = c.link or (f"{url.split('#')[0]}#{c.anchor}" if url and c.anchor else url)
    confidence, why = assess(c, ctx or DocContext())
    return Record(
        provider=provider,
        model=c.model,
        kind=c.kind,
        aliases=c.aliases,
        shutdown_date=c.shutdown_date.isoformat() if c.shutdown_date else None,
        shutdown_kind=c.shutdown_kind if c.shutdown_date else "none",
        # An entry dated on the shutdown day says when it happened, not when it was announced.
        announced_date=c.announced.isoformat()
        if c.announced and c.announced != c.shutdown_date
        else None,
        replacements=c.replacements,
        status=status,
        evidence=c.evidence,
        url=link,
        scope=c.scope,
        confidence=confidence,
        why=why,
    )


# Headings of a page's own change log ("Retirement and deprecation history", "Change log",
# "Revision history", "What's new", "Document updates").
HISTORY = re.compile(
    r"\bhistory\b|\bchange ?log\b|\brevisions?\b|\bwhat'?s new\b|"
    r"\b(?:document|page) (?:changes|updates)\b|\bupdates to this (?:page|document)\b",
    re.IGNORECASE,
)


def _is_change_log(notice: Notice) -> bool:
    """A prose-only section under a change-log heading (not the page title)."""
    return any(HISTORY.search(h) for h in notice.headings[1:]) and not any(
        isinstance(b, Table) for b in notice.blocks
    )


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
    named = {slug: len(p.findall(whole)) for slug, p in PRODUCTS if p.search(whole)}
    if not named:
        return None  # the usual case: no product named, so the API is not counted
    api_mentions = len(API_CONTEXT.findall(whole))
    return next((slug for slug, n in named.items() if n >= 3 * api_mentions), None)


def extract_records(
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
    page_date = url_date(doc.url)
    for n, notice in enumerate(doc.notices):
        if banner and notice.headings[: len(banner[0])] != banner[0]:
            banner = None
        inherited = banner[1] if banner and len(notice.headings) > len(banner[0]) else None
        found, unresolved, down = notice_candidates(
            notice, ctx, n * 10_000, doc.fmt, inherited, doc.title, page_date
        )
        if down:
            banner = (notice.headings, down)
        if current and _is_change_log(notice):
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
        cands += [
            replace(family, model=m, rule="member of a family named elsewhere on the page")
            for m in _members(family.model, current)
            if m not in named
        ]
    return [to_record(c, provider, doc.url, today, ctx) for c in merge(cands)]
