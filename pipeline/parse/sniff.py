"""Content sniffing: which parser fits a document whose name or config does not say.

Order matters: feeds before HTML (both are markup), JSON by a real parse, HTML by its
document tags, Markdown (including MDX with JSX components and front matter) by its block
syntax. Anything else is plain text.
"""

from __future__ import annotations

import json
import re

_HEAD = 4096
_FEED_RSS = re.compile(rb"<rss[\s>]|<rdf:RDF[\s>]", re.IGNORECASE)
_FEED_ATOM = re.compile(rb"<feed[^>]*http://www\.w3\.org/2005/Atom", re.IGNORECASE)
_HTML = re.compile(rb"<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_MARKDOWN = re.compile(
    r"^(?:#{1,6} \S|\|.*\|\s*$|\s*[-*+] \S|\s*\d+\. \S|```|---\s*$|"
    r"import .+ from ['\"]|export (?:const|default) |\s*<[A-Z]\w*[\s>/])",
    re.MULTILINE,
)


def sniff_format(body: bytes | str) -> str:
    """'rss' | 'atom' | 'json' | 'html' | 'markdown' | 'text' from the content alone."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    head = raw[:_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _FEED_ATOM.search(head):
        return "atom"
    if _FEED_RSS.search(head):
        return "rss"
    if head[:1] in (b"{", b"["):
        try:
            json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            pass
        else:
            return "json"
    if _HTML.search(head):
        return "html"
    text = head.decode("utf-8", "replace")
    if len(_MARKDOWN.findall(text)) >= 2:
        return "markdown"
    return "text"
