"""Markdown -> Document with markdown-it-py: headings, paragraphs, list items, tables.

YAML front matter (title, url) is read and removed; MDX is first rewritten to CommonMark by
`pipeline.parse.mdx` (a dated component such as `<Update label="...">` becomes an entry whose
date every notice inside it carries as `published`). Text is the rendered plain text; `raw`
keeps the source line(s) so evidence can quote the file exactly.
"""

from __future__ import annotations

import logging
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.parse.document import Block, Document, Notice, Table, Text, push_heading
from pipeline.parse.frontmatter import split_front_matter
from pipeline.parse.mdx import ENTRY_END, ENTRY_START, looks_like_mdx, mdx_to_markdown
from pipeline.parse.registry import PARSERS

log = logging.getLogger(__name__)

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
_SLUG_DROP = re.compile(r"[^\w\- ]")


# Docusaurus/VitePress admonitions (":::warning[Title]" ... ":::") and GitHub alerts
# ("> [!NOTE]"): the fences are not text, and a closing ":::" must not read as a lead-in colon.
_ADMONITION = re.compile(r"^[ \t]*:{3,}[ \t]*(\w*)[ \t]*(?:\[([^\]\n]*)\]|([^\n]*))?[ \t]*$", re.M)
_ALERT = re.compile(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*", re.IGNORECASE)


def _admonition_title(m: re.Match[str]) -> str:
    title = (m.group(2) or m.group(3) or "").strip()
    return f"\n{title}\n" if title else "\n"


def _clean(text: str) -> str:
    return _WS.sub(" ", text.replace("\xa0", " ")).strip()


def inline_plain(token: Token) -> str:
    """Plain text of an inline token: text and code spans, links reduced to their text.

    A code span is a token of its own: "`gpt-35-turbo-16k`0613" reads as
    "gpt-35-turbo-16k 0613", never as one glued word.
    """
    parts: list[str] = []
    after_code = False
    struck = 0  # inside ~~...~~: text that no longer holds ("~~2026-09-15~~ postponed")
    for child in token.children or ():
        if child.type in ("s_open", "s_close"):
            struck += 1 if child.type == "s_open" else -1
            continue
        if struck:
            continue
        if child.type == "code_inline":
            if parts and parts[-1][-1:].isalnum():
                parts.append(" ")
            parts.append(child.content)
            after_code = True
            continue
        if child.type == "text":
            if after_code and child.content[:1].isalnum():
                parts.append(" ")
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or child.type == "html_inline":
            parts.append(" ")
        after_code = False
    return _clean("".join(parts))


def inline_links(token: Token) -> tuple[tuple[str, str], ...]:
    """(link text, href) of each link in an inline token."""
    out: list[tuple[str, str]] = []
    href: str | None = None
    parts: list[str] = []
    for child in token.children or ():
        if child.type == "link_open":
            href, parts = str(child.attrs.get("href", "")), []
        elif child.type == "link_close" and href is not None:
            out.append((_clean("".join(parts)), href))
            href = None
        elif href is not None and child.type in ("text", "code_inline"):
            parts.append(child.content)
    return tuple(out)


def _anchor(token: Token, text: str) -> str:
    for child in token.children or ():
        href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
        if href.startswith("#"):
            return href[1:]
    return _SLUG_DROP.sub("", text.lower()).strip().replace(" ", "-")


def _source(lines: list[str], token: Token) -> str:
    if token.map:
        return "\n".join(lines[token.map[0] : token.map[1]]).strip()
    return ""


class _Builder:
    def __init__(self) -> None:
        self.stack: list[tuple[float, str, str | None]] = []
        self.blocks: list[Block] = []
        self.notices: list[Notice] = []
        self.entry_date: str | None = None  # the date of the changelog entry being read
        self.article_date: str | None = None  # front matter date: the default entry date

    def flush(self) -> None:
        if self.blocks:
            self.notices.append(
                Notice(
                    headings=tuple(h for _, h, _ in self.stack),
                    anchor=self.stack[-1][2] if self.stack else None,
                    blocks=tuple(self.blocks),
                    published=self.entry_date,
                )
            )
        self.blocks = []

    def heading(self, level: int, text: str, anchor: str) -> None:
        empty = not self.blocks
        self.flush()
        push_heading(self.stack, level, text, anchor, empty=empty)


def _table(tokens: list[Token], start: int, lines: list[str]) -> tuple[Table, int]:
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    raw: list[str] = []
    cells: list[str] = []
    links: list[tuple[int, int, str, str]] = []
    row_token: Token | None = None
    in_head = False
    i = start
    while i < len(tokens) and tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            cells, row_token = [], tok
        elif tok.type == "inline":
            if not in_head:
                links.extend((len(rows), len(cells), *link) for link in inline_links(tok))
            cells.append(inline_plain(tok))
        elif tok.type == "tr_close":
            if in_head:
                header = tuple(cells)
            else:
                rows.append(tuple(cells))
                line = lines[row_token.map[0]] if row_token and row_token.map else ""
                raw.append(line.strip() or " | ".join(cells))
        i += 1
    return Table(header=header, rows=tuple(rows), raw_rows=tuple(raw), links=tuple(links)), i


@PARSERS.register("markdown")
def parse_markdown(text: str, url: str | None = None) -> Document:
    meta, body, warnings = split_front_matter(text)
    if looks_like_mdx(body):
        body = mdx_to_markdown(body)
    body = _ADMONITION.sub(_admonition_title, body)
    body = _ALERT.sub("", body)
    lines = body.splitlines()
    tokens = _MD.parse(body)
    builder = _Builder()
    # An article's own date (front matter) governs its sentences, like a feed entry's.
    published = meta.get("date") or meta.get("published")
    builder.article_date = str(published)[:10] if published else None
    builder.entry_date = builder.article_date
    list_depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            title = inline_plain(inline)
            builder.heading(int(tok.tag[1]), title, _anchor(inline, title))
            i += 3
            continue
        if tok.type == "table_open":
            table, i = _table(tokens, i, lines)
            builder.blocks.append(table)
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            plain = inline_plain(inline)
            if plain:
                kind = "li" if list_depth else "p"
                codes = tuple(c.content for c in inline.children or () if c.type == "code_inline")
                builder.blocks.append(
                    Text(
                        text=plain,
                        raw=_source(lines, tok),
                        kind=kind,
                        codes=codes,
                        links=inline_links(inline),
                    )
                )
        elif tok.type == "html_block" and tok.content.startswith(ENTRY_START):
            builder.flush()
            builder.entry_date = tok.content.strip()[len(ENTRY_START) : -len("-->")].strip()
        elif tok.type == "html_block" and tok.content.startswith(ENTRY_END):
            builder.flush()
            builder.entry_date = builder.article_date
        elif tok.type == "html_block":
            inline = _MD.parseInline(_TAG.sub(" ", tok.content))
            plain = _clean(" ".join(inline_plain(t) for t in inline))
            codes = tuple(
                c.content for t in inline for c in t.children or () if c.type == "code_inline"
            )
            if plain:
                builder.blocks.append(
                    Text(text=plain, raw=tok.content.strip(), kind="note", codes=codes)
                )
        i += 1
    builder.flush()
    title = str(meta.get("title") or "")
    if not title:
        title = next((n.headings[0] for n in builder.notices if n.headings), "")
    return Document(
        fmt="markdown",
        url=url or (str(meta["url"]) if meta.get("url") else None),
        title=title,
        notices=tuple(builder.notices),
        warnings=tuple(warnings),
    )
