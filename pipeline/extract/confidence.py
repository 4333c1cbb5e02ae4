"""How sure extraction is about each record, and why: the last pass before records.

Confidence starts from the rule that produced the sighting (a lifecycle table row is
stronger evidence than one sentence in a news article), then moves with what supports or
weakens it: a stated shutdown date, an ID the offline catalogue or the page's own model
columns know, a record seen several times on the page, a display name with no API ID. The
cues that fired are kept as `why`, so a wrong record can be traced to the rule that made it
(`sunset extract --explain`); records below the review threshold are held for an operator.
"""

from __future__ import annotations

from pipeline.extract.candidate import Candidate
from pipeline.extract.catalogue import is_known
from pipeline.extract.context import DocContext
from pipeline.extract.model_ids import is_strong_id

# Base confidence by rule (prefix match on Candidate.rule).
_BASE = (
    ("table row under a deprecation heading", 0.75),
    ("table row", 0.85),
    ("list item under a deprecation lead", 0.8),
    ("migration item", 0.75),
    ("member of a named family", 0.75),
    # a family named in one place, its members listed in another: the weakest link
    ("member of a family named elsewhere", 0.45),
    ("deprecation sentence", 0.6),
    ("section headed by the model", 0.55),
    ("feature list item", 0.6),
)


def assess(c: Candidate, ctx: DocContext) -> tuple[float, tuple[str, ...]]:
    """(confidence in 0..1, the cues behind it) for one merged candidate."""
    base = next((value for prefix, value in _BASE if c.rule.startswith(prefix)), 0.5)
    why = [c.rule or "unnamed rule"]
    score = base
    if c.shutdown_date:
        score += 0.1
        why.append(f"shutdown date stated ({c.shutdown_kind})")
    else:
        score -= 0.05
        why.append("no shutdown date")
    if c.kind == "model":
        if is_known(c.model):
            score += 0.05
            why.append("ID in the models.dev catalogue")
        elif c.model in ctx.grounded:
            score += 0.05
            why.append("ID known from the store or a team's usage")
        elif c.model in ctx.known:
            why.append("ID printed as code or in a model column on the page")
        elif " " in c.model:
            score -= 0.15
            why.append("display name only: the page gives no API ID")
        elif is_strong_id(c.model):
            why.append("model-shaped ID")
        else:
            score -= 0.1
            why.append("weak ID shape")
    if c.sightings > 1:
        score += 0.05
        why.append(f"seen {c.sightings} times on the page")
    if c.replacements:
        why.append("replacement named")
    if c.scope != "api":
        why.append(f"scope {c.scope}")
    return round(min(0.99, max(0.05, score)), 2), tuple(why)
