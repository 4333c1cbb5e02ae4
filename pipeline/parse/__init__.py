"""Parse stage: bytes -> `Document` of `Notice`s, one parser per format in a registry.

`parse_document(body, fmt)` decodes robustly and dispatches to the parser registered for
`fmt` (html, markdown, rss, atom, json, text). Parsers are pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.parse import feed, html, markdown, text  # noqa: F401  (fill the registry)
from pipeline.parse.document import Block, Document, Notice, Table, Text
from pipeline.parse.encoding import decode
from pipeline.parse.registry import PARSERS

__all__ = ["PARSERS", "Block", "Document", "Notice", "Table", "Text", "parse_document"]


def parse_document(body: bytes | str, fmt: str, url: str | None = None) -> Document:
    """Decode `body` and parse it as `fmt`; problems end up in `Document.warnings`."""
    parser = PARSERS.get(fmt)
    decoded, warnings = decode(body)
    doc = parser(decoded, url)
    if warnings:
        doc = replace(doc, warnings=(*warnings, *doc.warnings))
    return doc
