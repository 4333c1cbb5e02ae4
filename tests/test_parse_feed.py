"""RSS / Atom / JSON feed parsing."""

import json

from pipeline.parse import Table, parse_document

RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>
<item><title>Deprecating model-x-1</title><link>https://e.com/1</link>
<pubDate>Fri, 21 Nov 2025 03:05:41 GMT</pubDate>
<description>&lt;p&gt;We will retire &lt;code&gt;model-x-1&lt;/code&gt;
on 2026-01-01.&lt;/p&gt;</description>
</item><item><title>Kv</title><description>Model ID: m-2
Shutdown Date: 2026-02-17</description></item></channel></rss>"""


def test_rss_entries_are_notices() -> None:
    doc = parse_document(RSS, "rss")
    first, second = doc.notices
    assert first.headings == ("Deprecating model-x-1",)
    assert first.link == "https://e.com/1"
    assert first.published == "2025-11-21"
    assert "retire model-x-1 on 2026-01-01" in first.blocks[0].text
    assert isinstance(second.blocks[0], Table)
    assert second.blocks[0].header == ("Model ID", "Shutdown Date")


def test_json_feed_and_garbage() -> None:
    feed = {"title": "J", "items": [{"title": "A", "content_text": "hi", "url": "u"}]}
    doc = parse_document(json.dumps(feed), "json")
    assert doc.notices[0].headings == ("A",)
    assert parse_document("not json", "json").warnings
    assert parse_document(b"<not a feed", "rss").notices == ()


def test_generic_json_model_list_becomes_a_lifecycle_table() -> None:
    data = {
        "data": [
            {"id": "m-1", "deprecation": {"date": "2026-01-01", "shutdown_date": "2026-06-01"}},
            {"id": "m-2", "status": "active"},
            {"id": "m-3", "deprecated": True, "successor": ["m-4", "m-5"]},
        ]
    }
    doc = parse_document(json.dumps(data), "json")
    table = doc.notices[0].blocks[0]
    assert isinstance(table, Table)
    assert table.rows == (
        ("m-1", "", "deprecated", "2026-01-01", "2026-06-01", ""),
        ("m-2", "", "active", "", "", ""),
        ("m-3", "", "deprecated", "", "", "m-4, m-5"),
    )
    assert table.raw_rows[2] == '{"id": "m-3", "deprecated": true, "successor": ["m-4", "m-5"]}'
    assert parse_document("[1, 2]", "json").warnings
