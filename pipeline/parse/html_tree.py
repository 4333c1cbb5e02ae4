"""HTML -> Document read straight from lxml's tree: the HTML parser's fast path.

`pipeline.parse.html` reads a BeautifulSoup tree that `pipeline.parse.soup` builds from lxml's
parse of the page's region, one bs4 element per lxml node: the walk here is that reader
written over the lxml nodes themselves, so no bs4 object (and no bs4 import) is made. The
correspondence is the builder's: an element is a tag, its `.text` is the string before its
first child and each child's `.tail` the string after that child; a comment is a bs4
`Comment`. What bs4's builder adds to strings does not reach a `Document`: it turns a string
of ASCII whitespace alone into one newline or space, and every text this reader hands on is
whitespace-collapsed (`clean`) and only ever tested for an alphanumeric first or last
character, on which the two agree.

Pages this reader does not take, handed to `pipeline.parse.html` (bs4) instead:
- pages without a region on lxml's tree, or on which lxml's tree and bs4's can differ
  (`lxml_region.find_region` is None);
- pages with a definition list in the region (the bs4 reader rewrites them as lists);
- pages with `<rt>`, `<rp>`, `<script>`, `<style>` or `<template>` elements left after the
  invisible blocks are cut, or processing instructions: bs4 gives their strings classes of
  their own, which `get_text()` leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from pipeline.parse.document import Block, Document, Notice, Table, Text, push_heading
from pipeline.parse.lazy_imports import defer_soupsieve
from pipeline.parse.lxml_region import Region, find_region
from pipeline.parse.registry import PARSERS

DROP = frozenset(
    [
        # struck-through text is what no longer holds ("<del>2026-09-15</del> postponed")
        "del",
        "s",
        "strike",
        "script",
        "style",
        "nav",
        "noscript",
        "svg",
        "template",
        "iframe",
        "form",
        "button",
        "select",
        "header",
        "footer",
        "aside",
        "head",
        "title",
        "meta",
        "link",
    ]
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
STRUCTURE = frozenset([*HEADINGS, "table"])  # what splits a page into notices and blocks
BLOCKS = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "body",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "ul",
        "table",
        "caption",
    ]
)
# Dropped before parsing: far cheaper than building their subtrees and discarding them.
INVISIBLE = re.compile(
    r"<(script|style|svg|noscript|template)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE
)
# Elements whose strings bs4 gives a class of their own (see the module docstring).
_OWN_STRINGS = ("rt", "rp", "script", "style", "template", etree.PI)
_Node = etree._Element  # an element, or a comment (its `.tag` is not a string)


def clean(text: str) -> str:
    """Whitespace runs as one space, ends stripped: `re`'s `\\s` and `str.split()` are the
    same Unicode whitespace (`Py_UNICODE_ISSPACE`), and the split is the faster."""
    return " ".join(text.split())


def _contents(el: _Node) -> Iterator[str | _Node]:
    """bs4's `.contents` of `el`: its text, then each child node and the string after it."""
    if el.text:
        yield el.text
    for child in el:
        yield child
        if child.tail:
            yield child.tail


def get_text(el: _Node) -> str:
    """bs4's `get_text()`: every string inside `el`, comments left out."""
    return "".join(el.itertext())


def inline_text(el: _Node) -> str:
    """Visible text of an element; <br> and nested blocks count as spaces."""
    return clean(raw_inline(el))


def raw_inline(el: _Node) -> str:
    """Visible text with its original whitespace (not collapsed)."""
    if not len(el):  # most table cells: one string or none
        return el.text or ""
    parts: list[str] = []

    def rec(node: _Node) -> None:
        for child in _contents(node):
            if type(child) is str:
                parts.append(child)
                continue
            name = child.tag  # type: ignore[union-attr]
            if type(name) is not str or name in DROP:
                continue  # a comment, or dropped
            if name == "br" or name in BLOCKS:
                parts.append(" ")
            if name == "code" and parts and parts[-1][-1:].isalnum():
                parts.append(" ")
            rec(child)  # type: ignore[arg-type]
            if name in BLOCKS or (name == "code" and _glued_after(child)):  # type: ignore[arg-type]
                parts.append(" ")

    rec(el)
    return "".join(parts)


