"""Extraction rules on small authored snippets."""

import datetime as dt

import pytest

from pipeline.core.models import Record
from pipeline.extract import extract_document, infer_format

TODAY = dt.date(2025, 11, 13)


def records(body: str, fmt: str = "markdown") -> dict[str, Record]:
    out = extract_document(body, fmt=fmt, provider="p", url="https://e.com/d", today=TODAY)
    return {r.model: r for r in out.records}


TABLE = """## 2025-09-26: Legacy snapshots

| Shutdown date | Model / system | Recommended replacement |
| --- | --- | --- |
| 2026\u201103\u201126 | `gpt-4-0125-preview` (including `gpt-4-turbo-preview`, \
which points to this snapshot) | `gpt-5` or `gpt-4.1*` |
| 2024-01-04 | `/v1/edits` | `/v1/chat/completions` |
| 2025-10-27 | `text-moderation-007` | `omni-moderation` |
"""


def test_table_row_aliases_replacements_status_url() -> None:
    recs = records(TABLE)
    rec = recs["gpt-4-0125-preview"]
    assert rec.shutdown_date == "2026-03-26"
    assert rec.shutdown_kind == "firm"
    assert rec.announced_date == "2025-09-26"
    assert rec.aliases == ("gpt-4-turbo-preview",)
    assert rec.replacements == ("gpt-5", "gpt-4.1")
    assert rec.status == "deprecated"
    assert rec.url == "https://e.com/d#2025-09-26-legacy-snapshots"
    assert recs["text-moderation-007"].status == "retired"
    assert "gpt-5" not in recs and "gpt-4.1" not in recs


def test_endpoints_are_features() -> None:
    assert records(TABLE)["/v1/edits"].kind == "feature"


def test_floor_dates_of_active_models_are_not_records() -> None:
    body = """| API model name | Current state | Tentative retirement date |
| --- | --- | --- |
| model-a-5 | Active | Not sooner than June 9, 2027 |
| model-b-1 | Retired | August 5, 2025 |
"""
    recs = records(body)
    assert set(recs) == {"model-b-1"}


def test_earliest_kind_in_prose() -> None:
    rec = records("model-x-1 will be retired no earlier than March 3, 2026.\n")["model-x-1"]
    assert (rec.shutdown_date, rec.shutdown_kind) == ("2026-03-03", "earliest")


@pytest.mark.parametrize(
    "sentence",
    [
        "Released model-new-2, the stable version. It replaces older options.",
        "Please migrate to model-new-2 before the model-old-1 shutdown.",
        "model-new-2 is now the stable version; model-old-1 is deprecated.",
        "Use model-new-2 instead.",
    ],
)
def test_released_and_replacement_models_are_never_deprecated(sentence: str) -> None:
    assert "model-new-2" not in records(sentence + "\n")


def test_sentence_polarity_with_date() -> None:
    body = (
        "Released model-new-2 today. The model-old-1 model will be deprecated on July 15, 2025.\n"
    )
    recs = records(body)
    assert set(recs) == {"model-old-1"}
    assert recs["model-old-1"].shutdown_date == "2025-07-15"


def test_month_only_and_relative_dates_give_none() -> None:
    body = (
        "## June 1, 2025\n\nThe following models will be deprecated in October, 2025:\n\n- m-1-a\n"
    )
    assert records(body)["m-1-a"].shutdown_date is None
    rel = records("We will shut down model-z-3 in six months.\n")["model-z-3"]
    assert rel.shutdown_date is None and rel.shutdown_kind == "none"


def test_lead_in_list_with_day_labels() -> None:
    body = """## November 4, 2025

The following models will be deprecated:

November 18th:

- m-a-1

December 2nd:

- m-b-1
"""
    recs = records(body)
    assert recs["m-a-1"].shutdown_date == "2025-11-18"
    assert recs["m-b-1"].shutdown_date == "2025-12-02"
    assert recs["m-a-1"].announced_date == "2025-11-04"


def test_implausible_year_not_trusted() -> None:
    body = "| Model | Retirement |\n| --- | --- |\n| `m-old-1` | 2525/06/06 |\n"
    assert records(body) == {}


def test_chinese_news() -> None:
    body = "OpenAI宣布将于2025年7月14日从其官方API中移除GPT-4.5预览版。\n"
    rec = records(body, "text")["gpt-4.5-preview"]
    assert rec.shutdown_date == "2025-07-14"


def test_feed_entries_need_a_deprecation() -> None:
    rss = """<rss version="2.0"><channel><title>News</title>
<item><title>Launching model-q-9</title><description>Released model-q-9 today.</description></item>
<item><title>Retiring model-r-1</title><description>We will retire model-r-1 on May 1, 2026.
</description></item></channel></rss>"""
    recs = records(rss, "rss")
    assert set(recs) == {"model-r-1"}
    assert recs["model-r-1"].shutdown_date == "2026-05-01"


