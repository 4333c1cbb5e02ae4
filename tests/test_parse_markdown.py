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
