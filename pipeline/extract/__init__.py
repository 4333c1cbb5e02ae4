"""Extract stage: bytes of one page -> `Extraction` (deprecation records + warnings).

`extract_document` is a pure function: it parses with `pipeline.parse`, reads tables by header
semantics and prose by sentence cues, and merges to one record per model. `infer_format`
maps a file name to a parser format.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from pipeline.extract.records import extract_records
from pipeline.models import Extraction
from pipeline.parse import PARSERS, parse_document

__all__ = ["extract_document", "infer_format"]

log = logging.getLogger(__name__)

_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".atom": "atom",
    ".txt": "text",
    ".json": "json",
}


def infer_format(path: str) -> str:
    """Format from the file extension; .rss/.xml are sniffed for Atom when readable."""
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in (".rss", ".xml"):
        try:
            with open(path, "rb") as fh:
                head = fh.read(2048)
        except OSError:
            return "rss"
        return "atom" if b"http://www.w3.org/2005/Atom" in head and b"<rss" not in head else "rss"
    return "text"


def extract_document(
    body: bytes | str,
    *,
    fmt: str,
    provider: str,
    url: str | None = None,
    today: dt.date | None = None,
) -> Extraction:
    """Extract deprecation records from one document. Problems become warnings."""
    if fmt not in PARSERS.names():
        raise ValueError(f"unknown format {fmt!r}; known: {PARSERS.names()}")
    if not provider:
        raise ValueError("provider is required")
    today = today or dt.datetime.now(dt.UTC).date()
    warnings: list[str] = []
    try:
        doc = parse_document(body, fmt, url)
    except Exception as exc:  # a parser bug must not stop a cycle
        log.warning("parse failed for %s: %s", url or provider, exc)
        return Extraction(records=(), warnings=(f"parse failed: {exc.__class__.__name__}: {exc}",))
    warnings.extend(doc.warnings)
    try:
        records = extract_records(doc, provider, today)
    except Exception as exc:
        log.warning("extract failed for %s: %s", url or provider, exc)
        return Extraction(records=(), warnings=(*warnings, f"extract failed: {exc!r}"))
    if not records:
        warnings.append("no deprecation records found")
    return Extraction(records=tuple(records), warnings=tuple(warnings))
