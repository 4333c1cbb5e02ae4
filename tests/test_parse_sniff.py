"""Content sniffing picks the parser when the file name or config does not say."""

from __future__ import annotations

import pytest

from pipeline.extract import extract_document, infer_format
from pipeline.parse.sniff import sniff_format


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "rss"),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', "atom"),
        (b'{"models": [{"id": "acme-1", "deprecation_date": "2027-01-01"}]}', "json"),
        (b"{not json at all", "text"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", "markdown"),
        (b'import X from "./x"\n\n<Update label="2027-01-02">\n  # Hi\n</Update>\n', "markdown"),
        (b"Just a sentence about nothing in particular.\n", "text"),
        (b"\xef\xbb\xbf  <html><body>bom first</body></html>", "html"),
    ],
)
def test_sniff_format(body: bytes, expected: str) -> None:
    assert sniff_format(body) == expected


def test_infer_format_sniffs_unknown_extensions(tmp_path) -> None:
    page = tmp_path / "deprecations.aspx"
    page.write_bytes(b"<html><body><h1>Retirements</h1></body></html>")
    assert infer_format(str(page)) == "html"
    txt = tmp_path / "llms.txt"
    txt.write_bytes(b"# Models\n\n- `acme-2` will be retired on 2027-01-05.\n- more\n")
    assert infer_format(str(txt)) == "markdown"


def test_auto_format_extracts_and_keeps_css_out() -> None:
    """An HTML page read as text turned CSS class names into 'replacements'; sniffed, it parses."""
    body = (
        b"<html><head><style>.btn-primary{color:red}</style></head><body>"
        b"<h2>Retirements</h2><p><code>acme-chat-2</code> will be retired on 2027-03-01. "
        b"Use <code>acme-chat-3</code> instead.</p></body></html>"
    )
    out = extract_document(body, fmt="auto", provider="acme")
    assert [(r.model, r.shutdown_date, r.replacements) for r in out.records] == [
        ("acme-chat-2", "2027-03-01", ("acme-chat-3",))
    ]
