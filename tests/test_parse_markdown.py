"""Markdown and text parsing."""

from pipeline.parse import Table, Text, parse_document

MD = """---
title: Deprecations
url: https://example.com/dep
---
# Deprecations

## 2026-04-14: Old models

- `model-a-1` (and the alias `model-a`)

| Retirement date | Deprecated model |
| --------------- | ---------------- |
| June 15, 2026   | model-b-2\\*     |
"""


def test_markdown_front_matter_headings_lists_tables() -> None:
    doc = parse_document(MD, "markdown")
    assert doc.title == "Deprecations"
    assert doc.url == "https://example.com/dep"
    notice = doc.notices[-1]
    assert notice.headings == ("Deprecations", "2026-04-14: Old models")
    item, table = notice.blocks
    assert isinstance(item, Text) and item.kind == "li"
    assert item.codes == ("model-a-1", "model-a")
    assert isinstance(table, Table)
    assert table.rows == (("June 15, 2026", "model-b-2*"),)
    assert table.raw_rows[0].startswith("| June 15, 2026")


def test_text_articles_with_front_matter() -> None:
    doc = parse_document("---\ntitle: News\ndate: 2024-01-02\n---\nPara one.\n\nPara two.", "text")
    assert doc.title == "News"
    assert [b.text for b in doc.notices[0].blocks] == ["Para one.", "Para two."]
    assert doc.notices[0].published == "2024-01-02"


def test_date_headings_after_an_empty_heading_of_the_same_level_are_grouped() -> None:
    md = "# T\n\n## History\n\n## May 2, 2025\n\nA.\n\n### May 1, 2025\n\nB.\n\n## Other\n\nC.\n"
    doc = parse_document(md, "markdown")
    assert [n.headings for n in doc.notices] == [
        ("T", "History", "May 2, 2025"),
        ("T", "History", "May 2, 2025", "May 1, 2025"),
        ("T", "Other"),
    ]


def test_code_span_followed_by_text_is_a_separate_token() -> None:
    doc = parse_document("Use `model-a`0613 and x`model-b`.\n", "markdown")
    assert doc.notices[0].blocks[0].text == "Use model-a 0613 and x model-b."
