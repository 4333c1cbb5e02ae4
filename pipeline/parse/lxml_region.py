"""The page's main content region, found on lxml's C parse, and when a page must instead be
parsed whole by bs4.

The region is the first `<main>`, else the first element with `role="main"`, else `<body>`:
the element `parse_html` reads. It is only taken from lxml's tree when that tree and a
whole-page `BeautifulSoup(text, "lxml")` agree on it (`pipeline.parse.soup`); pages on which
they can differ give None here and are parsed whole: no region (empty, no `<body>`), a
doctype inside the page, markup after `</html>`, elements nested more than `MAX_DEPTH` deep,
pages longer than `MAX_CHARS`, a region inside a `<title>`. No bs4 import: a page read
straight from lxml's tree (`pipeline.parse.html_tree`) never loads it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

_DOCTYPE = re.compile(r"<!doctype", re.IGNORECASE)
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_BLANK_OR_COMMENTS = re.compile(r"(?:\s|<!--(?:(?!-->).)*-->)*\Z", re.DOTALL)
# libxml2 stops building its tree 256 elements deep (bs4, fed events, goes on): a page that
# deep is parsed whole. The check is one XPath over the tree, in C.
MAX_DEPTH = 200
# ... and cuts a text node at 10,000,000 bytes: pages of more characters than a quarter of
# that (4 bytes a character at most) are parsed whole too.
MAX_CHARS = 2_500_000
_TOO_DEEP = etree.XPath(f"boolean({'/*' * MAX_DEPTH})")
_ROLE_MAIN = etree.XPath("(//*[@role = 'main'])[1]")


class Region(NamedTuple):
    """lxml's tree of the page, its region, and the page's first `<title>` (or None)."""

    doc: etree._Element
    region: etree._Element
    title: etree._Element | None


def _lxml_tree(text: str) -> etree._Element | None:
    # The parser bs4's lxml builder uses (etree.HTMLParser, recover=True), without a target.
    parser = etree.HTMLParser(recover=True)
    try:
        parser.feed(text)
        return parser.close()
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _region(doc: etree._Element) -> etree._Element | None:
    """The element the HTML parser reads, as `parse_html` chooses it on a bs4 tree."""
    for el in doc.iter("main"):
        return el
    for el in _ROLE_MAIN(doc):  # the first in document order, found in C
        return el
    for el in doc.iter("body"):
        return el
    return None


def find_region(text: str) -> Region | None:
    """The page's region on lxml's tree, or None when the page must be parsed whole."""
    if len(text) > MAX_CHARS:
        return None
    doctype = _DOCTYPE.search(text)
    if doctype and (
        doctype.start() != len(text) - len(text.lstrip()) or _DOCTYPE.search(text, doctype.end())
    ):
        # bs4 keeps a doctype met inside the page as a string of the tree; lxml's tree drops it
        return None
    end = _HTML_END.search(text)
    if end and not _BLANK_OR_COMMENTS.match(text, end.end()):
        # markup after </html>: bs4 puts it beside <html>, lxml's tree moves or drops it
        return None
    doc = _lxml_tree(text)
    region = _region(doc) if doc is not None else None
    if doc is None or region is None or _TOO_DEEP(doc):
        return None
    title = next(doc.iter("title"), None)
    if title is not None and any(a is title for a in region.iterancestors()):
        return None  # a region inside a title: nothing sane to save
    return Region(doc, region, title)
