"""HTML parsing: structure, dropped chrome, inline spacing."""

from pipeline.parse import Table, Text, parse_document

PAGE = b"""<html><head><title>T</title><script>var gpt_9 = 1;</script></head><body>
<nav>Home gpt-0-nav</nav><main>
<h2 id="hist">History</h2>
<h3 id="2025-09-26-legacy">2025-09-26: Legacy snapshots</h3>
<p>Use <code>gpt-5</code> or <code>gpt-4.1</code><span> instead</span>.</p>
<h4 id="base">Base models</h4>
<table><thead><tr><th>Shutdown date</th><th>Model</th></tr></thead>
<tbody><tr><td>2026-03-26</td><td><code>gpt-4-0314</code></td></tr></tbody></table>
</main><footer>footer</footer></body></html>"""


def test_structure_and_heading_context() -> None:
    doc = parse_document(PAGE, "html")
    assert doc.title == "T"
    last = doc.notices[-1]
    assert last.headings == ("History", "2025-09-26: Legacy snapshots", "Base models")
    assert last.anchor == "base"
    table = last.blocks[0]
    assert isinstance(table, Table)
    assert table.header == ("Shutdown date", "Model")
    assert table.rows == (("2026-03-26", "gpt-4-0314"),)


def test_inline_elements_keep_spaces_and_chrome_is_dropped() -> None:
    doc = parse_document(PAGE, "html")
    texts = [b.text for n in doc.notices for b in n.blocks if isinstance(b, Text)]
    assert "Use gpt-5 or gpt-4.1 instead." in texts
    assert not any("gpt-0-nav" in t or "gpt_9" in t or "footer" in t for t in texts)


def test_declared_charset_and_bad_bytes() -> None:
    body = '<html><head><meta charset="latin-1"></head><body><p>caf\xe9</p></body></html>'
    doc = parse_document(body.encode("latin-1"), "html")
    assert doc.notices[0].blocks[0].text == "caf\xe9"
    doc = parse_document(b"<p>ok \xff\xfe bad</p>", "html")
    assert doc.notices and "ok" in doc.notices[0].blocks[0].text


def test_xml_or_url_given_as_html_does_not_warn() -> None:
    # pytest turns warnings into errors: parsing must stay quiet on odd input.
    assert parse_document(b'<?xml version="1.0"?><rss><channel/></rss>', "html").fmt == "html"
    assert parse_document("https://example.com/x", "html").fmt == "html"


def test_html_date_headings_grouped_and_code_span_boundary() -> None:
    from pipeline.parse import parse_document

    html = (
        "<main><h1>T</h1><h2>Change history</h2><h2>May 2, 2025</h2>"
        "<p><code>model-a</code>0613 updated.</p><h2>Other</h2><p>C.</p></main>"
    )
    doc = parse_document(html, "html")
    assert [n.headings for n in doc.notices] == [
        ("T", "Change history", "May 2, 2025"),
        ("T", "Other"),
    ]
    assert doc.notices[0].blocks[0].text == "model-a 0613 updated."
