"""Datasette cells for `page_changes`: a diff as coloured lines, a page text as lines (pure).

Each is folded into `<details>` (the table shows many rows per screen) and escaped line by
line. The stored values are already bounded (`diff`, `text`), so a cell never grows without
limit.
"""

from __future__ import annotations

from markupsafe import Markup, escape

COLUMNS = ("diff", "text")
_STYLE = "margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;max-width:100ch"
_COLOURS = {"+": "background:#e6ffec", "-": "background:#ffebe9", "@": "color:#0969da"}


def _line(line: str) -> str:
    colour = _COLOURS.get(line[:1]) if not line.startswith(("+++", "---")) else None
    text = escape(line) or Markup("&nbsp;")
    return f'<span style="display:block;{colour}">{text}</span>' if colour else f"{text}\n"


def page_cell(value: object, column: str, row: dict | None = None) -> Markup | None:
    if not isinstance(value, str) or column not in COLUMNS:
        return None
    lines = value.splitlines()
    if column == "diff":
        if not value:
            return Markup("(same text)")
        added = (row or {}).get("added")
        removed = (row or {}).get("removed")
        label = f"+{added} −{removed} lines" if added is not None else f"{len(lines)} diff lines"
        body = "".join(_line(line) for line in lines)
    else:
        label = f"{len(lines)} lines of text"
        body = "".join(f"{escape(line)}\n" for line in lines)
    return Markup(
        f'<details class="sunset-page"><summary style="cursor:pointer">{escape(label)}</summary>'
        f'<pre style="{_STYLE}">{body}</pre></details>'
    )
