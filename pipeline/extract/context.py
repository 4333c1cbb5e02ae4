"""Per-document knowledge shared by the table and prose extractors.

`DocContext` holds the IDs the page prints (table cells, code spans), the display-name -> ID
map the page gives ("Claude Opus 4.0 | anthropic.claude-opus-4-20250514-v1:0",
"Gemini 1.5 Flash (gemini-1.5-flash-001)"), and document-wide notes such as "the dates are
the earliest possible".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from pipeline.core.text_guard import may_contain
from pipeline.extract.catalogue import id_for_name, is_known
from pipeline.extract.cues import FLOOR, FLOOR_PIECES
from pipeline.extract.model_ids import (
    Mention,
    display_key,
    display_name,
    find_ids,
    is_cell_id,
    is_strong_id,
    normalise,
    slug,
    strip_parens,
)
from pipeline.extract.tables import classify, id_score
from pipeline.parse.document import Document, Table, Text

T = TypeVar("T")

_DISPLAY_PAREN = re.compile(
    r"\b([A-Z][\w.]*(?:[ -][A-Za-z0-9][\w.]*){0,5})\s*\(`?([a-z][a-z0-9._:@/-]*[a-z0-9])`?\)"
)


@dataclass
class DocContext:
    known: set[str] = field(default_factory=set)
    display_to_id: dict[str, str] = field(default_factory=dict)
    # display key -> the ID a model cell's link carries; weaker than any mapping in the text
    linked_ids: dict[str, str] = field(default_factory=dict)
    # how many model IDs the page prints as code or in a table's model column, and whether it
    # has a table of models at all (a lifecycle page, not news)
    printed_ids: int = 0
    model_tables: bool = False
    all_earliest: bool = False
    # IDs known outside the page (the store, teams' usage): grounding, like the catalogue
    grounded: frozenset[str] = frozenset()
    provider: str = ""  # the page's provider, for catalogue display names
    # Footnote marks whose note says the date is a floor ("* Not sooner than the date shown")
    floor_marks: set[str] = field(default_factory=set)

    # text -> its ID mentions; filled once `known` is complete (after `build_context`)
    _mentions: dict[str, tuple[Mention, ...]] = field(default_factory=dict, repr=False)
    _memo: dict[str, tuple[int, Any]] = field(default_factory=dict, repr=False)

    def per_known(self, name: str, build: Callable[[set[str]], T]) -> T:
        """`build(self.known)`, computed once while `known` keeps its size: an index of the
        page's IDs that each row then looks up instead of scanning every ID."""
        hit = self._memo.get(name)
        if hit is None or hit[0] != len(self.known):
            hit = self._memo[name] = (len(self.known), build(self.known))
        return cast(T, hit[1])

    def tails_after(self, head: str) -> set[str]:
        """What follows `head` and a hyphen in each printed ID (`gpt-4-0613`: "gpt-4" ->
        {"0613"}, "gpt" -> {"4-0613"}). One index of every ID cut at each hyphen, rebuilt only
        when `known` grows: a row or a name looks its model up instead of scanning every ID
        of the page (which made a page of N models cost N^2)."""
        return self.per_known("ID tails", _tails_index).get(head, set())

    def ids(self, text: str) -> list[Mention]:
        """`find_ids(text, self.known)`, memoised per document: the same sentence is read by
        several passes (prose, clauses, scope leads)."""
        found = self._mentions.get(text)
        if found is None:
            found = self._mentions[text] = tuple(find_ids(text, self.known))
        return list(found)

    def map_display(self, name: str) -> str | None:
        """The page's ID for a display name, when the page ties them together."""
        key = display_key(name)
        if key in self.display_to_id:
            return self.display_to_id[key]
        candidate = slug(strip_parens(name))
        if candidate in self.known:
            return candidate
        # the one printed ID that is the display name's slug plus a variant suffix
        variant = _variant_of(candidate, self.tails_after(candidate))
        if variant:
            return variant
        # a page that names models only by display names (news) may use any provider's
        # names; a reseller's page prints its own IDs, which differ from the maker's
        # (after the page's own links: a link names the page's ID, the catalogue only guesses)
        return (
            id_for_name(name, self.provider)
            or self.linked_ids.get(key)
            or (
                id_for_name(name, self.provider, any_provider=True)
                if self.printed_ids < 3 and not self.model_tables
                else None
            )
        )


