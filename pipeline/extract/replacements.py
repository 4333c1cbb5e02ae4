"""Replacement cells and phrases -> list of model IDs (or lowercased display names).

"gpt-5 or gpt-4.1*", "A, B, and C", space-separated IDs, "(text-only workloads)" notes and
footnote marks are handled; display names are mapped to the page's IDs when it gives them.
"""

from __future__ import annotations

import re

from pipeline.extract.model_ids import display_name, find_ids, is_cell_id, normalise, strip_parens

_SPLIT = re.compile(r"\s*(?:,|;|\bor\b|\band\b|/)\s*", re.IGNORECASE)
_NONE = re.compile(r"^\s*(n/?a|none|-+|—|tbd|no replacement.*)?\s*$", re.IGNORECASE)


def parse_replacements(cell: str, ctx: object) -> tuple[str, ...]:
    text = strip_parens(cell)
    if _NONE.match(text):
        return ()
    known = getattr(ctx, "known", set())
    ids = [m.model for m in find_ids(text, known)]
    if not ids:
        ids = [normalise(t) for t in text.split() if is_cell_id(t) and t == t.lower()]
        ids = [i for i in ids if i in known or any(c.isdigit() for c in i)]
    if ids:
        return tuple(dict.fromkeys(ids))
    out: list[str] = []
    for part in _SPLIT.split(text):
        name = display_name(part)
        if not name or len(name) > 50:
            continue
        mapper = getattr(ctx, "map_display", None)
        mapped = mapper(name) if mapper else None
        out.append(mapped or name)
    return tuple(dict.fromkeys(out))