def _glued_after(code: _Node) -> bool:
    """True when text follows a code span with no space ("<code>gpt-4</code>0613"), or an
    element does ("<code>x-1</code><span>Deprecated</span>").

    A code span is a token of its own, so the caller puts a space after it.
    """
    if code.tail:
        return code.tail[:1].isalnum()
    nxt = code.getnext()  # bs4's next sibling: a comment is a string there
    if nxt is None:
        return False
    if type(nxt.tag) is str:
        return nxt.tag not in DROP and get_text(nxt)[:1].isalnum()
    return (nxt.text or "")[:1].isalnum()


def _anchor(el: _Node) -> str | None:
    if el.get("id"):
        return str(el.get("id"))
    for inner in el.iterdescendants(etree.Element):
        if inner.get("id") is not None:
            return str(inner.get("id"))
    for link in el.iterdescendants("a"):
        href = link.get("href")
        if href is not None and href.startswith("#"):
            return str(href)[1:]
    return None


def _own_rows(table: _Node) -> Iterator[_Node]:
    """The table's own <tr>s in document order; nested tables' rows skipped (one pass)."""
    pending = [c for c in reversed(table) if type(c.tag) is str]
    while pending:
        node = pending.pop()
        if node.tag == "tr":
            yield node
        if node.tag != "table":
            pending.extend(c for c in reversed(node) if type(c.tag) is str)


def cell_span(value: object, limit: int) -> int:
    """A `rowspan`/`colspan` attribute's value as a count in 1..limit (1 when unreadable)."""
    try:
        return max(1, min(int(str(value or 1)), limit))
    except ValueError:
        return 1


def fill_carried(cells: list[str], carried: dict[int, tuple[str, int]]) -> None:
    """Append the cells that earlier rows' `rowspan` carry into the next positions."""
    while len(cells) in carried:
        text, left = carried.pop(len(cells))
        if left > 1:
            carried[len(cells)] = (text, left - 1)
        cells.append(text)


def parse_table(table: _Node) -> Table:
    """Header and rows of a table; a cell spanning rows (`rowspan`) or columns (`colspan`)
    is repeated in every row and column it covers, so each row reads whole."""
    rows: list[tuple[str, ...]] = []
    header: tuple[str, ...] = ()
    links: list[tuple[int, int, str, str]] = []
    # column -> (text, rows still covered) for cells spanning down from earlier rows
    carried: dict[int, tuple[str, int]] = {}
    nested = next(table.iterdescendants("table"), None) is not None
    for tr in _own_rows(table) if nested else table.iterdescendants("tr"):
        cells: list[str] = []
        row_cells = [c for c in tr if c.tag == "th" or c.tag == "td"]
        cell_links: list[tuple[int, str, str]] = []
        for cell in row_cells:
            if carried:
                fill_carried(cells, carried)
            if len(cell):
                text = inline_text(cell)
                cell_links.extend(
                    (len(cells), inline_text(a), str(a.get("href")))
                    for a in cell.iterdescendants("a")
                    if a.get("href") is not None
                )
            else:  # one string or none: most cells
                text = clean(cell.text) if cell.text else ""
            down = cell_span(cell.get("rowspan"), 200) if cell.get("rowspan") else 1
            for _ in range(cell_span(cell.get("colspan"), 20) if cell.get("colspan") else 1):
                if down > 1:
                    carried[len(cells)] = (text, down - 1)
                cells.append(text)
        if carried:
            fill_carried(cells, carried)
        if not row_cells:
            continue
        parent = tr.getparent()
        in_head = parent is not None and parent.tag == "thead"
        if not rows and (in_head or all(c.tag == "th" for c in row_cells)):
            header = tuple(cells)  # the last header row wins
        else:
            links.extend((len(rows), column, label, href) for column, label, href in cell_links)
            rows.append(tuple(cells))
    raw = tuple(" | ".join(c for c in row if c) for row in rows)
    return Table(header=header, rows=tuple(rows), raw_rows=raw, links=tuple(links))


