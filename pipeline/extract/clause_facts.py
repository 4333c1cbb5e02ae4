"""Clause facts -> candidates: what a sentence's clause adds to its sightings.

The clause reader (`clauses`) says who is retired, when and by what replaced; this pass turns
that into candidates: subjects the cue reading missed become candidates, a clause date fills
an undated sighting (an anaphor's date reaches the earlier sentence's), a date a shutdown was
moved to replaces the earlier one, and a redirect's date gives way to a stated shutdown.
Sentences about a capability of a model (fine-tuning it) or an example give nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.extract.candidate import Candidate
from pipeline.extract.clauses import Clause
from pipeline.extract.context import DocContext
from pipeline.extract.cues import product_of
from pipeline.extract.model_ids import display_name, normalise
from pipeline.extract.sentence_dates import status_of_sentence

# Sentences about a capability of models (fine-tuning them, a tool on them), not the models.
FEATURE_SENTENCE = re.compile(
    r"^(?:the\s+)?(?:new\s+)?(?:fine[- ]tun\w*|training|support for using|tool support)\b",
    re.IGNORECASE,
)
EXAMPLE_BEFORE = re.compile(r"(?:for example|for instance|e\.g\.|i\.e\.)[,:]?\s*$", re.I)


def scope_name(product: str | None) -> str:
    return f"product:{product}" if product else "api"


def apply_clause(
    clause: Clause,
    sentence: str,
    candidates: list[Candidate],
    before: int,
    anchor: str | None,
    order: int,
    ctx: DocContext,
) -> None:
    """The clause reader's facts complete the sentence's sightings: subjects the cue reading
    missed become candidates; a date the clause gives fills an undated sighting (an anaphor's
    date reaches the earlier sentence's), and a date the shutdown was moved to replaces the
    earlier one."""
    if FEATURE_SENTENCE.match(sentence) or EXAMPLE_BEFORE.search(sentence[:20]):
        return
    kind = ("earliest" if ctx.all_earliest else clause.kind) if clause.date else "none"
    for subject in clause.subjects:
        at = next(
            (
                i
                for i in range(len(candidates) - 1, -1, -1)
                if candidates[i].model == subject.model and candidates[i].kind == "model"
            ),
            None,
        )
        if at is not None and (at >= before or clause.how == "anaphor"):
            c = candidates[at]
            if clause.date and (
                clause.moved
                or c.shutdown_date is None
                or (c.rule == "clause: redirect" and clause.how != "redirect")
            ):
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
            candidates[at] = c
            continue
        if clause.how == "anaphor":
            continue
        is_display = subject.model != normalise(subject.printed)
        candidates.append(
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
                status=status_of_sentence(sentence),
                scope=scope_name(product_of(sentence)),
            )
        )
