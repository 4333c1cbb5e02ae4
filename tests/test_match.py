"""Tests for pipeline.alerts.match: usage entries x records -> exposures."""

from __future__ import annotations

import pytest

from pipeline.alerts.match import Exposure, match
from pipeline.core.model_ids import normalize_model_id
from pipeline.core.models import Record, UsageEntry

RECORDS: list[tuple[int, Record]] = [
    (1, Record("openai", "gpt-4")),
    (2, Record("openai", "gpt-4o")),
    (3, Record("openai", "gpt-4o-mini")),
    (4, Record("openai", "gpt-4-0613")),
    (5, Record("anthropic", "claude-3-opus-20240229", aliases=("claude-3-opus-latest",))),
    (6, Record("aws-bedrock", "anthropic.claude-3-opus-20240229-v1:0")),
    (7, Record("anthropic", "claude-3-5-sonnet-20241022", aliases=("claude-3-5-sonnet-latest",))),
    (8, Record("aws-bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0")),
    (9, Record("google-vertex", "claude-3-5-sonnet-v2@20241022")),
    (10, Record("google-gemini-api", "gemini-1.5-pro")),
    (11, Record("google-vertex", "gemini-1.5-pro")),
    (12, Record("azure-openai", "gpt-4o")),
    (13, Record("openai", "Assistants API v1", kind="feature")),
    (14, Record("groq", "meta-llama/llama-4-scout-17b-16e-instruct")),
]


def _hits(*usages: UsageEntry) -> dict[int, str]:
    return {e.record_id: e.how for e in match(usages, RECORDS)}


def test_no_substring_matches() -> None:
    assert _hits(UsageEntry("t", "gpt-4")) == {1: "exact"}
    assert _hits(UsageEntry("t", "gpt-4o", "openai")) == {2: "exact"}
    assert _hits(UsageEntry("t", "gpt-4-0")) == {}


def test_case_insensitive() -> None:
    assert _hits(UsageEntry("t", "GPT-4O", "OpenAI")) == {2: "exact"}
    assert _hits(UsageEntry("t", "Claude-3-Opus-Latest", "anthropic")) == {5: "alias"}


def test_alias_match() -> None:
    assert _hits(UsageEntry("t", "claude-3-5-sonnet-latest")) == {7: "alias"}


def test_glob_match_is_full_match() -> None:
    assert _hits(UsageEntry("t", "gpt-4o*", "openai")) == {2: "glob", 3: "glob"}
    assert _hits(UsageEntry("t", "gpt-4?0613")) == {4: "glob"}
    assert _hits(UsageEntry("t", "pt-4*")) == {}


def test_provider_star_matches_every_provider() -> None:
    assert _hits(UsageEntry("t", "gpt-4o")) == {2: "exact", 12: "exact"}
    assert _hits(UsageEntry("t", "claude-3-5-sonnet-20241022")) == {
        7: "exact",
        8: "normalized",
        9: "normalized",
    }


def test_bedrock_glob_does_not_match_anthropic_record() -> None:
    usage = UsageEntry("t", "anthropic.claude-3-*", "aws-bedrock")
    assert _hits(usage) == {6: "glob", 8: "glob"}
    # The platform form pins a `*` usage to Bedrock too.
    assert _hits(UsageEntry("t", "anthropic.claude-3-*")) == {6: "glob", 8: "glob"}


def test_bedrock_id_is_exposed_to_bedrock_only() -> None:
    assert _hits(UsageEntry("t", "anthropic.claude-3-opus-20240229-v1:0")) == {6: "exact"}
    assert _hits(UsageEntry("t", "us.anthropic.claude-3-opus-20240229-v1:0")) == {6: "normalized"}
    assert _hits(UsageEntry("t", "claude-3-opus-20240229", "aws-bedrock")) == {6: "normalized"}
    assert _hits(UsageEntry("t", "claude-3-opus-20240229", "anthropic")) == {5: "exact"}


def test_vertex_openrouter_and_models_prefix() -> None:
    assert _hits(UsageEntry("t", "claude-3-5-sonnet-v2@20241022")) == {9: "exact"}
    assert _hits(UsageEntry("t", "claude-3-5-sonnet@20241022")) == {9: "normalized"}
    assert _hits(UsageEntry("t", "openai/gpt-4o")) == {2: "normalized"}
    assert _hits(UsageEntry("t", "models/gemini-1.5-pro")) == {10: "normalized", 11: "normalized"}
    assert _hits(UsageEntry("t", "llama-4-scout-17b-16e-instruct", "groq")) == {14: "normalized"}


def test_feature_records_never_match() -> None:
    assert _hits(UsageEntry("t", "assistants api v1"), UsageEntry("t", "*")) == {
        i: "glob" for i in range(1, 15) if i != 13
    }


def test_one_exposure_per_team_and_record_keeps_best() -> None:
    usages = [
        UsageEntry("search", "gpt-4*", origin="scan", where="a.py:1"),
        UsageEntry("search", "gpt-4o", "openai", origin="import"),
        UsageEntry("search", "openai/gpt-4o", origin="declared"),
        UsageEntry("ads", "gpt-4o", "openai"),
    ]
    exposures = [e for e in match(usages, RECORDS) if e.record_id == 2]
    assert exposures == [
        Exposure("ads", 2, "gpt-4o", "openai", "exact", "declared"),
        Exposure("search", 2, "gpt-4o", "openai", "exact", "import"),
    ]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            ("aws-bedrock", "claude-3-5-sonnet-20241022"),
        ),
        ("us.anthropic.claude-3-haiku-20240307-v1:0", ("aws-bedrock", "claude-3-haiku-20240307")),
        ("anthropic.claude-instant-v1", ("aws-bedrock", "claude-instant-v1")),
        ("meta.llama3-70b-instruct-v1:0", ("aws-bedrock", "llama3-70b-instruct")),
        ("claude-3-5-sonnet@20241022", ("google-vertex", "claude-3-5-sonnet-20241022")),
        ("gemini-1.5-pro@latest", ("google-vertex", "gemini-1.5-pro")),
        ("openai/gpt-4o", ("openai", "gpt-4o")),
        ("openai/gpt-4o:free", ("openai", "gpt-4o")),
        ("meta-llama/llama-3.3-70b-instruct", (None, "llama-3.3-70b-instruct")),
        ("models/gemini-1.5-pro", (None, "gemini-1.5-pro")),
        (
            "projects/p/locations/l/publishers/google/models/gemini-1.5-pro",
            ("google-vertex", "gemini-1.5-pro"),
        ),
        ("openai:gpt-4o", ("openai", "gpt-4o")),
        ("GPT-4o", (None, "gpt-4o")),
    ],
)
def test_normalize_model_id(model: str, expected: tuple[str | None, str]) -> None:
    assert normalize_model_id(model) == expected
