"""The curated sources.yml: at least 30 providers, every page's format right for its URL
and explained by a comment, an authored sample of each kind of document it points at that
parses and that `pipeline.fetch.looks` accepts, and what no source may answer (a bot
challenge, a JavaScript shell, HTML at a Markdown URL) refused, also by `sunset doctor`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.config import load_sources
from pipeline.fetch.looks import judge
from pipeline.parse import parse_document
from tests.model_list_standins import MistralModels

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).parent / "fixtures" / "looks"
SOURCES = load_sources(REPO / "sources.yml").sources
PAGES = [s for s in SOURCES if s.kind == "page"]
SAMPLE_FILES = {
    ("markdown", "deprecations"): "markdown-deprecations.md",
    ("markdown", "models"): "markdown-models.md",
    ("markdown", "changelog"): "markdown-changelog.md",
    ("html", "deprecations"): "html-deprecations.html",
    ("html", "models"): "html-models.html",
    ("html", "changelog"): "html-changelog.html",
    ("rss", "feed"): "rss-feed.xml",
    ("atom", "feed"): "atom-feed.xml",
}


def expected_format(url: str) -> set[str]:
    """The formats a URL's form calls for."""
    path = url.split("?", 1)[0].rstrip("/").lower()
    if path.endswith((".md", ".md.txt", ".mdx", "/llms.txt")):
        return {"markdown"}
    if path.endswith((".xml", ".rss", ".atom", "/feed", "/rss")):
        return {"rss", "atom"}
    if path.endswith(".json"):
        return {"json"}
    return {"html"}


def test_at_least_30_providers_and_check_lists_them():
    providers = {s.provider for s in SOURCES if s.kind != "reference"}
    assert len(providers - {"deprecations-info"}) >= 30
    result = CliRunner().invoke(
        main, ["check", "--sources", str(REPO / "sources.yml"), "--teams", str(REPO / "teams.yml")]
    )
    assert result.exit_code == 0, result.output
    found = int(re.search(r"(\d+) providers", result.output).group(1))
    assert found >= 30
    listed = re.search(r"providers: (.*)", result.output).group(1).split(", ")
    assert set(listed) >= providers


@pytest.mark.parametrize("source", PAGES, ids=lambda s: s.id)
def test_page_format_is_right_for_its_url(source):
    assert source.format in expected_format(str(source.url)), str(source.url)
    assert source.content is not None, "say what the page is (content)"
    assert str(source.url).startswith("https://")
    if source.format in ("rss", "atom"):
        assert source.content == "feed"


def test_every_entry_says_why_in_a_comment():
    text = (REPO / "sources.yml").read_text()
    entries = re.split(r"\n  - id: ", text)[1:]
    for entry in entries:
        name = entry.split("\n", 1)[0]
        body = entry.split("\n\n", 1)[0]
        kind = re.search(r"\n    kind: (\w+)", body)
        if kind and kind.group(1) != "page":
            continue  # model lists and references are explained by their section comment
        assert re.search(r"\n    # \S", body), f"{name}: no comment saying why this URL"


@pytest.mark.parametrize("pair", sorted({(s.format, s.content) for s in PAGES}))
def test_a_sample_of_each_kind_parses_and_looks_right(pair):
    body = (SAMPLES / SAMPLE_FILES[pair]).read_bytes()
    fmt, content = pair
    verdict = judge(body, format=fmt, content=content)
    assert verdict.ok, verdict.detail
    doc = parse_document(body, fmt)
    assert doc.notices, f"{SAMPLE_FILES[pair]} parsed to nothing"


@pytest.mark.parametrize(
    ("sample", "fmt", "content", "reason"),
    [
        ("challenge.html", "html", "deprecations", "bot challenge page (Cloudflare)"),
        ("challenge.html", "markdown", "models", "bot challenge page (Cloudflare)"),
        ("js-shell.html", "html", "models", "a JavaScript shell"),
        ("html-models.html", "markdown", "models", "HTML where Markdown was expected"),
        ("markdown-models.md", "rss", "feed", "not an RSS/Atom feed"),
        ("markdown-changelog.md", "markdown", "deprecations", None),
        ("markdown-models.md", "markdown", "deprecations", None),
        ("html-models.html", "html", "changelog", None),
    ],
)
def test_wrong_documents_are_refused_with_a_reason(sample, fmt, content, reason):
    verdict = judge((SAMPLES / sample).read_bytes(), format=fmt, content=content)
    if reason is None:
        # A changelog mentions deprecations; a models page with a date is a changelog:
        # the content check is for the clear cases only.
        assert verdict.ok, verdict.detail
    else:
        assert not verdict.ok and reason in verdict.detail, verdict.detail


