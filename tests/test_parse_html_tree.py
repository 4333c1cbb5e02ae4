"""The HTML parser reads most pages straight from lxml's tree (`html_tree`, issue 17) and
hands the rest to the bs4 reader (`html.parse_html`); for every page both give the same
`Document`: the real corpus pages, the fixture pages and seeded random malformed pages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipeline.parse import html, html_tree
from pipeline.parse.encoding import decode
from tests.test_parse_soup import TRICKY, random_html

REPO = Path(__file__).resolve().parent.parent
FIXTURE_PAGES = sorted(REPO.glob("tests/fixtures/**/*.htm*"))


def takes(text: str) -> bool:
    """True when the lxml reader reads the page itself."""
    found = html_tree.find_region(html_tree.INVISIBLE.sub(" ", text))
    return found is not None and html_tree.readable(found)


def same_document(text: str) -> None:
    assert html_tree.parse_html(text, "https://x.test/p") == html.parse_html(
        text, "https://x.test/p"
    )


MORE = [
    "<main><p>use <code>gpt-4</code>0613 or <code>x</code><!--c-->1 <code>y</code><b>z</b></p>"
    "<h2 id=''>A</h2><p>a</p><h3><span id=in>B</span></h3><p>b</p><h3><a href='#c'>C</a></h3>"
    "<p>c<br>d</p></main>",
    "<main><table><thead><tr><th>Model<th>Date</thead><tr><td rowspan=3 colspan=2>a<td>b"
    "<tr><td><a href=/m>m</a> <a>no href</a><tr><td>x<table><tr><td>nested</table></table>"
    "<span><h2>in a span</h2><p>under</p></span><del>gone</del> kept</main>",
    "<main><ul><li>one <s>old</s><li>two<ol><li>three</ol></ul><pre>  a\n  b </pre>"
    "<p>&nbsp;x&#160;y</p></main>",
    "<body><div role=main><p>role main</p></div><main><p>first main wins</p></main></body>",
    "<main><dl><dt><code>a</code></dt><dd>retired</dd></dl></main>",  # bs4 reader
    "<main><ruby>x<rt>y</rt></ruby><p>p</p></main>",  # bs4 reader
]


@pytest.mark.parametrize("text", [*TRICKY, *MORE])
def test_tricky_pages_read_the_same(text: str) -> None:
    same_document(text)


def test_the_readers_split_as_documented() -> None:
    assert takes(MORE[0]) and takes(MORE[1]) and takes(MORE[3])
    assert not takes(MORE[4])  # a definition list
    assert not takes(MORE[5])  # ruby text
    assert not takes("<p>x</p><!DOCTYPE html><p>y</p>")  # parsed whole
    assert not takes("<main>a<script>unclosed")


@pytest.mark.parametrize("path", FIXTURE_PAGES, ids=lambda p: p.parent.name)
def test_fixture_pages_read_the_same(path: Path) -> None:
    same_document(decode(path.read_bytes())[0])


def test_corpus_pages_read_the_same(corpus: Path) -> None:
    pages = [p for p in sorted((corpus / "pages").iterdir()) if p.suffix in (".html", ".htm")]
    assert pages
    for page in pages:
        text = decode(page.read_bytes())[0]
        assert takes(text), page.name  # the provider pages are all read from lxml's tree
        same_document(text)


def test_malformed_pages_read_the_same() -> None:
    rng = random.Random(2026)  # seeded: the same 300 pages every run
    taken = 0
    for _ in range(300):
        body = random_html(rng)
        for text in (
            body,
            f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>",
            f"<html><body><nav>n</nav><main>{body}</main></body></html><!-- end -->",
        ):
            taken += takes(text)
            same_document(text)
    assert taken > 200  # both readers were exercised
