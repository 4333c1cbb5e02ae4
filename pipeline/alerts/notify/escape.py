"""Making scraped text safe to send: control/bidi stripping, truncation, Slack escaping, URLs.

Everything a provider page said (model names, evidence quotes, URLs) is hostile until it has
passed through here. Slack mrkdwn and HTML escaping are separate: HTML is escaped by Jinja2's
autoescape, Slack text by `slack_escape`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ELLIPSIS = "…"
# Bidi embeddings/overrides/isolates (U+202A-202E, U+2066-2069) plus the marks U+200E/F and
# U+061C, C0 controls except tab/newline, DEL and C1 controls.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")
URL_MAX = 2000


def clean(text: str | None) -> str:
    """Drop bidi controls and control characters (keeping newlines and tabs)."""
    if not text:
        return ""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when shortened."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def one_line(text: str | None, limit: int) -> str:
    """Cleaned, whitespace collapsed to single spaces (no CR/LF), truncated."""
    return truncate(_SPACE.sub(" ", clean(text)).strip(), limit)


def short(text: str | None, limit: int) -> str:
    """Cleaned and truncated, keeping line breaks (for quotes and notes)."""
    return truncate(clean(text).strip(), limit)


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CODE = re.compile(r"`+([^`\n]*?)`+")
_STRONG = re.compile(r"(\*\*)(?=\S)(.+?)(?<=\S)\1")


def readable(text: str | None) -> str:
    """Markdown source quoted as evidence, read as text: a table row's cells are joined with
    ' · ' (no pipes), separator rows dropped, `code` and **bold** markers removed. A single
    pipe in prose and underscores (model ids such as text_embedding_3) are left alone."""
    lines = []
    for line in clean(text).split("\n"):
        if _TABLE_RULE.match(line) and "-" in line:
            continue
        if line.count("|") >= 2 or line.strip().startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line)]
            if cells and not cells[0]:
                cells = cells[1:]
            if cells and not cells[-1]:
                cells = cells[:-1]
            line = " · ".join(c for c in cells if c)
        line = _STRONG.sub(r"\2", _CODE.sub(r"\1", line))
        lines.append(line)
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    """Slack's three control characters; this also defuses <!channel>, <@U..>, <#C..>."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack mrkdwn has no escape for its formatting characters, and `verbatim` only stops
# auto-linking. A `*`, `_`, `~` or backtick can open or close formatting only at a word
# boundary, so there it becomes a look-alike that Slack ignores; inside a word
# (`text_embedding_3`) it stays, so identifiers copy and paste unchanged.
_MARKUP = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")
_LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}


def slack_text(text: str) -> str:
    """Scraped text made inert in Slack mrkdwn: escaped, and formatting characters defused."""
    return _MARKUP.sub(lambda match: _LOOKALIKE[match.group()], slack_escape(text))


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL fit to be a link, else None (show as text)."""
    if not url:
        return None
    url = url.strip()
    if len(url) > URL_MAX or _INVISIBLE.search(url) or _SPACE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # `|` ends the URL part of a Slack link and `<>` end the link; percent-encode them.
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


# A date, a date and time ("2026-11-23 08:02 UTC"), or an identifier-like token (one with a
# hyphen, dot, colon, slash or @ inside: nimbus-large-1, us.anthropic.claude-v2:1).
_UNBREAKABLE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?: ?UTC)?)?"
    r"|[A-Za-z0-9][\w+]*(?:[-.:/@][\w+]+)+"
)
NOWRAP_MAX = 44  # longer tokens may wrap: a 200-character name must not widen the page
NOWRAP = '<span style="white-space:nowrap;">{}</span>'


def html_keep_whole(text: str) -> str:
    """HTML-escaped text in which dates and model IDs never break across lines (each is a
    `white-space:nowrap` span); the caller marks the result safe."""
    from html import escape

    out: list[str] = []
    last = 0
    for match in _UNBREAKABLE.finditer(text):
        out.append(escape(text[last : match.start()], quote=False))
        token = escape(match.group(), quote=False)
        out.append(NOWRAP.format(token) if len(match.group()) <= NOWRAP_MAX else token)
        last = match.end()
    out.append(escape(text[last:], quote=False))
    return "".join(out)
