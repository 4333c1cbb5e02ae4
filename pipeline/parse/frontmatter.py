"""YAML front matter (`---` ... `---` at the top of Markdown and text articles)."""

from __future__ import annotations

import re
from typing import Any

import yaml

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """Return (metadata, body, warnings); metadata is {} when there is none or it is bad."""
    match = _FRONT.match(text)
    if not match:
        return {}, text, []
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return {}, text[match.end() :], [f"bad front matter: {exc.__class__.__name__}"]
    if not isinstance(meta, dict):
        return {}, text[match.end() :], []
    return meta, text[match.end() :], []
