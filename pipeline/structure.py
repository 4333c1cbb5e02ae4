"""A page's structure: the shape of a parsed document, so a redesign can be noticed.

The structure is what a redesign changes and a content update does not: the format, the
heading depths in use and the header row of each kind of table (lower-cased, digits and
punctuation folded). New dated sections, new rows and reworded paragraphs leave it alone;
a renamed or reordered column, a table that became prose or a new nesting level change it.
Records extracted from a page whose structure changed since its last good snapshot are
reviewed before teams hear of them. Pure functions of a `Document`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pipeline.parse import Document, Table, parse_document
from pipeline.parse.sniff import sniff_format

MAX_FEATURES = 60
MAX_CELLS = 12
CELL_MAX = 40
_FOLD = re.compile(r"[^a-z#]+")
_LABELS = {"depth": "heading level", "table": "table", "format": "format"}


def _cell(text: str) -> str:
    folded = _FOLD.sub(" ", re.sub(r"\d+", "#", text.lower())).strip()
    return folded[:CELL_MAX]


def features(doc: Document) -> tuple[str, ...]:
    """The sorted, de-duplicated structural features of a document."""
    found = {f"format:{doc.fmt}"}
    for notice in doc.notices:
        found.add(f"depth:{len(notice.headings)}")
        for block in notice.blocks:
            if isinstance(block, Table):
                cells = [_cell(c) for c in block.header[:MAX_CELLS]]
                width = len(block.rows[0]) if block.rows else 0
                found.add("table:" + (" | ".join(cells) if any(cells) else f"{width} columns"))
    return tuple(sorted(found))[:MAX_FEATURES]


def signature(found: Sequence[str]) -> str:
    """A short stable hash of the features."""
    import hashlib  # here: extracting one page (`sunset extract`) never needs it

    return hashlib.sha256(json.dumps(list(found)).encode()).hexdigest()[:16]


def of_body(body: bytes | str, fmt: str, url: str | None = None) -> tuple[str, ...] | None:
    """The features of a raw page, or None when it cannot be parsed (never raises).
    `fmt="auto"` sniffs the body, as extraction does."""
    try:
        if fmt == "auto":
            fmt = sniff_format(body)
        return features(parse_document(body, fmt, url))
    except Exception:
        return None


def _label(feature: str) -> str:
    kind, _, value = feature.partition(":")
    return f"{_LABELS.get(kind, kind)} [{value}]"


def describe_change(old: Sequence[str], new: Sequence[str], limit: int = 3) -> str:
    """'page structure changed: added table [model | retired on]; removed table [...]'."""
    added = [_label(f) for f in new if f not in old]
    removed = [_label(f) for f in old if f not in new]
    parts = [f"added {f}" for f in added[:limit]] + [f"removed {f}" for f in removed[:limit]]
    more = len(added) + len(removed) - len(parts)
    if more > 0:
        parts.append(f"{more} more")
    return "page structure changed: " + "; ".join(parts or ["signature differs"])
