"""The frozen dataclasses that parse hands to extract: `Document` -> `Notice` -> blocks.

A notice is the smallest headed section of a page (or one feed entry). It keeps the whole
heading path so that extract can read dates and context from headings
("2025-09-26: Legacy GPT model snapshots" > "Base GPT models").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """A paragraph, list item or other run of visible text."""

    text: str
    raw: str = ""  # the source text as printed (Markdown source line), for evidence
    kind: str = "p"  # p | li | note
    codes: tuple[str, ...] = ()  # contents of code spans: strong hints of model IDs
    links: tuple[tuple[str, str], ...] = ()  # (link text, href) pairs, for model-page links


@dataclass(frozen=True)
class Table:
    """A table: header cells plus body rows, cell text already whitespace-normalised."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    raw_rows: tuple[str, ...] = ()  # evidence text per row (raw Markdown line or joined cells)
    # (row, column, text, href) of each link in a body cell
    links: tuple[tuple[int, int, str, str], ...] = ()


Block = Text | Table


@dataclass(frozen=True)
class Notice:
    """One section (or feed entry): its heading path, anchor, date and blocks."""

    headings: tuple[str, ...] = ()
    anchor: str | None = None
    blocks: tuple[Block, ...] = ()
    link: str | None = None
    published: str | None = None  # ISO date, feeds only

    @property
    def title(self) -> str:
        return self.headings[-1] if self.headings else ""


@dataclass(frozen=True)
class Document:
    """A parsed page: metadata and its notices in page order."""

    fmt: str
    url: str | None = None
    title: str = ""
    notices: tuple[Notice, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


# A heading that is only a date ("January 9, 2025", "2025-01-09", "### Aug 22, 2024").
_DATE_HEADING = re.compile(
    r"^\W*(?:(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})|"
    r"(?:\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4})|(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}))\W*$"
)


def push_heading(
    stack: list[tuple[float, str, str | None]],
    level: int,
    text: str,
    anchor: str | None,
    *,
    empty: bool,
) -> None:
    """Put a heading on the section stack (level, text, anchor), popping its equals.

    Section semantics: a heading with no body of its own followed by date-only headings of
    the *same* level ("## Deprecation history" / "## January 9, 2025" / "## December 2, 2024")
    is the group heading of those dated entries, as if they were one level below it. It stays
    in their heading path until a heading that is not a date closes the group.
    """
    is_date = bool(_DATE_HEADING.match(text))
    if (
        is_date
        and stack
        and empty
        and stack[-1][0] == level
        and not _DATE_HEADING.match(stack[-1][1])
    ):
        top = stack.pop()
        stack.append((level - 0.5, top[1], top[2]))  # becomes the group heading
    floor = level if is_date else level - 0.5
    while stack and stack[-1][0] >= floor:
        stack.pop()
    stack.append((level, text, anchor))
