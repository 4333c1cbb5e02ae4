"""Merging: sightings -> one candidate per model, then `Record`s (the records pass's end).

A deprecated family's facts reach the members a section's tables list; sightings of one model
merge (the latest announcement wins, then a dated sighting, then a table row over prose);
aliases fold into their record; a model the page names as a replacement is not reported from
an undated prose sighting; `to_record` gives the record its status, link and confidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from pipeline.core.models import Record
from pipeline.extract.candidate import SOURCE_RANK, Candidate
from pipeline.extract.confidence import assess
from pipeline.extract.context import DocContext
from pipeline.extract.rows import listed_models
from pipeline.parse.document import Notice, Table


def family_members(family: str, models: set[str]) -> list[str]:
    return sorted(m for m in models if m.startswith(family + "-"))


def apply_families(
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
        members = family_members(family.model, listed)
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
