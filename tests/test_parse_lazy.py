"""Parsers load on the first use of their format (issue 17): a page of one format does not
pay for the libraries of the others, and `sunset extract PAGE` imports only what it reads.
Each check runs in a fresh interpreter and reads `sys.modules`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LIBRARIES = {"bs4", "lxml", "soupsieve", "feedparser", "markdown_it", "yaml"}
PROBE = """
import json, sys
from pipeline.parse import PARSERS, parse_document
names = PARSERS.names()
for fmt, body in json.loads(sys.argv[1]):
    parse_document(body.encode(), fmt)
print(json.dumps([names, sorted({m.split(".")[0] for m in sys.modules})]))
"""


def loaded(*pages: tuple[str, str]) -> tuple[list[str], set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(pages)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
        timeout=60,
    )
    names, modules = json.loads(result.stdout.strip().splitlines()[-1])
    return names, set(modules) & LIBRARIES


def test_every_format_is_known_before_any_parser_is_imported() -> None:
    names, libraries = loaded()
    assert names == ["atom", "html", "json", "markdown", "rss", "text"]
    assert libraries == set()


def test_html_page_imports_no_feed_or_markdown_library() -> None:
    _, libraries = loaded(("html", "<main><h2>A</h2><p>gpt-4 retires 2026-01-05</p></main>"))
    assert libraries == {"lxml"}  # read straight from lxml's tree: no bs4 either
    # a page the lxml reader hands to the bs4 reader (a definition list) loads bs4 then
    _, libraries = loaded(("html", "<main><dl><dt>gpt-4</dt><dd>retired</dd></dl></main>"))
    assert {"lxml", "bs4"} <= libraries and not libraries & {"feedparser", "markdown_it"}


def test_markdown_page_imports_neither_bs4_nor_feedparser() -> None:
    _, libraries = loaded(
        ("markdown", "# Deprecations\n\n| Model | Shutdown |\n|-|-|\n| a | b |\n")
    )
    assert libraries == {"markdown_it"}  # no front matter: no PyYAML either
    _, libraries = loaded(("markdown", "---\ntitle: T\n---\n# A\n"))
    assert libraries == {"markdown_it", "yaml"}


def test_json_and_text_pages_import_only_what_their_content_needs() -> None:
    _, libraries = loaded(("json", '{"models": [{"id": "a-1", "shutdown_date": "2026-01-01"}]}'))
    assert libraries == set()
    _, libraries = loaded(("text", "Deprecations\n\ngpt-4 retires on 2026-01-05.\n"))
    assert libraries == set()
    feed = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": [{"content_html": "<p>x</p>"}]}'
    )
    _, libraries = loaded(("json", feed))  # HTML inside a JSON Feed item needs the HTML parser
    assert "lxml" in libraries and "feedparser" not in libraries


def test_rss_page_imports_feedparser() -> None:
    rss = "<rss><channel><item><title>t</title><description>d</description></item></channel></rss>"
    _, libraries = loaded(("rss", rss))
    assert "feedparser" in libraries and "markdown_it" not in libraries


CLI_PROBE = """
import json, sys
from pipeline.cli import main
try:
    main(sys.argv[1:], prog_name="sunset")
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def test_sunset_extract_of_an_html_page_imports_no_other_format(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<main><table><tr><th>Model</th><th>Shutdown</th></tr>"
                    "<tr><td>gpt-4-0613</td><td>2027-01-04</td></tr></table></main>")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", CLI_PROBE, "extract", str(page), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout)[0]["model"] == "gpt-4-0613"
    modules = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not modules & {"feedparser", "markdown_it", "yaml"}


def test_registry_names_and_errors() -> None:
    from pipeline.parse.registry import Registry

    registry = Registry()
    registry.declare("pipeline.parse.text", "text")
    assert registry.names() == ["text"]
    with pytest.raises(ValueError, match=r"^unknown format 'csv'; known: \['text'\]$"):
        registry.get("csv")
    with pytest.raises(ValueError, match="declared twice"):
        registry.declare("pipeline.parse.html", "text")
