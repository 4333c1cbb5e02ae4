"""Accuracy bar on the shared real-world corpus (../shared/corpus), computed in-process.

Skipped when the corpus is absent (an error under CI). The metrics are those of
../shared/tools/score_extraction.py (imported when present, so the two never diverge).
"""

from __future__ import annotations

import os

import pytest

from pipeline.extract import extract_document, infer_format
from tests.corpus_ratchet import (
    CORPUS,
    SCORER,
    compare,
    corpus_changed,
    figures,
    load_bounds,
    totals,
)

if os.environ.get("CI") and not (CORPUS / "pages").is_dir():
    raise RuntimeError(f"{CORPUS} is missing under CI: the corpus accuracy tests cannot run")

pytestmark = pytest.mark.skipif(
    not (CORPUS / "pages").is_dir() or not SCORER.is_file(),
    reason=f"shared corpus or scorer not found at {CORPUS.parent}",
)


def test_accuracy_ratchet() -> None:
    """Never worse than the best figures so far; an improvement must tighten the bounds."""
    bounds = load_bounds()
    changed = corpus_changed(bounds)
    assert not changed, changed
    now = figures(totals())
    worse, better = compare(now, bounds)
    assert not worse, f"extraction regressed on the corpus: {worse}"
    assert not better, (
        f"extraction improved ({better}): run `python -m tests.corpus_ratchet --tighten` "
        "and commit tests/corpus_ratchet.json"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("news/NEG-techcrunch-2026-04-08-kindle-end-of-support.md", set()),
        ("feeds/openai-news-atom.ai-news-direct.2025-07-29.xml", set()),
        ("feeds/the-batch-rss.olshansk.2026-06-04.xml", set()),
        ("feeds/anthropic-research-rss.olshansk.2025-11-04.xml", set()),
    ],
)
def test_negative_documents_give_no_models(name: str, expected: set[str]) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} not in corpus")
    out = extract_document(path.read_bytes(), fmt=infer_format(str(path)), provider="x")
    assert {r.model for r in out.records if r.kind == "model"} == expected


def test_completions_post_gives_2024_01_04_shutdowns() -> None:
    path = CORPUS / "news" / "openai-gpt-4-api-ga-and-completions-deprecation.md"
    if not path.is_file():
        pytest.skip("completions post not in corpus")
    out = extract_document(path.read_bytes(), fmt="markdown", provider="openai")
    dates = {r.model: r.shutdown_date for r in out.records}
    assert dates["text-davinci-003"] == "2024-01-04"
    assert dates["davinci"] == "2024-01-04"
    assert "gpt-3.5-turbo-instruct" not in dates


def test_typo_year_not_trusted() -> None:
    path = CORPUS / "pages-unlabeled" / "mistral-models-overview.2025-10-03.md"
    if not path.is_file():
        pytest.skip("mistral overview not in corpus")
    out = extract_document(path.read_bytes(), fmt="markdown", provider="mistral")
    assert all(not (r.shutdown_date or "").startswith("2525") for r in out.records)
