"""The alerts' "what changed on the provider's page" link (pure).

It opens the Datasette query `page_changes_for_page` for the alert's page: that page's stored
texts and diffs, newest first. The public address of `sunset serve` comes from
`SUNSET_DATASETTE_URL` (for example `https://sunset.example.com`, behind the proxy that
guards it); without it, or for a page that is not an http(s) URL, there is no link.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit, urlunsplit

ENV = "SUNSET_DATASETTE_URL"
QUERY = "sunset/page_changes_for_page"


def page_key(url: str) -> str:
    """The page address as stored for its source: without the #fragment."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def changes_url(page_url: str | None, base: str | None = None) -> str | None:
    base = (base if base is not None else os.environ.get(ENV, "")).strip()
    if not base or not page_url:
        return None
    base_parts, page_parts = urlsplit(base), urlsplit(page_url.strip())
    if base_parts.scheme not in ("http", "https") or not base_parts.netloc:
        return None
    if page_parts.scheme not in ("http", "https") or not page_parts.netloc:
        return None
    return f"{base.rstrip('/')}/{QUERY}?page={quote(page_key(page_url), safe='')}"
