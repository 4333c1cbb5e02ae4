"""The frozen dataclasses that parse hands to extract: `Document` -> `Notice` -> blocks.

A notice is the smallest headed section of a page (or one feed entry). It keeps the whole
heading path so that extract can read dates and context from headings
("2025-09-26: Legacy GPT model snapshots" > "Base GPT models").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """A paragraph, list item or other run of visible text."""

    text: str
    raw: str = ""  # the source text as printed (Markdown source line), for evidence
    kind: str = "p"  # p | li | note
    codes: tuple[str, ...] = ()  # contents of code spans: strong hints of model IDs


@dataclass(frozen=True)
class Table:
    """A table: header cells plus body rows, cell text already whitespace-normalised."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    raw_rows: tuple[str, ...] = ()  # evidence text per row (raw Markdown line or joined cells)


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
