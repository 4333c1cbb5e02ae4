"""Accuracy bar on the shared real-world corpus (../shared/corpus), computed in-process.

Skipped when the corpus is absent. The metrics are those of
../shared/tools/score_extraction.py (imported when present, so the two never diverge).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.extract import extract_document, infer_format

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "pages").is_dir() or not SCORER.is_file(),
    reason=f"shared corpus or scorer not found at {CORPUS.parent}",
)


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _totals() -> dict[str, int]:
    scorer = _scorer()
    keys = ("tp", "fp", "fn", "dated", "dated_ok", "wrong", "invented", "false_alarms")
    total = dict.fromkeys(keys, 0)
    for label_file in sorted((CORPUS / "labels").glob("*.json")):
        label = json.loads(label_file.read_text())
        page = CORPUS / "pages" / label["document"]
        out = extract_document(
            page.read_bytes(),
            fmt=infer_format(str(page)),
            provider=label.get("provider") or "unknown",
            url=label.get("source_url"),
        )
        preds = scorer.records_of([r.to_json() for r in out.records])
        result = scorer.score(preds, label)
        for key in keys:
            total[key] += result[key]
    return total


def test_accuracy_bar() -> None:
    t = _totals()
    precision = t["tp"] / max(1, t["tp"] + t["fp"])
    recall = t["tp"] / max(1, t["tp"] + t["fn"])
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    assert f1 >= 0.95, t
    assert t["dated_ok"] / max(1, t["dated"]) >= 0.98, t
    assert t["wrong"] == 0, t
    assert t["invented"] <= 2, t
    assert t["false_alarms"] == 0, t


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
