"""A page's text for diffs is read from lxml's tree in C (`_html_lines`, issue 17: it was the
cold cycle's largest cost after extraction); it is the text the element walk reads, on the
corpus pages, the fixture pages and seeded random malformed pages, and a page the walk
cannot read (a tag that is no XML name) still falls back to its decoded text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipeline.sources.pagediff import text
from tests.test_parse_soup import TRICKY, random_html

REPO = Path(__file__).resolve().parent.parent


def both(body: bytes, content_type: str | None = "text/html") -> tuple[tuple, tuple]:
    fast = text.page_text(body, content_type, None)
    original = text._html_lines
    text._html_lines = lambda root: None  # type: ignore[assignment]
    try:
        walked = text.page_text(body, content_type, None)
    finally:
        text._html_lines = original
    return fast, walked


EXTRA = [
    b"<html><body><o:p>Word markup</o:p></body></html>",  # no XML name: decoded text
    b"<svg><p>x</p></svg>tail",
    b"<p>a<!--c-->b<?pi x?>c</p><script>s</script>t<head><title>T</title></head>",
    b"<html><body><table><tr><td>a<td>b</table><h1>H</h1>x<br>y<dl><dt>t<dd>d</dl></body>"
    b"</html>after",
    "<p>caf\u00e9 \u00a0 x\r\ny\x0cz</p>".encode(),
]


@pytest.mark.parametrize("body", [*EXTRA, *(t.encode() for t in TRICKY)])
def test_tricky_pages_give_the_walked_text(body: bytes) -> None:
    fast, walked = both(body)
    assert fast == walked


def test_a_tag_that_is_no_name_falls_back_to_the_decoded_text() -> None:
    fast, _ = both(EXTRA[0])
    assert fast == ("<html><body><o:p>Word markup</o:p></body></html>", False)


def test_corpus_and_fixture_pages_give_the_walked_text() -> None:
    pages = sorted(REPO.glob("tests/fixtures/**/page.*"))
    corpus = REPO.parent / "shared" / "corpus" / "pages"
    if corpus.is_dir():
        pages += sorted(corpus.iterdir())
    for page in pages:
        body = page.read_bytes()
        for content_type in ("text/html", None):
            fast, walked = both(body, content_type)
            assert fast == walked, page.name


def test_malformed_pages_give_the_walked_text() -> None:
    rng = random.Random(1217)
    for _ in range(400):
        body = random_html(rng)
        for page in (body, f"<html><body><main>{body}</main></body></html><!-- e -->"):
            fast, walked = both(page.encode())
            assert fast == walked
