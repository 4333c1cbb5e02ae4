"""HTML -> Document with beautifulsoup4 + lxml: the reader of the pages that
`pipeline.parse.html_tree` (the registered HTML parser, reading lxml's tree) hands on.

The tree is the page's main content region (`<main>`, else `role="main"`, else `<body>`),
which `pipeline.parse.soup` builds from lxml's C parse rather than bs4 building the whole
page. Navigation, scripts and styles are dropped; headings split the page into notices; tables keep
their rows and cells; text keeps the whitespace between inline elements, so
`<code>gpt-5</code> or <code>gpt-4.1</code>` stays "gpt-5 or gpt-4.1".
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from pipeline.parse.document import Block, Document, Notice, Table, Text, push_heading
from pipeline.parse.html_tree import (
    BLOCKS,
    DROP,
    HEADINGS,
    INVISIBLE,
    STRUCTURE,
    cell_span,
    clean,
    fill_carried,
)
from pipeline.parse.lxml_region import Region
from pipeline.parse.soup import region_soup

log = logging.getLogger(__name__)


def inline_text(el: Tag) -> str:
    """Visible text of an element; <br> and nested blocks count as spaces."""
    return clean(raw_inline(el))


def raw_inline(el: Tag) -> str:
    """Visible text with its original whitespace (not collapsed)."""
    contents = el.contents
    if len(contents) == 1 and isinstance(contents[0], NavigableString):  # most table cells
        return "" if isinstance(contents[0], Comment) else str(contents[0])
    parts: list[str] = []

    def rec(node: Tag) -> None:
        for child in node.contents:  # (`.children` iterates the same list, slower)
            if isinstance(child, NavigableString):
                if not isinstance(child, Comment):
                    parts.append(str(child))
            elif isinstance(child, Tag):
                if child.name in DROP:
                    continue
                if child.name == "br" or child.name in BLOCKS:
                    parts.append(" ")
                if child.name == "code" and parts and parts[-1][-1:].isalnum():
                    parts.append(" ")
                rec(child)
                if child.name in BLOCKS or (child.name == "code" and _glued_after(child)):
                    parts.append(" ")

    rec(el)
    return "".join(parts)


def _glued_after(code: Tag) -> bool:
    """True when text follows a code span with no space ("<code>gpt-4</code>0613"), or an
    element does ("<code>x-1</code><span>Deprecated</span>").

    A code span is a token of its own, so the caller puts a space after it.
    """
    nxt = code.next_sibling
    if isinstance(nxt, Tag):  # "<code>x-1</code><span class=badge>Deprecated</span>"
        return nxt.name not in DROP and nxt.get_text()[:1].isalnum()
    return isinstance(nxt, NavigableString) and str(nxt)[:1].isalnum()


def _anchor(el: Tag) -> str | None:
    if el.get("id"):
        return str(el["id"])
    inner = el.find(attrs={"id": True})
    if isinstance(inner, Tag):
        return str(inner["id"])
    link = el.find("a", href=re.compile(r"^#"))
    if isinstance(link, Tag):
        return str(link["href"])[1:]
    return None


def _tags(el: Tag, names: set[str] | None) -> Iterator[Tag]:
    """Descendant tags with one of `names` (any name when None), in document order.

    A plain walk over `descendants`: bs4's find_all filter machinery costs several times more
    on large tables.
    """
    for node in el.descendants:
        if isinstance(node, Tag) and (names is None or node.name in names):
            yield node


def _own_rows(table: Tag) -> Iterator[Tag]:
    """The table's own <tr>s in document order; nested tables' rows skipped (one pass)."""
    pending = [c for c in reversed(table.contents) if isinstance(c, Tag)]
    while pending:
        node = pending.pop()
        if node.name == "tr":
            yield node
        if node.name != "table":
            pending.extend(c for c in reversed(node.contents) if isinstance(c, Tag))


def parse_table(table: Tag) -> Table:
    """Header and rows of a table; a cell spanning rows (`rowspan`) or columns (`colspan`)
    is repeated in every row and column it covers, so each row reads whole."""
    rows: list[tuple[str, ...]] = []
    header: tuple[str, ...] = ()
    links: list[tuple[int, int, str, str]] = []
    # column -> (text, rows still covered) for cells spanning down from earlier rows
    carried: dict[int, tuple[str, int]] = {}
    for tr in _own_rows(table):
        cells: list[str] = []
        # Direct children only; a plain loop is several times faster than find_all here.
        row_cells = [c for c in tr.contents if isinstance(c, Tag) and c.name in ("th", "td")]
        cell_links: list[tuple[int, str, str]] = []
        for cell in row_cells:
            fill_carried(cells, carried)
            text = inline_text(cell)
            cell_links.extend(
                (len(cells), inline_text(a), str(a["href"]))
                for a in _tags(cell, {"a"})
                if a.get("href") is not None
            )
            down = cell_span(cell.get("rowspan"), 200)
            for _ in range(cell_span(cell.get("colspan"), 20)):
                if down > 1:
                    carried[len(cells)] = (text, down - 1)
                cells.append(text)
        fill_carried(cells, carried)
        if not row_cells:
            continue
        in_head = tr.parent is not None and tr.parent.name == "thead"
        all_th = all(c.name == "th" for c in row_cells)
        if not rows and (in_head or all_th):
            header = tuple(cells)  # the last header row wins
        else:
            links.extend((len(rows), column, label, href) for column, label, href in cell_links)
            rows.append(tuple(cells))
    raw = tuple(" | ".join(c for c in row if c) for row in rows)
    return Table(header=header, rows=tuple(rows), raw_rows=raw, links=tuple(links))


class _Walker:
    def __init__(self) -> None:
        self.stack: list[tuple[float, str, str | None]] = []
        self.blocks: list[Block] = []
        self.notices: list[Notice] = []
        self.buffer: list[str] = []
        self.codes: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.structural: set[int] = set()  # ids of elements that contain headings or tables

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

    def walk(self, el: Tag, kind: str = "p") -> None:
        for child in el.contents:
            if isinstance(child, NavigableString):
                if not isinstance(child, Comment):
                    self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in DROP:
                continue
            name = child.name
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
            elif id(child) in self.structural:
                self.walk(child, kind)  # an inline wrapper around structure
            else:
                if name == "code":
                    self.codes.append(clean(child.get_text()))
                    if self.buffer and self.buffer[-1][-1:].isalnum():
                        self.buffer.append(" ")
                else:
                    self.codes.extend(clean(c.get_text()) for c in _tags(child, {"code"}))
                anchors = [child] if name == "a" else _tags(child, {"a"})
                self.links.extend(
                    (clean(a.get_text()), str(a.get("href"))) for a in anchors if a.get("href")
                )
                self.buffer.append(raw_inline(child))
                if name == "code" and _glued_after(child):
                    self.buffer.append(" ")


def _scan(root: Tag) -> tuple[list[Tag], list[Tag]]:
    """One pass over the region: its definition lists, and its headings and tables."""
    lists: list[Tag] = []
    structure: list[Tag] = []
    for el in _tags(root, {*STRUCTURE, "dl"}):
        (lists if el.name == "dl" else structure).append(el)
    return lists, structure


def _definition_lists_as_items(soup: BeautifulSoup, lists: list[Tag]) -> None:
    """`<dl><dt>term</dt><dd>text</dd>` pairs become list items "term: text", so a model
    named in a term and the status or date given in its definition are read together."""
    for dl in lists:
        items = soup.new_tag("ul")
        term: Tag | None = None
        for child in [c for c in dl.children if isinstance(c, Tag)]:
            if child.name == "dt":
                term = child
            elif child.name == "dd":
                li = soup.new_tag("li")
                if term is not None:
                    for node in list(term.contents):  # keeps the term's code spans as hints
                        li.append(copy.copy(node))
                    li.append(": ")
                for node in list(child.contents):
                    li.append(node)
                items.append(li)
        dl.replace_with(items)


def parse_html(text: str, url: str | None = None) -> Document:
    """The page's Document, read from a BeautifulSoup tree (`html_tree.parse_html`, the
    registered HTML parser, reads most pages from lxml's tree and hands the rest here)."""
    return parse_soup(INVISIBLE.sub(" ", text), url)


def parse_soup(text: str, url: str | None, found: Region | bool | None = True) -> Document:
    """`parse_html` of a page whose invisible blocks are cut already; `found`: the page's
    `find_region(text)` when the caller has it (True: find it here)."""
    soup, region, title_tag = region_soup(text, found)
    title = clean(title_tag.get_text()) if title_tag else ""
    root = (
        region
        or next(_tags(soup, {"main"}), None)
        or next((t for t in _tags(soup, None) if t.get("role") == "main"), None)
        or soup.body
        or soup
    )
    walker = _Walker()
    if isinstance(root, Tag):
        lists, structure = _scan(root)
        if lists:  # definition lists rewritten: headings and tables may have moved
            _definition_lists_as_items(soup, lists)
            structure = list(_tags(root, STRUCTURE))
        for el in structure:
            for parent in el.parents:  # stop at a marked parent: its ancestors are marked too
                if id(parent) in walker.structural:
                    break
                walker.structural.add(id(parent))
        walker.walk(root)
    walker.flush_text("p")
    walker.flush_notice()
    problems = () if walker.notices else ("no text found in HTML",)
    return Document(
        fmt="html", url=url, title=title, notices=tuple(walker.notices), warnings=problems
    )
