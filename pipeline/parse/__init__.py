"""Parse stage: bytes -> `Document` of `Notice`s, one parser per format in a registry.

`parse_document(body, fmt)` decodes robustly and dispatches to the parser registered for
`fmt` (html, markdown, rss, atom, json, text). Parsers are pure: no I/O. A parser's module
(and its library: bs4, feedparser, markdown-it) is imported on the first use of its format.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.parse.document import Block, Document, Notice, Table, Text
from pipeline.parse.encoding import decode
from pipeline.parse.registry import PARSERS

# Each parser's module is imported on the first page of its format (feedparser alone costs
# more than a small page's whole extraction).
PARSERS.declare("pipeline.parse.html_tree", "html")
PARSERS.declare("pipeline.parse.markdown", "markdown")
PARSERS.declare("pipeline.parse.feed", "rss", "atom")
PARSERS.declare("pipeline.parse.json_feed", "json")
PARSERS.declare("pipeline.parse.text", "text")

__all__ = ["PARSERS", "Block", "Document", "Notice", "Table", "Text", "parse_document"]


def parse_document(body: bytes | str, fmt: str, url: str | None = None) -> Document:
    """Decode `body` and parse it as `fmt`; problems end up in `Document.warnings`."""
    parser = PARSERS.get(fmt)
    decoded, warnings = decode(body)
    doc = parser(decoded, url)
    if warnings:
        doc = replace(doc, warnings=(*warnings, *doc.warnings))
    return doc
