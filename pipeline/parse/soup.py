"""The BeautifulSoup tree the HTML parser reads, built from what lxml parsed in C.

bs4's own lxml builder makes lxml call back into Python for every tag and string, then
builds its tree from those calls: most of an HTML page's extraction time. Here lxml (the
same libxml2 HTML parser, with the options bs4 gives it) builds its tree in C, the page's
main content region is found on that tree (the first `<main>`, else the first element with
`role="main"`, else `<body>`), and only that region (with its ancestors' start tags and the
page's first `<title>`) is handed to bs4, through the same `BeautifulSoup.handle_*` calls its
lxml builder makes. The region's subtree is the one a whole-page `BeautifulSoup(text,
"lxml")` builds; navigation, sidebars and footers outside it are never built. A page lxml
cannot give a region for (empty, no `<body>`) is parsed by bs4 whole, as before.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from lxml import etree

_EVENTS = ("start", "end", "comment", "pi")
_DOCTYPE = re.compile(r"<!doctype", re.IGNORECASE)
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_BLANK_OR_COMMENTS = re.compile(r"(?:\s+|<!--.*?-->)*\Z", re.DOTALL)


def whole_soup(text: str) -> BeautifulSoup:
    """bs4's own parse of the whole page (the path for pages without a region)."""
    with warnings.catch_warnings():
        # Feeds and odd pages are often XML or bare URLs; bs4 copes, its warnings are noise.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(text, "lxml", multi_valued_attributes=None)


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
    for el in doc.iter(etree.Element):
        if el.get("role") == "main":
            return el
    for el in doc.iter("body"):
        return el
    return None


def _emit(soup: BeautifulSoup, top: etree._Element) -> Tag | None:
    """Hand `top`'s subtree to bs4 as its lxml builder would, event by event; return the
    bs4 tag made for `top`."""
    made: Tag | None = None
    attr_dict = soup.builder.attribute_dict_class
    start, end, data, end_data = (
        soup.handle_starttag,
        soup.handle_endtag,
        soup.handle_data,
        soup.endData,
    )
    for event, el in etree.iterwalk(top, events=_EVENTS):
        if event == "start":
            attrs = attr_dict()
            for key, value in el.items():
                attrs[key] = value
            tag = start(el.tag, None, None, attrs)
            made = made or tag
            if el.text:
                data(el.text)
            continue
        if event == "end":
            end_data()
            end(el.tag, None)
        elif event == "comment":
            end_data()
            data(el.text or "")
            end_data(Comment)
        else:  # a processing instruction (libxml2 reads most of them as comments)
            end_data()
            data(f"{el.target} {el.text or ''}")
            end_data(soup.builder.processing_instruction_class)
        if el is not top and el.tail:
            data(el.tail)
    return made


def _open(soup: BeautifulSoup, el: etree._Element) -> None:
    attrs = soup.builder.attribute_dict_class()
    for key, value in el.items():
        attrs[key] = value
    soup.handle_starttag(el.tag, None, None, attrs)


def region_soup(text: str) -> tuple[BeautifulSoup, Tag | None]:
    """(soup, the region to read): the soup holds the page's first `<title>` and its main
    content region, identical to that region in a whole-page bs4 parse. A page with no
    region is parsed whole and the region is None (the caller picks its root)."""
    doctypes = _DOCTYPE.findall(text, 0, 1_000_000)
    if len(doctypes) > 1 or (doctypes and not _DOCTYPE.match(text.lstrip())):
        # bs4 keeps a doctype met inside the page as a string of the tree; lxml's tree drops it
        return whole_soup(text), None
    end = _HTML_END.search(text)
    if end and not _BLANK_OR_COMMENTS.match(text, end.end()):
        # markup after </html>: bs4 puts it beside <html>, lxml's tree moves or drops it
        return whole_soup(text), None
    doc = _lxml_tree(text)
    region = _region(doc) if doc is not None else None
    if region is None:
        return whole_soup(text), None
    title = next(doc.iter("title"), None)  # type: ignore[union-attr]
    if title is not None and any(a is title for a in region.iterancestors()):
        return whole_soup(text), None  # a region inside a title: nothing sane to save
    soup = whole_soup("")
    if title is not None and not any(a is region for a in title.iterancestors()):
        _emit_within(soup, title)  # `soup.title` is the page's first title, as in a whole parse
    return soup, _emit_within(soup, region)


def _emit_within(soup: BeautifulSoup, el: etree._Element) -> Tag | None:
    """Emit `el` inside its ancestors' start tags, so the strings of its subtree get the
    same classes (a string inside `<rt>` is a RubyTextString) and whitespace handling
    (inside `<pre>`) as in a whole parse."""
    ancestors = list(el.iterancestors())[::-1]
    for parent in ancestors:
        _open(soup, parent)
    built = _emit(soup, el)
    for parent in reversed(ancestors):
        soup.endData()
        soup.handle_endtag(parent.tag, None)
    soup.endData()
    return built
