"""Publish gates: invariants hold records back for review; cliffs keep a source's records."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.core.models import Record
from pipeline.sources.validate import cliff, validate

TODAY = dt.date(2026, 11, 24)


def rec(model="gpt-4", **kw) -> Record:
    return Record(provider="openai", model=model, **kw)


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (rec(shutdown_date="2025-01-01", announced_date="2025-06-01"), "before announcement"),
        (rec(replacements=("gpt-4",)), "replacement is the model itself"),
        (rec(model="gpt-5orgpt-4.1"), "glued"),
        (rec(replacements=("gpt-5orgpt-4.1",)), "glued"),
        (rec(model="GPT 4 <b>"), "grammar"),
        (rec(shutdown_date="2525-06-06"), "implausible"),
        (rec(shutdown_date="2026-13-01"), "not an ISO date"),
    ],
)
def test_invariants_hold_records(record, problem):
    verdict = validate([record], today=TODAY)
    assert verdict.publish == ()
    assert verdict.held == (record,)
    assert problem in verdict.warnings[0]


@pytest.mark.parametrize(
    "record",
    [
        rec(shutdown_date="2026-03-01", announced_date="2025-09-01", replacements=("gpt-5",)),
        rec(model="anthropic.claude-v2:1"),
        rec(model="claude-3-5-sonnet@20241022"),
        rec(model="meta-llama/llama-4-scout-17b-16e-instruct"),
        rec(model="claude 3 opus"),
        rec(model="gpt-4o-mini-2024-07-18", replacements=("gpt-4.1-mini", "o4-mini")),
    ],
)
def test_good_records_publish(record):
    verdict = validate([record], today=TODAY)
    assert verdict.publish == (record,) and not verdict.warnings


def test_cliff():
    assert cliff(0, 12) == "parsed to zero records (previously 12)"
    assert "at most half of the previous 12" in cliff(5, 12)
    assert "at most half of the previous 12" in cliff(6, 12)  # exactly half is a cliff
    assert cliff(7, 12) is None
    # Gradual erosion: each step is small, the drop from the recent best is not.
    assert cliff(6, 7, best_recent=10) is None
    assert (
        cliff(5, 6, best_recent=10) == "parsed to 5 records, at most half of the recent best of 10"
    )
    assert cliff(0, None, best_recent=10) == "parsed to zero records (previously 10)"
    assert cliff(0, None) is None  # a page that never had records is not a cliff
    assert cliff(1, 3) is None  # small pages wobble
