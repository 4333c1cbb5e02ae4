"""Untrusted front matter: aliases refused, size bounded, only scalar fields kept."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.extract import extract_document
from pipeline.parse.frontmatter import MAX_FRONT_MATTER, split_front_matter


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "---\n" + "\n".join(lines) + "\ntitle: Bomb\n---\n"


def test_an_alias_is_refused_before_anything_expands():
    meta, body, warnings = split_front_matter(_alias_bomb(3) + "# Body\n")
    assert meta == {}
    assert body == "# Body\n"
    assert len(warnings) == 1 and "aliases are not allowed" in warnings[0]


def test_a_nine_level_alias_bomb_in_a_markdown_page_costs_nothing():
    page = _alias_bomb(9) + "## Retired\n\n`acme-2` will be retired on January 4, 2027.\n"
    assert len(page) < 1024
    result = extract_document(page.encode(), fmt="markdown", provider="acme")
    assert [r.model for r in result.records] == ["acme-2"]
    assert any("aliases are not allowed" in w for w in result.warnings)


def test_only_scalar_fields_are_kept():
    text = "---\ntitle: Notes\ndate: 2026-11-02\ntags: [a, b]\nauthor: {name: x}\n---\nbody"
    meta, body, warnings = split_front_matter(text)
    assert meta == {"title": "Notes", "date": dt.date(2026, 11, 2)}
    assert body == "body" and warnings == []


def test_oversized_front_matter_is_ignored():
    text = "---\ntitle: " + "x" * MAX_FRONT_MATTER + "\n---\nbody"
    meta, body, warnings = split_front_matter(text)
    assert meta == {} and body == "body" and warnings


@pytest.mark.parametrize(
    "front",
    [
        "date: 2026-02-30",
        "n: " + "9" * 5000,
        "deep: " + "[" * 3000 + "]" * 3000,
    ],
    ids=["impossible-date", "huge-integer", "deep-nesting"],
)
def test_front_matter_that_breaks_the_loader_is_ignored_and_the_page_kept(front: str) -> None:
    from pipeline.extract import extract_document

    page = f"---\n{front}\n---\n\n# Notice\n\n`kite-1` will be retired on 2027-03-03.\n"
    out = extract_document(page.encode(), fmt="markdown", provider="acme")
    assert [(r.model, r.shutdown_date) for r in out.records] == [("kite-1", "2027-03-03")]
    assert any("bad front matter" in w for w in out.warnings)
