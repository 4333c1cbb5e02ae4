"""Cross-checking records against reference entries: same provider, normalised model IDs."""

from __future__ import annotations

from pipeline.core.models import Record, ReferenceEntry
from pipeline.sources.reference.compare import Verdict, cross_check


def rec(model: str, date: str | None, provider: str = "openai", **extra) -> Record:
    return Record(provider=provider, model=model, shutdown_date=date, **extra)


def ref(model: str, date: str | None, provider: str = "openai", **extra) -> ReferenceEntry:
    return ReferenceEntry(provider=provider, model=model, shutdown_date=date, **extra)


def test_agreement_and_disagreement():
    verdicts = cross_check(
        [(1, rec("acme-chat-2", "2027-02-01")), (2, rec("acme-chat-1", "2027-01-01"))],
        [("lite", ref("acme-chat-2", "2027-02-01")), ("lite", ref("acme-chat-1", "2027-01-05"))],
    )
    assert verdicts == [
        Verdict(1, "lite", "acme-chat-2", "2027-02-01", "2027-02-01"),
        Verdict(2, "lite", "acme-chat-1", "2027-01-01", "2027-01-05"),
    ]
    assert [v.agrees for v in verdicts] == [True, False]


def test_platform_forms_meet_their_plain_id():
    records = [
        (1, rec("gpt-x-1", "2027-02-01")),
        (2, rec("gemini-x-1.5-pro", "2027-03-01", provider="google-gemini-api")),
        (3, rec("claude-x-3-20240229", "2027-04-01", provider="aws-bedrock")),
    ]
    entries = [
        ("lite", ref("openai/gpt-x-1", "2027-02-01")),
        ("lite", ref("models/gemini-x-1.5-pro", "2027-03-01", provider="google-gemini-api")),
        (
            "lite",
            ref("anthropic.claude-x-3-20240229-v1:0", "2027-04-02", provider="aws-bedrock"),
        ),
    ]
    verdicts = cross_check(records, entries)
    assert [(v.record_id, v.agrees) for v in verdicts] == [(1, True), (2, True), (3, False)]
    assert verdicts[2].reference_model == "anthropic.claude-x-3-20240229-v1:0"


def test_aliases_on_either_side():
    verdicts = cross_check(
        [
            (1, rec("acme-chat-2-1106", "2027-02-01")),
            (2, rec("acme-x", "2027-05-01", aliases=("acme-x-0501",))),
        ],
        [
            ("mdd", ref("acme-chat-2", "2027-02-01", aliases=("acme-chat-2-1106",))),
            ("mdd", ref("acme-x-0501", "2027-05-01")),
        ],
    )
    assert [(v.record_id, v.reference_model, v.agrees) for v in verdicts] == [
        (1, "acme-chat-2", True),
        (2, "acme-x-0501", True),
    ]


def test_provider_must_match():
    # Claude on Bedrock retires on Bedrock's date: Anthropic's date says nothing about it.
    verdicts = cross_check(
        [(1, rec("claude-x-2", "2027-02-01", provider="aws-bedrock"))],
        [("mdd", ref("claude-x-2", "2026-12-01", provider="anthropic"))],
    )
    assert verdicts == []


def test_nothing_to_compare():
    records = [
        (1, rec("no-date", None)),
        (2, rec("in-chatgpt", "2027-01-01", scope="product:chatgpt")),
        (3, rec("a-feature", "2027-01-01", kind="feature")),
        (4, rec("only-on-pages", "2027-01-01")),
    ]
    entries = [
        ("lite", ref("no-date", "2027-01-01")),
        ("lite", ref("in-chatgpt", "2027-02-01")),
        ("lite", ref("a-feature", "2027-02-01")),
        ("lite", ref("only-in-reference", "2027-01-01")),  # a model no page mentions
        ("lite", ref("only-on-pages", None, deprecated_date="2026-01-01")),
    ]
    assert cross_check(records, entries) == []


def test_one_verdict_per_reference_source():
    verdicts = cross_check(
        [(1, rec("acme-chat-2", "2027-02-01"))],
        [
            ("mdd", ref("acme-chat-2", "2027-02-01")),
            ("lite", ref("acme-chat-2", "2027-03-01")),
            ("lite", ref("openai/acme-chat-2", "2027-02-01")),  # any matching entry agreeing
        ],
    )
    assert [(v.reference, v.reference_model, v.agrees) for v in verdicts] == [
        ("lite", "openai/acme-chat-2", True),
        ("mdd", "acme-chat-2", True),
    ]


def test_the_record_own_id_beats_an_alias_when_neither_agrees():
    verdicts = cross_check(
        [(1, rec("acme-chat-2", "2027-02-01"))],
        [
            ("mdd", ref("acme-chat-2-legacy", "2027-04-01", aliases=("acme-chat-2",))),
            ("mdd", ref("acme-chat-2", "2027-03-01")),
        ],
    )
    assert [(v.reference_model, v.reference_date) for v in verdicts] == [
        ("acme-chat-2", "2027-03-01")
    ]