def test_content_wording_is_checked():
    page = b"# Pricing\n\n" + b"Prices per million tokens for every plan. " * 20
    assert judge(page, format="markdown", content="deprecations").detail == (
        "no deprecation or retirement wording on a deprecations page"
    )
    assert not judge(page, format="markdown", content="models").ok
    assert not judge(page, format="markdown", content="changelog").ok


def test_doctor_says_which_sources_answer_the_wrong_document(tmp_path, httpserver, monkeypatch):
    served = {
        "/c": "challenge.html",
        "/s": "js-shell.html",
        "/m.md": "html-models.html",
        "/d.md": "markdown-deprecations.md",
    }
    for path, name in served.items():
        httpserver.expect_request(path).respond_with_data((SAMPLES / name).read_bytes())
    standin = MistralModels(key="k-123456789", models=["a", ("b", {"deprecation": "2027-01-01"})])
    httpserver.expect_request("/v1/models").respond_with_handler(standin)
    monkeypatch.setenv("LIST_KEY", "k-123456789")
    url = httpserver.url_for
    (tmp_path / "sources.yml").write_text(
        "sources:\n"
        f"  - {{id: chal, provider: x, format: html, content: models, url: '{url('/c')}'}}\n"
        f"  - {{id: shell, provider: x, format: html, content: models, url: '{url('/s')}'}}\n"
        f"  - {{id: twin, provider: x, format: markdown, content: models, url: '{url('/m.md')}'}}\n"
        f"  - {{id: good, provider: x, format: markdown, content: deprecations,"
        f" url: '{url('/d.md')}'}}\n"
        f"  - {{id: list, kind: model_list, provider: x, key_env: LIST_KEY,"
        f" url: '{url('/v1/models')}'}}\n"
        f"  - {{id: nokey, kind: model_list, provider: x, key_env: UNSET_LIST_KEY,"
        f" url: '{url('/v1/models')}'}}\n"
    )
    (tmp_path / "teams.yml").write_text("teams: []\n")
    monkeypatch.delenv("UNSET_LIST_KEY", raising=False)
    result = CliRunner().invoke(
        main,
        ["doctor", "--sources", str(tmp_path / "sources.yml"), "--teams",
         str(tmp_path / "teams.yml"), "--db", str(tmp_path / "sunset.db")],
    )  # fmt: skip
    assert result.exit_code == 1
    lines = {line.split(":", 1)[0]: line for line in result.output.splitlines()}
    assert "bot challenge page (Cloudflare)" in lines["FAIL  source chal"]
    assert "a JavaScript shell" in lines["FAIL  source shell"]
    assert "HTML where Markdown was expected" in lines["FAIL  source twin"]
    assert "markdown deprecations page" in lines["ok    source good"]
    assert "model list of 2 models, 1 with a deprecation date" in lines["ok    source list"]
    assert "environment variable UNSET_LIST_KEY is not set" in lines["FAIL  source nokey"]
    assert "k-123456789" not in result.output


def test_readme_counts_the_watched_providers():
    providers = {s.provider for s in SOURCES if s.kind != "reference"} - {"deprecations-info"}
    readme = (REPO / "README.md").read_text()
    assert f"watches {len(providers)}\nproviders" in readme or (
        f"watches {len(providers)} providers" in readme
    )


def test_chinese_pages_have_their_wording_and_dates():
    page = "# 模型下线公告\n\n以下模型将于2026年9月30日下线，请迁移到新版本。".encode() * 10
    assert judge(page, format="markdown", content="deprecations").ok
    assert judge(page, format="markdown", content="changelog").ok
