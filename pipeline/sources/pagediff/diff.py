"""A bounded unified diff between two page texts (pure, difflib).

Bounds: each side is compared on at most `MAX_INPUT_LINES` lines (the page text is already
capped, see `text`), and the diff kept is at most `MAX_DIFF_LINES` lines and
`MAX_DIFF_CHARS` characters, cut at a line with a note saying how much was left out. The
added/removed counts always cover the compared lines in full.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

MAX_INPUT_LINES = 20_000
MAX_DIFF_LINES = 2_000
MAX_DIFF_CHARS = 200_000
CONTEXT_LINES = 2


@dataclass(frozen=True)
class PageDiff:
    text: str  # unified diff, "" when the texts are the same
    added: int
    removed: int
    truncated: bool


def bounded_diff(old: str, new: str) -> PageDiff:
    a, b = old.splitlines(), new.splitlines()
    cut = len(a) > MAX_INPUT_LINES or len(b) > MAX_INPUT_LINES
    a, b = a[:MAX_INPUT_LINES], b[:MAX_INPUT_LINES]
    kept: list[str] = []
    size = added = removed = dropped = 0
    lines = difflib.unified_diff(a, b, "before", "after", n=CONTEXT_LINES, lineterm="")
    for line in lines:
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
        if len(kept) < MAX_DIFF_LINES and size + len(line) + 1 <= MAX_DIFF_CHARS:
            kept.append(line)
            size += len(line) + 1
        else:
            dropped += 1
    if dropped:
        kept.append(f"... {dropped} more diff lines left out (the diff is capped)")
    if cut:
        kept.append(f"... only the first {MAX_INPUT_LINES} lines of each version were compared")
    return PageDiff("\n".join(kept), added, removed, bool(dropped or cut))
