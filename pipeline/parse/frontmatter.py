"""YAML front matter (`---` ... `---` at the top of Markdown and text articles).

Front matter comes from fetched pages, so it is untrusted: aliases are refused (a "billion
laughs" alias bomb of a few hundred bytes expands to gigabytes), an oversized block is
ignored, and only scalar top-level fields (title, url, date, ...) are kept. PyYAML is
imported on the first page that has front matter.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
MAX_FRONT_MATTER = 64_000  # characters; real front matter is a few lines
_SCALARS = (str, int, float, bool, dt.date)


@cache
def _no_alias_loader() -> type:
    """A SafeLoader subclass that refuses aliases (`*name`), so nothing can expand."""
    import yaml

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, "aliases are not allowed", mark)
            return super().compose_node(parent, index)

    return _NoAliasLoader


def split_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """Return (metadata, body, warnings); metadata is {} when there is none or it is bad."""
    if not text.startswith("---"):
        return {}, text, []
    match = _FRONT.match(text)
    if not match:
        return {}, text, []
    if len(match.group(1)) > MAX_FRONT_MATTER:
        return {}, text[match.end() :], [f"front matter over {MAX_FRONT_MATTER} characters"]
    import yaml

    try:
        meta = yaml.load(match.group(1), Loader=_no_alias_loader())  # a SafeLoader subclass
    except (yaml.YAMLError, ValueError, RecursionError, OverflowError, TypeError) as exc:
        # deep nesting, a 5,000-digit integer, `date: 2026-02-30`: ignore the front matter,
        # keep the page
        return {}, text[match.end() :], [f"bad front matter: {exc.__class__.__name__}: {exc}"[:200]]
    if not isinstance(meta, dict):
        return {}, text[match.end() :], []
    scalars = {k: v for k, v in meta.items() if isinstance(k, str) and isinstance(v, _SCALARS)}
    return scalars, text[match.end() :], []
