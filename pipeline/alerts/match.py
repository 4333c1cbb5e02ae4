"""Usage x records -> exposures: which team is exposed to which deprecation record.

This module owns the matching rules (pure, no I/O, no database):

- Everything is compared lowercased.
- A usage is *exact* when its model equals the record's model, *alias* when it equals one of
  the record's aliases, *normalized* when both reduce to the same canonical ID after platform-ID
  normalisation (`normalize_model_id`), and *glob* when the usage model is an fnmatch pattern
  that fully matches the record's model, an alias, or their canonical forms. Nothing is ever
  matched by substring: `gpt-4` does not match `gpt-4o` or `gpt-4-0613`.
- Provider: a usage whose provider is not `*` only matches records of that provider. A usage
  with provider `*` written in a platform form (Bedrock `anthropic.claude-...`, Vertex
  `...@20241022`, OpenRouter `openai/gpt-4o`) is pinned to that platform, because the platform
  form proves where the model is called and a platform retires models on its own date (Claude
  on Bedrock follows Bedrock's date, not Anthropic's). Only a platform-neutral usage with
  provider `*` (`claude-3-5-sonnet-20241022`) matches the model on every provider.
- Records of kind "feature" are never matched.
- Product-scoped records (`scope` "product:<name>", a model leaving ChatGPT while staying in
  the API) are never matched by model usage: using a model through the API says nothing
  about a product. `match_products` matches them to teams that declare the product
  (`products:` in teams.yml), whatever the model: a team that uses ChatGPT is exposed to
  every model that leaves ChatGPT (how "product").
- One exposure per (team, record), keeping the best match: exact > alias > normalized > glob.

Waivers are not applied here; the decider handles them.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.core.model_ids import GLOB_CHARS, is_glob, normalize_model_id
from pipeline.core.scope import product_of, product_scope

if TYPE_CHECKING:
    from pipeline.core.models import Record, UsageEntry

HOW_RANK = {"exact": 0, "alias": 1, "normalized": 2, "glob": 3}
PRODUCT_HOW = "product"
_ORIGIN_RANK = {"declared": 0, "import": 1, "scan": 2}


@dataclass(frozen=True)
class Exposure:
    """A team uses a model that a record is about; `usage_*` echo the matching usage entry."""

    team: str
    record_id: int
    usage_model: str  # lowercased, as declared / scanned / imported
    usage_provider: str  # the usage's own provider ("*" stays "*"), not the platform inferred
    how: str  # "exact" | "alias" | "glob" | "normalized"
    origin: str


@dataclass
class _Index:
    """Records indexed by exact model, alias and canonical ID; keys sorted for glob prefixes."""

    exact: dict[str, list[tuple[int, str]]]
    alias: dict[str, list[tuple[int, str]]]
    canonical: dict[str, list[tuple[int, str]]]
    glob_keys: list[str]
    glob_targets: dict[str, list[tuple[int, str]]]


def _build_index(records: Sequence[tuple[int, Record]]) -> _Index:
    exact: dict[str, list[tuple[int, str]]] = defaultdict(list)
    alias: dict[str, list[tuple[int, str]]] = defaultdict(list)
    canonical: dict[str, list[tuple[int, str]]] = defaultdict(list)
    glob_targets: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for record_id, record in records:
        if record.kind == "feature" or product_of(record.scope) is not None:
            continue
        target = (record_id, record.provider.strip().lower())
        model = record.model.strip().lower()
        aliases = {a.strip().lower() for a in record.aliases if a.strip()} - {model}
        exact[model].append(target)
        for a in aliases:
            alias[a].append(target)
        names = {model, *aliases}
        canon = {normalize_model_id(n)[1] for n in names}
        for c in canon:
            canonical[c].append(target)
        for key in names | canon:
            glob_targets[key].append(target)
    return _Index(
        exact=dict(exact),
        alias=dict(alias),
        canonical=dict(canonical),
        glob_keys=sorted(glob_targets),
        glob_targets=dict(glob_targets),
    )


def _literal_prefix(pattern: str) -> str:
    cut = min((i for i in (pattern.find(c) for c in GLOB_CHARS) if i >= 0), default=len(pattern))
    return pattern[:cut]


def _glob_keys(index: _Index, pattern: str) -> list[str]:
    """Record keys fully matched by one glob; only keys sharing its literal prefix are tried."""
    regex = re.compile(fnmatch.translate(pattern))
    prefix = _literal_prefix(pattern)
    keys = index.glob_keys
    lo = bisect.bisect_left(keys, prefix)
    hi = bisect.bisect_left(keys, prefix + "\U0010ffff") if prefix else len(keys)
    return [k for k in keys[lo:hi] if regex.match(k)]


def _provider_ok(wanted: str, provider: str) -> bool:
    return wanted == "*" or wanted == provider


def match(usages: Sequence[UsageEntry], records: Sequence[tuple[int, Record]]) -> list[Exposure]:
    """Match usage entries against (record id, record) pairs; one exposure per team x record.

    The result is sorted by (team, record_id).
    """
    index = _build_index(records)
    # (team, record_id) -> (sort key, exposure); the smallest sort key wins.
    best: dict[tuple[str, int], tuple[tuple[int, int, str, str], Exposure]] = {}
    glob_cache: dict[str, list[str]] = {}

    def offer(usage: UsageEntry, model: str, provider: str, how: str, record_id: int) -> None:
        key = (HOW_RANK[how], _ORIGIN_RANK.get(usage.origin, 9), model, provider)
        slot = (usage.team, record_id)
        current = best.get(slot)
        if current is None or key < current[0]:
            exposure = Exposure(usage.team, record_id, model, provider, how, usage.origin)
            best[slot] = (key, exposure)

    def hits(targets: Iterable[tuple[int, str]] | None, wanted: str) -> Iterable[int]:
        for record_id, provider in targets or ():
            if _provider_ok(wanted, provider):
                yield record_id

    for usage in usages:
        model = usage.model.strip().lower()
        if not model:
            continue
        provider = (usage.provider or "*").strip().lower() or "*"
        platform, canon = normalize_model_id(model)
        wanted = provider if provider != "*" else (platform or "*")

        if is_glob(model):
            for pattern in {model, canon}:
                keys = glob_cache.get(pattern)
                if keys is None:
                    keys = glob_cache[pattern] = _glob_keys(index, pattern)
                for key in keys:
                    for record_id in hits(index.glob_targets[key], wanted):
                        offer(usage, model, provider, "glob", record_id)
            continue

        for record_id in hits(index.exact.get(model), wanted):
            offer(usage, model, provider, "exact", record_id)
        for record_id in hits(index.alias.get(model), wanted):
            offer(usage, model, provider, "alias", record_id)
        for record_id in hits(index.canonical.get(canon), wanted):
            offer(usage, model, provider, "normalized", record_id)

    return [best[slot][1] for slot in sorted(best)]


def match_products(
    products: Sequence[tuple[str, str]], records: Sequence[tuple[int, Record]]
) -> list[Exposure]:
    """Match (team, product) declarations against product-scoped records.

    A team is exposed to every model record of a product it declares, whatever the model;
    API records are never matched here. Sorted by (team, record_id).
    """
    by_product: dict[str, list[int]] = defaultdict(list)
    for record_id, record in records:
        product = product_of(record.scope)
        if product is not None and record.kind != "feature":
            by_product[product].append(record_id)
    found = {
        (team, record_id): Exposure(
            team, record_id, product_scope(product), "*", PRODUCT_HOW, "declared"
        )
        for team, product in products
        for record_id in by_product.get(product.strip().lower(), ())
    }
    return [found[slot] for slot in sorted(found)]
