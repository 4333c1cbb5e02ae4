"""Datasette plugin for `sunset serve`: readable cells and a useful default query.

Loaded with `--plugins-dir` (not imported by the pipeline). In HTML views only (the JSON API
is untouched):
- a JSON list of plain values (replacements, aliases, why, e-mail lists) reads as
  `gpt-4.1, gpt-4.1-mini` instead of `["gpt-4.1", "gpt-4.1-mini"]`;
- long text and JSON objects (evidence, field_sources, overrides, structure_detail) fold into
  one line, `<details>` opening the full value, so a table shows many rows per screen;
- a SHA-256 shows its first 12 characters (the full value in its tooltip);
- a page change's text and diff (`page_changes`) read as folded, coloured lines;
- the database page's SQL box starts with the upcoming shutdowns, not the first table.
"""

from __future__ import annotations

import json
import re
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

FOLD_AT = 40  # characters shown on the folded line (kept on one line)
SHA256 = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_SQL = "select * from upcoming_shutdowns"
EMPTY = Markup("&nbsp;")  # an empty JSON list or object (falsy would mean "render as usual")


def _fold(text: str) -> Markup:
    if len(text) <= FOLD_AT:
        return Markup(escape(text))
    head = text[:FOLD_AT].rstrip()
    return Markup(
        '<details class="sunset-fold"><summary style="white-space:nowrap;cursor:pointer">'
        f"{escape(head)}…</summary>{escape(text)}</details>"
    )


def readable(value: Any) -> Markup | None:
    """The HTML for one cell, or None to let Datasette render it as usual."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if SHA256.match(text):
        return Markup(f'<span title="{escape(text)}">{escape(text[:12])}…</span>')
    if text[:1] in "[{" and text[-1:] in "]}":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, list) and all(isinstance(x, str | int | float) for x in data):
            return _fold(", ".join(str(x) for x in data)) if data else EMPTY
        if isinstance(data, dict):
            if not data:
                return EMPTY
            parts = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()]
            return _fold("; ".join(parts))
    if len(text) > FOLD_AT:
        return _fold(text)
    return None


@hookimpl
def render_cell(value: Any, column: str, table: str | None, row: Any) -> Markup | None:
    if column in ("url", "body"):
        return None  # links keep Datasette's rendering; snapshot bodies are blobs
    if table == "page_changes" or (table is None and column == "diff"):
        from pipeline.sources.pagediff.cells import page_cell  # a page's text and diff as lines

        fields = dict(zip(row.keys(), tuple(row), strict=True)) if row else None
        shown = page_cell(value, column, fields)
        if shown is not None:
            return shown
    return readable(value)


@hookimpl
def extra_body_script(template: str) -> str | None:
    if template != "database.html":
        return None
    # Runs before Datasette's window.onload turns the textarea into an editor.
    return (
        "(function(){var t=document.querySelector('textarea#sql-editor');"
        f"if(t&&/^select \\* from \\S+$/.test(t.value.trim()))t.value={json.dumps(DEFAULT_SQL)};"
        "})();"
    )
