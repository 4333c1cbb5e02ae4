"""Defects found by reviewing the day's extraction rules: each case failed before its fix."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.extract import extract_document

TODAY = dt.date(2026, 11, 24)


def _records(page: str, fmt: str = "markdown") -> dict[str, tuple[str | None, str]]:
    got = extract_document(page.encode(), fmt=fmt, provider="acme", today=TODAY)
    return {r.model: (r.shutdown_date, r.status) for r in got.records}


@pytest.mark.parametrize(
    "sentence",
    (
        "我们已决定于 3 月 31 日下线 `acme-chat-2` 模型。",
        "我们已宣布 `acme-chat-2` 将于 3 月 31 日停止服务。",
        "我们已计划于 3 月 31 日下线 `acme-chat-2`。",
    ),
)
def test_announced_removal_is_not_a_done_one(sentence):
    """'已决定于 3 月 31 日下线 X' (has decided to retire X on March 31) announces a removal:
    its year-less day is the next March 31 after the entry, not the last one before it."""
    page = f"# 更新日志\n\n## 2026-11-20\n\n{sentence}\n"
    assert _records(page)["acme-chat-2"] == ("2027-03-31", "deprecated")


@pytest.mark.parametrize(
    ("sentence", "want"),
    (
        (
            "`acme-chat-2`, which has been removed from the playground, will be shut down on"
            " March 31.",
            ("2027-03-31", "deprecated"),
        ),
        ("On July 31, `acme-chat-2` was retired.", ("2026-07-31", "retired")),
        ("`acme-chat-2` 已于 7 月 31 日停止服务。", ("2026-07-31", "retired")),
    ),
)
def test_done_is_read_in_the_dates_own_clause(sentence, want):
    """A removal reported done elsewhere in the sentence (a relative clause) does not make a
    coming day the last one before the entry: the date's own clause decides when it says."""
    page = f"# Changelog\n\n## 2026-11-20\n\n{sentence}\n"
    assert _records(page)["acme-chat-2"] == want
