"""Extract stage: bytes of one page -> `Extraction` (deprecation records + warnings).

`extract_document` is a pure function: it parses with `pipeline.parse`, then runs the passes
below over the parsed `Document`; `infer_format` maps a file name (or, when the name does not
say, its content) to a parser format; `fmt="auto"` sniffs the body.

The passes, each importing only the ones above it (`.importlinter`, checked by `.ci/run`):

    lexicon   cues, dates, catalogue, candidate,  cue words as data, date grammar, known IDs;
              clause_lexicon                      the clause reader's predicates, failures,
                                                  redirects, object verbs, anaphors, glue
    mentions  model_ids                           every ID mention once: span, printed form,
                                                  normalised ID ("GPT-4 versions 0613 and ...")
    columns   tables                              what each table column means; "Key: value"
                                                  record blocks read as tables
    clauses   clause_subjects; context, clauses,  who a clause is about (subject lists,
              replacements                        objects, lists run into a lead, a second
                                                  predicate's subjects); what the page knows
                                                  (codes, display names, floor notes, mention
                                                  memo); the clause reader (predicate, dates by
                                                  preposition, anaphora); replacement cells
    facts     prose_names, sentence_dates,        which models a sentence names, which date
              lists, clause_facts, prose, rows,   governs them, lead-ins and their items, a
              confidence                          clause's facts as sightings, tables rows
                                                  (their notes cells too), confidence
    scopes    scopes                              what a notice hands down: its date, a
                                                  heading's shutdown, a lead's or a page
                                                  banner's scope, change-log headings
    records   merging, records                    the walk over sections (banner -> section ->
                                                  table / list -> row), families, merge per
                                                  model, `Record`s with evidence and `why`

A new phrasing is a lexicon line (`clause_lexicon.PREDICATE_PHRASES`, `cues.DEPRECATION`) and a
grammar line in `tests/announcement_grammar.py` / `tests/test_grammar_suite.py`, never a rule
that names a page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path

from pipeline import structure
from pipeline.core.models import Extraction
from pipeline.extract.records import extract_records
from pipeline.parse import PARSERS, parse_document
from pipeline.parse.sniff import sniff_format

__all__ = ["clear_text_caches", "extract_document", "infer_format"]

log = logging.getLogger(__name__)

_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".mdx": "markdown",
    ".markdown": "markdown",
    ".atom": "atom",
    ".txt": "text",
    ".json": "json",
}


def clear_text_caches() -> None:
    """Forget the per-text memo of the passes (dates, cues, tokens, parentheses), so that a
    benchmark re-reading the same pages measures cold work, as a new page would cost."""
    from pipeline.extract import cues, dates, model_ids, tables

    for cached in (dates._find_dates, cues.announces_deprecation, model_ids.strip_parens):
        cached.cache_clear()
    model_ids._tokens.cache_clear()
    cues._sentence_tuple.cache_clear()
    tables.classify.cache_clear()


def infer_format(path: str) -> str:
    """Format from a telling file extension, else sniffed from the content.

    `.txt` is sniffed too (`llms.txt` twins are Markdown); unreadable files fall back to the
    extension's guess so the caller's own open reports the error.
    """
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS and suffix != ".txt":
        return _EXTENSIONS[suffix]
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return "rss" if suffix in (".rss", ".xml") else "text"
    return sniff_format(head)


def extract_document(
    body: bytes | str,
    *,
    fmt: str,
    provider: str,
    url: str | None = None,
    today: dt.date | None = None,
    known_models: Iterable[str] = (),
) -> Extraction:
    """Extract deprecation records from one document. Problems become warnings.

    `known_models` are IDs known outside the page (the store's records, teams' usage): they
    ground mentions like the offline catalogue does, raising confidence, never filtering.
    """
    if fmt == "auto":
        fmt = sniff_format(body)
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
        records = extract_records(doc, provider, today, frozenset(m.lower() for m in known_models))
    except Exception as exc:
        log.warning("extract failed for %s: %s", url or provider, exc)
        return Extraction(records=(), warnings=(*warnings, f"extract failed: {exc!r}"))
    if not records:
        warnings.append("no deprecation records found")
    return Extraction(
        records=tuple(records), warnings=tuple(warnings), structure=structure.features(doc)
    )
