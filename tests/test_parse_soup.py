"""The HTML parser's tree (issue 17): lxml parses the page in C and only the main content
region is built as a BeautifulSoup tree; that region is the one a whole-page
`BeautifulSoup(text, "lxml")` builds, string for string, so extraction reads the same text."""

from __future__ import annotations

import random

import pytest
from bs4 import BeautifulSoup, Tag

from pipeline.parse.soup import region_soup, whole_soup


def whole_region(text: str) -> tuple[BeautifulSoup, object]:
    """The region as the HTML parser picked it from a whole-page bs4 tree before."""
    soup = whole_soup(text)
    tags = list(soup.find_all(True))
    root = (
        next((t for t in tags if t.name == "main"), None)
        or next((t for t in tags if t.get("role") == "main"), None)
        or soup.body
        or soup
    )
    return soup, root


def shape(root: Tag) -> list[tuple]:
    """Every element under `root` with its links, as positions among those elements (None
    for anything beyond the region, outside it or nothing)."""
    nodes = [root, *root.descendants]
    where = {id(n): i for i, n in enumerate(nodes)}

    def at(node: object) -> int | None:
        return where.get(id(node))

    return [
        (
            type(n).__name__,
            n.name if isinstance(n, Tag) else str(n),
            at(n.parent),
            at(n.previous_element),
            at(n.next_element),
            at(n.previous_sibling),
            at(n.next_sibling),
        )
        for n in nodes[1:]
    ]


def same_as_whole_parse(text: str) -> None:
    soup, region, title_tag = region_soup(text)
    assert title_tag is soup.title
    expected_soup, expected = whole_region(text)
    if region is not None:
        assert str(region) == str(expected)
        assert isinstance(expected, Tag)
        assert shape(region) == shape(expected)
        assert [str(c) for c in region.contents] == [str(c) for c in expected.contents]
        # string classes too: a string inside <rt> is not main text (get_text skips it)
        assert region.get_text() == expected.get_text()  # type: ignore[attr-defined]
    title = soup.title.get_text() if soup.title else None
    assert title == (expected_soup.title.get_text() if expected_soup.title else None)


TRICKY = [
    "<html><head><title>T &amp; U</title></head><body><nav>n</nav><main><p>a</p></main>"
    "<footer>f</footer></body></html>",
    '<body><div role="main"><pre>  keep\n  this  </pre><p>x</p></div></body>',
    "<main><table><tr><td rowspan=2>a<td>b<tr><td>c</table><dl><dt>x<dd>y</dl></main>",
    "<p>before</p><main>in<!-- note -->side <?php echo 1 ?> &nbsp;&bogus; é</main><p>after",
    "<ruby><rt><title>ruby title</title></rt></ruby><main>m</main>",  # title text is ruby text
    "<pre><main>  spaced   text  </main></pre>",  # whitespace kept under an outer <pre>
    "<main><main>nested</main> outer</main>",
    "<title>only a title</title>",  # no body: parsed whole
    "",
    "   ",
    "plain text, no tags",
    "<p>x</p><!DOCTYPE html><p>y</p>",  # a doctype inside the page: parsed whole
    "<html><body><main>m</main></body></html><div role=main>after the end</div>",
    "<html><body><main>m</main></body></html>\n<!-- trailing comment -->\n",
    "é</html><!-- c --><title role=main><!-- not a comment: inside a title -->",
    "<main><o:p>word</o:p><br/><img src=x><hr></main>",
    # lxml's tree stops 256 elements deep; bs4 goes on: parsed whole
    "<main>" + "<div>" * 300 + "deep" + "</div>" * 300 + "<p>after the deep part</p></main>",
]


def test_a_text_longer_than_lxml_keeps_is_read_whole() -> None:
    # libxml2's tree cuts a text node at 10,000,000 bytes; bs4, fed events, keeps it all
    text = "<main><p>" + "word " * 2_100_000 + "</p><p>after</p></main>"
    soup, region, _ = region_soup(text)
    assert region is None and len(soup.find_all("p")) == 2


@pytest.mark.parametrize("text", TRICKY)
def test_region_is_the_whole_parse_region(text: str) -> None:
    same_as_whole_parse(text)


def test_outside_the_region_nothing_is_built() -> None:
    page = "<body><nav><a href='/x'>nav link</a></nav><main><p>kept</p></main><aside>s</aside>"
    soup, region, _ = region_soup(page)
    assert region is not None and region.name == "main"
    assert soup.find("nav") is None and soup.find("aside") is None
    assert soup.get_text() == "kept"


TAGS = ["div", "p", "span", "main", "body", "html", "head", "title", "table", "tr", "td",
        "th", "thead", "ul", "li", "dl", "dt", "dd", "h2", "code", "a", "pre", "del", "nav",
        "br", "section", "rt", "ruby", "textarea", "template", "select", "hr", "o:p"]  # fmt: skip
ATTRS = ["", ' id="x"', ' role="main"', ' href="#a"', ' rowspan="2"', ' class="a b"']
TEXTS = ["gpt-4", " ", "\n", "  \n ", "2025-01-02", "&nbsp;", "&amp;", "a&lt;b", "é", "0613",
         "<!-- c -->", "<?php x ?>", "<!DOCTYPE html>", "&bogus;", "</html>"]  # fmt: skip


def random_html(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.45 and depth < 7:
            tag = rng.choice(TAGS)
            close = f"</{tag}>" if rng.random() < 0.85 else ""
            out.append(f"<{tag}{rng.choice(ATTRS)}>{random_html(rng, depth + 1)}{close}")
        elif roll < 0.5:
            out.append(f"</{rng.choice(TAGS)}>")
        else:
            out.append(rng.choice(TEXTS))
    return "".join(out)


def test_malformed_pages_give_the_whole_parse_region() -> None:
    rng = random.Random(17)  # seeded: the same 400 pages every run
    for _ in range(400):
        body = random_html(rng)
        for text in (
            body,
            f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>",
            f"<html><body><nav>n</nav><main>{body}</main></body></html><!-- end -->",
        ):
            same_as_whole_parse(text)
