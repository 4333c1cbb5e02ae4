"""A snapshot's bytes as readable text lines (pure).

HTML and XML (feeds): the text of the document without scripts, styles and templates, one
line per block (a table row is one line, its cells joined by ` | `), whitespace collapsed,
blank lines dropped. JSON: pretty-printed, so a changed field is a changed
line. Anything else: decoded as text. Bounded: at most `MAX_TEXT_CHARS` characters are kept
(the rest is cut at a line end and flagged), lines longer than `MAX_LINE_CHARS` are wrapped.
"""

from __future__ import annotations

import json
import operator
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import lxml.etree

MAX_TEXT_CHARS = 400_000
MAX_LINE_CHARS = 1_000
_BLANKS = re.compile(r"[ \t\r\f\v\u00a0]+")
SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "head"))
CELL_TAGS = frozenset(("td", "th"))
_TAG = operator.attrgetter("tag")
BLOCK_TAGS = frozenset(
    (
        *("p", "div", "li", "tr", "br", "pre", "blockquote", "table", "ul", "ol"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"),
        *("dl", "dt", "dd", "item", "entry", "title", "summary", "description", "content"),
    )
)


def _decode(body: bytes, charset: str | None) -> str:
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return body.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("utf-8", errors="replace")


def _markup_lines(body: bytes, xml: bool, fast: bool = True) -> list[str]:
    import lxml.etree

    if xml:
        parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        root = lxml.etree.fromstring(body, parser)
    else:
        # lxml.html.document_fromstring's parse, without its Python element-class lookup
        # (called for every element read): the same libxml2 HTMLParser and options.
        root = lxml.etree.fromstring(body, lxml.etree.HTMLParser())
        if root is None:
            raise lxml.etree.ParserError("Document is empty")
    if root is None:
        return []
    # Comments and processing instructions go; the text after them stays.
    lxml.etree.strip_elements(
        root, lxml.etree.Comment, lxml.etree.ProcessingInstruction, with_tail=False
    )
    if fast and not xml:
        try:
            lines = _html_lines(root)
        except ValueError:  # a text lxml will not take back, a tag that is no name:
            return _markup_lines(body, xml, fast=False)  # the walk, on a fresh tree, decides
        if lines is not None:
            return lines
    chunks: list[str] = []
    skipping = 0
    names: dict[str, str] = {}  # tag -> lower-cased local name (a QName per element is slow)
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):  # entities
            continue
        name = names.get(tag)
        if name is None:
            name = names[tag] = lxml.etree.QName(element).localname.lower()
        if event == "start":
            if name in SKIP_TAGS or skipping:
                skipping += 1
                continue
            chunks.append("\n" if name in BLOCK_TAGS else " | " if name in CELL_TAGS else "")
            if element.text:
                chunks.append(element.text)
            continue
        if skipping:
            skipping -= 1
            if skipping:
                continue
        elif name in BLOCK_TAGS:
            chunks.append("\n")
        if element.tail:
            chunks.append(element.tail)
    return "".join(chunks).splitlines()


def _html_lines(root: lxml.etree._Element) -> list[str] | None:
    """`_markup_lines` of an HTML tree with the walk done in C, or None when the tree has an
    element the walk below would read otherwise. lxml's HTML parser names elements in lower
    case without a namespace (checked: each distinct tag is its own local name, and a tag
    that is no valid name raises as the walk raises), so the skipped elements can be cut
    out (their tails stay), the block and cell marks written into the texts and tails of the
    elements they belong to, and the text read in one go."""
    import lxml.etree

    for tag in set(map(_TAG, root.iter())):
        if not isinstance(tag, str) or lxml.etree.QName(tag).localname.lower() != tag:
            return None
    if root.tag in SKIP_TAGS:
        return (root.tail or "").splitlines()
    lxml.etree.strip_elements(root, *SKIP_TAGS, with_tail=False)
    for element in root.iter(*BLOCK_TAGS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    for element in root.iter(*CELL_TAGS):
        element.text = " | " + (element.text or "")
    text = lxml.etree.tostring(root, method="text", encoding="unicode", with_tail=False)
    return (text + (root.tail or "")).splitlines()


def _raw_lines(
    body: bytes, content_type: str | None, charset: str | None
) -> tuple[list[str], bool]:
    """(lines, markup): markup lines get their whitespace collapsed, others keep indents."""
    kind = (content_type or "").lower()
    head = body[:512].lstrip().lower()
    if "json" in kind or head[:1] in (b"{", b"["):
        try:
            text = json.dumps(json.loads(body), indent=1, ensure_ascii=False)
            return text.splitlines(), False
        except ValueError:
            pass
    xml = "xml" in kind or head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed"))
    if "html" in kind or xml or head.startswith((b"<!doctype html", b"<html")):
        try:
            return _markup_lines(body, xml and "html" not in kind), True
        except Exception:  # unparsable markup: fall back to the decoded text
            pass
    return _decode(body, charset).splitlines(), False


def page_text(body: bytes, content_type: str | None, charset: str | None) -> tuple[str, bool]:
    """(text, truncated): the page's lines, blank runs collapsed, at most MAX_TEXT_CHARS."""
    out: list[str] = []
    size = 0
    lines, markup = _raw_lines(body, content_type, charset)
    if markup:  # one substitution over all lines (no blank run spans a line end)
        lines = _BLANKS.sub(" ", "\n".join(lines)).split("\n")
    for raw in lines:
        line = raw.strip(" |") if markup else raw.rstrip()
        if not line.strip():
            continue
        for start in range(0, len(line), MAX_LINE_CHARS):
            piece = line[start : start + MAX_LINE_CHARS]
            if size + len(piece) + 1 > MAX_TEXT_CHARS:
                return "\n".join(out), True
            out.append(piece)
            size += len(piece) + 1
    return "\n".join(out), False