def test_most_recent_announcement_wins() -> None:
    body = """## 2025-09-26: New

| Shutdown date | Model |
| --- | --- |
| 2026-03-26 | `m-4-0314` |

## 2023-06-13: Old

| Shutdown date | Legacy model |
| --- | --- |
| at earliest 2024-06-13 | `m-4-0314` |
"""
    assert records(body)["m-4-0314"].shutdown_date == "2026-03-26"


def test_api_contract() -> None:
    with pytest.raises(ValueError):
        extract_document("x", fmt="pdf", provider="p")
    out = extract_document(b"\xff\xfe\x00garbage", fmt="html", provider="p")
    assert out.records == () and out.warnings
    assert infer_format("a/b.HTM") == "html"
    assert infer_format("x.markdown") == "markdown"
    assert infer_format("missing.xml") == "rss"
    assert infer_format("f.atom") == "atom"


CHANGE_LOG_PAGE = """# Model retirements

## Current models

| Model | Version | Retirement date | Replacement |
| --- | --- | --- | --- |
| `acme-chat`<br>`acme-chat-32k` | 0613 | June 6, 2026 | `acme-omni` |
| `acme-lite` | 1 | Retirement Date: January 27, 2026 | |
| `acme-embed-3` | | No earlier than October 3, 2026 | |

> Tuning features will be retired once `acme-chat` version `vision-preview` is upgraded.

## Retirement history

## January 9, 2026

- Updated `acmechat` 0613 deprecation date to November 1, 2025.
- Updated `acme-chat` 0613 deprecation date to October 1, 2025 and the retirement date to \
June 6, 2026.
- `acme-embed-3` retirement date.
- `acme-old-1` retirement date changed to March 3, 2025.
"""


def test_change_log_never_overrides_current_tables() -> None:
    recs = records(CHANGE_LOG_PAGE)
    assert sorted(recs) == ["acme-chat", "acme-chat-32k", "acme-lite", "acme-old-1"]
    assert recs["acme-chat"].shutdown_date == "2026-06-06"
    assert recs["acme-chat"].replacements == ("acme-omni",)
    assert recs["acme-chat-32k"].shutdown_date == "2026-06-06"
    assert recs["acme-lite"].shutdown_date == "2026-01-27"
    assert recs["acme-old-1"].shutdown_date == "2025-03-03"


def test_deprecation_date_noun_is_not_the_shutdown_date() -> None:
    body = (
        "## News\n\n`acme-chat-2` deprecation date moved to October 1, 2025 and its "
        "retirement date to June 6, 2026.\n\n`acme-chat-1` deprecation date is May 1, 2026.\n"
    )
    recs = records(body)
    assert recs["acme-chat-2"].shutdown_date == "2026-06-06"
    assert recs["acme-chat-1"].shutdown_date is None


def test_code_span_is_a_token_boundary() -> None:
    recs = records("## Retirements\n\n`acme-chat-16k`0613 will be retired on June 6, 2026.\n")
    assert list(recs) == ["acme-chat-16k"]
    html = (
        "<h2>Retirements</h2><p><code>acme-chat-16k</code>0613 will be retired on June 6, 2026.</p>"
    )
    assert list(records(html, "html")) == ["acme-chat-16k"]


def test_generic_json_semantics() -> None:
    import json

    body = json.dumps(
        {
            "models": [
                {"model": "m-1", "deprecation_date": "2026-01-01"},
                {"model": "m-2", "deprecation_date": "2026-02-01", "notes": "Requests fail after."},
                {"model": "m-3", "status": "active", "sunset": "2027-01-01"},
                {"model": "m-4", "eol": "2025-01-05", "replacement": "m-5"},
            ]
        }
    )
    recs = records(body, "json")
    assert sorted(recs) == ["m-1", "m-2", "m-4"]
    assert recs["m-1"].shutdown_date is None and recs["m-1"].announced_date == "2026-01-01"
    assert recs["m-2"].shutdown_date == "2026-02-01"
    assert recs["m-4"].status == "retired" and recs["m-4"].replacements == ("m-5",)


@pytest.mark.parametrize(
    "phrase",
    [
        "is deprecated",
        "will retire",
        "shuts down",
        "shutting down",
        "sunsets",
        "discontinued",
        "removal",
        "end-of-life",
        "end of support",
        "EOL",
        "turned off",
        "ceases",
        "no longer available",
        "not available after",
        "will fail",
        "stops working",
        "available until March 3",
        "not remain functional",
        "stop responding",
        "return an error",
        "taken offline",
        "goes away",
        "phased out",
        "last day to use",
        "will be unavailable",
        "support for x ends",
        "withdrawn",
        "decommissioned",
        "stopped serving",
        "will be upgraded",
        "need to upgrade",
        "older",
        "legacy",
        "instead of",
        "to be replaced",
        "下线",
        "提供を終了",
    ],
)
def test_every_lifecycle_cue_passes_the_substring_prefilter(phrase: str) -> None:
    """`announces_deprecation` dismisses texts holding no piece of any cue before running the
    regex: each cue of the lexicon must still be announced (the prefilter never hides one)."""
    from pipeline.extract.cues import announces_deprecation

    assert announces_deprecation(f"The model {phrase} soon.")