# What a provider appends to a model's name in its ID without making it another model
# ("Llama 3.1 70B" -> `llama-3.1-70b-instruct`, "Claude 3 Opus" -> `claude-3-opus-20240229`).
_VARIANT_SUFFIX = re.compile(r"(?:instruct|chat|it|hf|latest|\d{6,8}|\d{4}-\d{2}-\d{2})")


def _tails_index(known: set[str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for model in known:
        for at, char in enumerate(model):
            if char == "-":
                index.setdefault(model[:at], set()).add(model[at + 1 :])
    return index


def _variant_of(candidate: str, tails: set[str]) -> str | None:
    found = [f"{candidate}-{tail}" for tail in tails if _VARIANT_SUFFIX.fullmatch(tail)]
    return found[0] if len(found) == 1 else None


def build_context(
    doc: Document, grounded: frozenset[str] = frozenset(), provider: str = ""
) -> DocContext:
    ctx = DocContext(grounded=grounded, known=set(grounded), provider=provider)
    for notice in doc.notices:
        for block in notice.blocks:
            if isinstance(block, Table):
                _learn_table(ctx, block)
            elif isinstance(block, Text):
                _learn_text(ctx, block)
    return ctx


def _code_is_model(code: str, grounded: frozenset[str] = frozenset()) -> bool:
    """A code span counts as a model ID when it is model-shaped or the catalogue knows it.

    Parameter, field and enum names (`user`, `stop`, `reasoning_effort`) are code spans too:
    a bare word or a snake_case name is only a model when the catalogue lists it (or a table's
    model column does, which `_learn_table` handles).
    """
    if not is_cell_id(code):
        return False
    token = code.strip().strip("`")
    if is_strong_id(token) or is_known(normalise(token)) or normalise(token) in grounded:
        return True
    return "_" not in token and "-" in token and token == token.lower()


# A footnote: a mark at the start of a short note ("* Not sooner than ...", "[1] ...", "¹ ...")
_FOOTNOTE = re.compile(r"^\s*(\*{1,3}|†|‡|§|¹|²|³|\[\d\])\s*\S")
_MODEL_PAGE = re.compile(r"/models?/(?:[^/?#]+/)*([^/?#]+)/?(?:[?#].*)?$", re.IGNORECASE)


def named_page_id(href: str, label: str) -> str | None:
    """The last segment of a model page's address when it is the link text's own name,
    perhaps behind an owner ("Command R" -> `.../models/Cohere-command-r`); a documentation
    slug ("2-5-flash", "mistral-medium-3-5-26-04" for "Mistral Medium 3.5") is not."""
    m = _MODEL_PAGE.search(href)
    named = slug(label).lower()
    if not m or len(named) < 3 or not any(c.isalpha() for c in named):
        return None
    segment = normalise(m.group(1))
    if "-" not in segment or not is_cell_id(segment):
        return None
    return segment if segment == named or segment.endswith("-" + named) else None


def model_page_id(href: str) -> str | None:
    """The model a link points at when its path is a model page (`.../models/<org>/<slug>`).

    A display name linked to a model catalogue page is that model: the last path segment is
    its ID, when it is model-shaped (has a digit) or the catalogue knows it.
    """
    m = _MODEL_PAGE.search(href)
    if not m:
        return None
    segment = re.sub(r"\.(?:mdx?|html?|json|txt)$", "", normalise(m.group(1)))  # doc-page twins
    if not segment[:1].isalpha() or not is_cell_id(segment):
        return None  # "2-5-flash": a documentation path, not an ID
    if not (any(c.isdigit() for c in segment) or is_known(segment)):
        return None
    return segment


_MODEL_NOUN_BEFORE = re.compile(r"\bmodels?\b(?: names?| ids?)?[^.;:!?]{0,40}$", re.IGNORECASE)


def _named_as_model(text: str, code: str) -> bool:
    """A bare-word code span the sentence itself calls a model: "base models (`ada`, `davinci`)"."""
    at = text.find(code)
    return is_cell_id(code) and at > 0 and bool(_MODEL_NOUN_BEFORE.search(text[:at]))


def _learn_text(ctx: DocContext, block: Text) -> None:
    for code in block.codes:
        if _code_is_model(code, ctx.grounded) or _named_as_model(block.text, code):
            ctx.known.add(normalise(code))
            ctx.printed_ids += 1
    for mention in find_ids(block.text):
        ctx.known.add(mention.model)
    for label, href in block.links:
        model = model_page_id(href)
        if model:
            ctx.known.add(model)
            # "DeepSeek V4 Flash (0731)" keys like "DeepSeek V4 Flash" once its parentheses
            # are dropped: such a label would name the wrong model, so it maps nothing.
            if label and "(" not in label and normalise(label) != model:
                ctx.display_to_id.setdefault(display_key(label), model)
    for m in _DISPLAY_PAREN.finditer(block.text) if "(" in block.text else ():
        ctx.display_to_id.setdefault(display_key(m.group(1)), normalise(m.group(2)))
        ctx.known.add(normalise(m.group(2)))
    floor = may_contain(block.text, FLOOR_PIECES) and FLOOR.search(block.text)
    if floor and _says_dates_are_earliest(block.text):
        ctx.all_earliest = True
    note = _FOOTNOTE.match(block.text)
    if note and FLOOR.search(block.text[: note.end() + 80]):
        ctx.floor_marks.add(note.group(1))


# "dates ... indicate|are|is ... earliest possible" on one line, matched step by step: the
# single regex with two `.*` took time quadratic in the length of a long block.
_EARLIEST_STEPS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (r"dates?\b", r"\b(?:indicate|are|is)\b", r"earliest possible")
)


def _says_dates_are_earliest(text: str) -> bool:
    for line in text.split("\n"):
        pos = 0
        for step in _EARLIEST_STEPS:
            m = step.search(line, pos)
            if not m:
                break
            pos = m.end()
        else:
            return True
    return False


def _learn_table(ctx: DocContext, table: Table) -> None:
    cols = classify(table)
    ctx.model_tables = ctx.model_tables or cols.model is not None or cols.display is not None
    for row in table.rows:
        for index in (cols.model, cols.display, *cols.replacement):
            if index is not None and index < len(row):
                cell = strip_parens(row[index])
                if is_cell_id(cell):
                    ctx.known.add(normalise(cell))
                    ctx.printed_ids += 1
                for mention in find_ids(cell):
                    ctx.known.add(mention.model)
    if cols.model is not None and cols.display is not None:
        for row in table.rows:
            if max(cols.model, cols.display) < len(row) and is_cell_id(row[cols.model]):
                name = display_name(row[cols.display])
                if name:
                    ctx.display_to_id.setdefault(display_key(name), normalise(row[cols.model]))
    # "[Command R](.../models/Cohere-command-r)": a model cell whose whole text links to a
    # page named after it carries the ID (a name the page maps otherwise keeps that mapping)
    for row_at, column, label, href in table.links:
        if column not in (cols.model, cols.display) or row_at >= len(table.rows):
            continue
        cell = table.rows[row_at][column] if column < len(table.rows[row_at]) else ""
        model = named_page_id(href, label)
        if model and label.strip() == cell.strip() and normalise(label) != model:
            ctx.linked_ids.setdefault(display_key(label), model)
    # "Stable Diffusion XL 1.x | stability.stable-diffusion-xl-v1" replacement pairs
    id_cols = [i for i in cols.replacement if id_score(table, i) > 0]
    name_cols = [i for i in cols.replacement if i not in id_cols]
    if id_cols and name_cols:
        for row in table.rows:
            i, n = id_cols[0], name_cols[0]
            if max(i, n) < len(row):
                ids = find_ids(row[i])
                names = re.split(r"\s*(?:,|\bor\b|\band\b)\s*", row[n])
                if len(ids) == 1 and len(names) == 1 and names[0]:
                    ctx.display_to_id.setdefault(display_key(names[0]), ids[0].model)