class _Walker:
    def __init__(self, structural: set[_Node]) -> None:
        self.stack: list[tuple[float, str, str | None]] = []
        self.blocks: list[Block] = []
        self.notices: list[Notice] = []
        self.buffer: list[str] = []
        self.codes: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.structural = structural  # elements that contain headings or tables

    def flush_text(self, kind: str) -> None:
        text = clean("".join(self.buffer))
        self.buffer.clear()
        codes, self.codes = tuple(self.codes), []
        links, self.links = tuple(self.links), []
        if text:
            self.blocks.append(Text(text=text, raw=text, kind=kind, codes=codes, links=links))

    def flush_notice(self) -> None:
        if self.blocks or self.stack:
            anchor = next((a for _, _, a in reversed(self.stack) if a), None)
            if self.blocks:
                self.notices.append(
                    Notice(
                        headings=tuple(h for _, h, _ in self.stack),
                        anchor=anchor,
                        blocks=tuple(self.blocks),
                    )
                )
        self.blocks = []

    def walk(self, el: _Node, kind: str = "p") -> None:
        for child in _contents(el):
            if type(child) is str:
                self.buffer.append(child)
                continue
            name = child.tag  # type: ignore[union-attr]
            if type(name) is not str or name in DROP:
                continue  # a comment, or dropped
            if name in HEADINGS:
                self.flush_text(kind)
                empty = not self.blocks
                self.flush_notice()
                push_heading(
                    self.stack, HEADINGS[name], inline_text(child), _anchor(child), empty=empty
                )
            elif name == "table":
                self.flush_text(kind)
                self.blocks.append(parse_table(child))
            elif name in BLOCKS:
                self.flush_text(kind)
                self.walk(child, "li" if name == "li" else "p")
                self.flush_text("li" if name == "li" else "p")
            elif name == "br":
                self.buffer.append(" ")
            elif child in self.structural:
                self.walk(child, kind)  # an inline wrapper around structure
            else:
                if name == "code":
                    self.codes.append(clean(get_text(child)))
                    if self.buffer and self.buffer[-1][-1:].isalnum():
                        self.buffer.append(" ")
                else:
                    self.codes.extend(clean(get_text(c)) for c in child.iterdescendants("code"))
                anchors = [child] if name == "a" else child.iterdescendants("a")
                self.links.extend(
                    (clean(get_text(a)), str(a.get("href"))) for a in anchors if a.get("href")
                )
                self.buffer.append(raw_inline(child))
                if name == "code" and _glued_after(child):
                    self.buffer.append(" ")


def readable(found: Region) -> bool:
    """True when this reader gives the page exactly what the bs4 reader gives it."""
    doc, region, _ = found
    if next(doc.iter(*_OWN_STRINGS), None) is not None:
        return False
    return next(region.iter("dl"), None) is None


def read_region(found: Region, url: str | None) -> Document:
    """The Document of a page whose region `readable()` accepts."""
    _, root, title_el = found
    title = clean(get_text(title_el)) if title_el is not None else ""
    structural: set[_Node] = set()
    for el in root.iterdescendants(*STRUCTURE):
        for parent in el.iterancestors():  # stop at a marked parent: its ancestors are too
            if parent in structural:
                break
            structural.add(parent)
    walker = _Walker(structural)
    walker.walk(root)
    walker.flush_text("p")
    walker.flush_notice()
    problems = () if walker.notices else ("no text found in HTML",)
    return Document(
        fmt="html", url=url, title=title, notices=tuple(walker.notices), warnings=problems
    )


@PARSERS.register("html")
def parse_html(text: str, url: str | None = None) -> Document:
    """The page's Document: read from lxml's tree when `readable`, else by the bs4 reader."""
    text = INVISIBLE.sub(" ", text)
    found = find_region(text)
    if found is not None and readable(found):
        return read_region(found, url)
    defer_soupsieve()  # bs4 imports it; nothing here selects by CSS
    from pipeline.parse import html  # bs4: imported only for the pages that need it

    return html.parse_soup(text, url, found)
