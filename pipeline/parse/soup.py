"""The BeautifulSoup tree the bs4 HTML reader (`pipeline.parse.html`) reads, built from what
lxml parsed in C. (Most pages skip bs4 altogether: `pipeline.parse.html_tree`.)

bs4's own lxml builder has lxml call back into Python for every tag and string of the page
and builds its tree from those calls: about half of an HTML page's extraction time. Here lxml
(the same libxml2 HTML parser, with the options bs4 gives it) builds its tree in C; the
page's main content region is found on that tree (the first `<main>`, else the first element
with `role="main"`, else `<body>`), and only that region and the page's first `<title>` are
built as bs4 elements (`_Builder`), each inside its ancestors' tags. The region is the one a
whole-page `BeautifulSoup(text, "lxml")` builds, element for element, string for string, and
link for link; navigation, sidebars and footers outside it are never built. Pages on which
lxml's tree and bs4's differ are parsed by bs4 whole, as before: no region (empty, no
`<body>`), a doctype inside the page, markup after `</html>`, elements nested more than
`MAX_DEPTH` deep, pages longer than `MAX_CHARS` (`pipeline.parse.lxml_region` decides).
"""

from __future__ import annotations

import warnings

from bs4 import (
    BeautifulSoup,
    Comment,
    MarkupResemblesLocatorWarning,
    NavigableString,
    PageElement,
    Tag,
    XMLParsedAsHTMLWarning,
)
from lxml import etree

from pipeline.parse.lxml_region import Region, find_region

_EVENTS = ("start", "end", "comment", "pi")
_ASCII_SPACES = BeautifulSoup.ASCII_SPACES


def whole_soup(text: str) -> BeautifulSoup:
    """bs4's own parse of the whole page (the path for pages without a region)."""
    with warnings.catch_warnings():
        # Feeds and odd pages are often XML or bare URLs; bs4 copes, its warnings are noise.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(text, "lxml", multi_valued_attributes=None)


class _Builder:
    """Builds bs4 elements from lxml's tree, linked as bs4's own parse links them.

    Each element is made with bs4's constructors (`Tag(soup, builder, name, attrs=...)`,
    the string classes) and joined by its documented navigation attributes: `parent` and
    `contents`, `previous_sibling`/`next_sibling`, and `previous_element`/`next_element` in
    document order. What bs4's `endData` does to a string is done here too: a string of
    ASCII whitespace alone becomes one newline or space (unless inside `<pre>` or
    `<textarea>`), and a string inside `<rt>`, `<rp>`, `<style>`, `<script>` or `<template>`
    gets that tag's string class."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self.builder = soup.builder
        self.keep_spaces = self.builder.preserve_whitespace_tags
        self.containers = self.builder.string_containers
        self.last: PageElement | None = None  # the element built last, in document order
        self.wanted: etree._Element | None = None  # an element whose bs4 tag is kept ...
        self.found: Tag | None = None  # ... here, once built

    def _link(self, node: PageElement, parent: Tag) -> None:
        node.parent = parent
        node.previous_element = self.last
        if self.last is not None:
            self.last.next_element = node
        siblings = parent.contents
        if siblings:
            node.previous_sibling = siblings[-1]
            siblings[-1].next_sibling = node
        siblings.append(node)
        self.last = node

    def _string(self, text: str, parent: Tag, cls: type[NavigableString], keep: bool) -> None:
        if not keep and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        self._link(cls(text), parent)

    def tag(self, el: etree._Element, parent: Tag) -> Tag:
        tag = Tag(self.soup, self.builder, el.tag, attrs=dict(el.attrib))
        self._link(tag, parent)
        if el is self.wanted:
            self.found = tag
        return tag

    def subtree(self, top: etree._Element, parent: Tag) -> Tag:
        """Build `top` and everything inside it under `parent`; return `top`'s tag."""
        chain = [parent, *parent.parents]
        keep = any(t.name in self.keep_spaces for t in chain)
        inner = next((t.name for t in chain if t.name in self.containers), None)
        # (tag, keep whitespace, class of its plain strings) for each open element
        stack: list[tuple[Tag, bool, type[NavigableString]]] = []
        plain = self.containers.get(inner, NavigableString) if inner else NavigableString
        current = (parent, keep, plain)
        made: Tag | None = None
        for event, el in etree.iterwalk(top, events=_EVENTS):
            tag, keep, plain = current
            if event == "start":
                child = self.tag(el, tag)
                made = made or child
                stack.append(current)
                name = child.name
                current = (
                    child,
                    keep or name in self.keep_spaces,
                    self.containers.get(name, plain),
                )
                if el.text:
                    self._string(el.text, child, current[2], current[1])
                continue
            if event == "end":
                current = stack.pop()
                tag, keep, plain = current
            elif event == "comment":
                self._string(el.text or "", tag, Comment, keep)
            else:  # a processing instruction (libxml2 reads most of them as comments)
                pi = self.builder.processing_instruction_class
                self._string(f"{el.target} {el.text or ''}", tag, pi, keep)
            if el is not top and el.tail:
                self._string(el.tail, tag, plain, keep)
        assert made is not None
        return made

    def within_ancestors(self, el: etree._Element) -> Tag:
        """Build `el` inside its ancestors' (empty) tags, as deep as in the page."""
        parent: Tag = self.soup
        for ancestor in reversed(list(el.iterancestors())):
            parent = self.tag(ancestor, parent)
        return self.subtree(el, parent)


def region_soup(
    text: str, found: Region | bool | None = True
) -> tuple[BeautifulSoup, Tag | None, Tag | None]:
    """(soup, the region to read, the page's first `<title>`): the region is identical to
    that region in a whole-page bs4 parse. A page with no region is parsed whole and the
    region is None (the caller picks its root). `found`: the page's `find_region(text)`
    when the caller has it already."""
    if found is True:
        found = find_region(text)
    if not isinstance(found, Region):
        return _whole(text)
    _, region, title = found
    soup = whole_soup("")
    build = _Builder(soup)
    build.wanted = title
    if title is not None and not any(a is region for a in (title, *title.iterancestors())):
        build.within_ancestors(title)  # the page's first title, as `soup.title` finds it
    return soup, build.within_ancestors(region), build.found


def _whole(text: str) -> tuple[BeautifulSoup, None, Tag | None]:
    soup = whole_soup(text)
    return soup, None, soup.title
