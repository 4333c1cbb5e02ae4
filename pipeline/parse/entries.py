"""A feed entry's body -> blocks: HTML content through the HTML parser, plain text as
paragraphs, and runs of "Key: value" lines (or fields on one line, split by `|` or `;`) as a
one-row table (change feeds).

Shared by the RSS/Atom parser (`feed`) and the JSON Feed parser (`json_feed`). The HTML
parser is looked up in the registry, so an entry body without markup never imports bs4.
"""

from __future__ import annotations

import re

from pipeline.parse.document import Block, Table, Text
from pipeline.parse.registry import PARSERS

_KEY_VALUE = re.compile(r"^\s*([A-Z][\w /()-]{1,40}):\s+(\S.*?)\s*$")


_CHANGE_ARROW = re.compile(r"\s*(?:→|->|=>|⟶)\s*")


def _current_value(value: str) -> str:
    """A change feed's "'old' → 'new'" value is its new value (the current truth)."""
    parts = _CHANGE_ARROW.split(value)
    return parts[-1].strip().strip("'\"‘’“”") if len(parts) > 1 else value


# what separates fields run together on one line: "Model: x | Retirement date: D"
FIELD_SEPARATOR = re.compile(r"\s*[|;]\s*")


def _field_lines(text: str) -> list[str]:
    """The body's lines, a line of fields run together ("Model: x | Retirement date: D")
    split into one line per field."""
    lines = []
    for line in text.splitlines():
        parts = FIELD_SEPARATOR.split(line)
        fields = len(parts) >= 2 and all(_KEY_VALUE.match(part) for part in parts)
        lines += parts if fields else [line]
    return lines


def _plain_blocks(text: str) -> tuple[Block, ...]:
    """Plain-text entry bodies; runs of "Key: value" lines become a one-row table."""
    keys: list[str] = []
    values: list[str] = []
    blocks: list[Block] = []
    for line in _field_lines(text):
        match = _KEY_VALUE.match(line)
        if match:
            keys.append(match.group(1))
            values.append(_current_value(match.group(2)))
        elif line.strip():
            blocks.append(Text(text=" ".join(line.split()), raw=line.strip()))
    if len(keys) >= 2 or (keys and not blocks):  # a lone "Field: value" entry is a record
        raw = " | ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True))
        blocks.insert(0, Table(header=tuple(keys), rows=(tuple(values),), raw_rows=(raw,)))
    elif keys:
        blocks.insert(0, Text(text=f"{keys[0]}: {values[0]}"))
    return tuple(blocks)


def content_blocks(html: str) -> tuple[Block, ...]:
    """The blocks of one entry body (HTML when it holds a tag, else plain text)."""
    if "<" not in html:
        return _plain_blocks(html)
    doc = PARSERS.get("html")(f"<html><body><main>{html}</main></body></html>", None)
    return tuple(block for notice in doc.notices for block in notice.blocks)
