"""Pages that kill, hang or exhaust their extraction process: each fails alone, others go on."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from pipeline.core.models import Extraction
from pipeline.sources import extract_pool
from pipeline.sources.extract_pool import Budget, ExtractionAborted, ExtractionFailed
from storage import sources as source_store
from tests.faults.crashing_extract import extract_or_die, extract_raises

PAGE = b"""<table><tr><th>Shutdown date</th><th>Model</th></tr>
<tr><td>2027-01-04</td><td>zeta-%d</td></tr></table>"""


def _changed(db, marks: dict[int, bytes], n: int = 6):
    changed = []
    for i in range(n):
        source = {"id": f"s{i}", "provider": "zeta", "url": "https://z.test/", "format": "html"}
        source_store.sync_sources(db, [{**source, "interval_minutes": 60, "enabled": 1}])
        sha = source_store.store_snapshot(
            db,
            source_id=source["id"],
            fetched_at="t",
            body=PAGE % i + marks.get(i, b""),
            url=None,
            content_type=None,
            charset=None,
        )
        changed.append((source, None, sha))
    return changed


def _run(db, changed, budget=None, extract=extract_or_die):
    return list(
        extract_pool.extract_snapshots(
            db, changed, today=dt.date(2026, 11, 24), extract=extract, budget=budget
        )
    )


def _assert_others_fine(outcomes, bad: set[int]):
    for i, outcome in enumerate(outcomes):
        if i not in bad:
            assert isinstance(outcome, Extraction), (i, outcome)
            assert [r.model for r in outcome.records] == [f"zeta-{i}"]


def test_a_worker_crash_fails_only_its_page(db):
    outcomes = _run(db, _changed(db, {2: b"KILL-THE-WORKER"}))
    assert len(outcomes) == 6
    assert isinstance(outcomes[2], ExtractionAborted) and outcomes[2].reason == "crashed"
    _assert_others_fine(outcomes, {2})


@pytest.mark.parametrize("mark", [b"HANG-THE-WORKER", b"SLEEP-THE-WORKER"])
def test_a_page_over_its_time_budget_is_killed_and_fails_alone(db, mark):
    outcomes = _run(db, _changed(db, {1: mark, 4: mark}), budget=Budget(seconds=1.0))
    for i in (1, 4):
        assert isinstance(outcomes[i], ExtractionAborted) and outcomes[i].reason == "time"
        assert "time budget of 1 s" in str(outcomes[i])
    _assert_others_fine(outcomes, {1, 4})


def test_a_page_over_its_memory_budget_fails_alone(db):
    outcomes = _run(db, _changed(db, {3: b"EAT-MEMORY"}), budget=Budget(memory_mb=700))
    assert isinstance(outcomes[3], ExtractionAborted) and outcomes[3].reason == "memory"
    _assert_others_fine(outcomes, {3})


def test_an_extractor_exception_is_returned_with_its_type(db):
    outcomes = _run(db, _changed(db, {}, n=2), extract=extract_raises)
    assert all(isinstance(o, ExtractionFailed) for o in outcomes)
    assert str(outcomes[0]).startswith("RuntimeError: parser bug (at crashing_extract.py:")


def test_records_per_page_are_capped_with_a_warning(db, monkeypatch):
    """A 100,000-entry feed would store 100,000 records: each page keeps MAX_RECORDS."""
    monkeypatch.setattr(extract_pool, "MAX_RECORDS", 10)
    rows = b"".join(b"<tr><td>2027-01-04</td><td>zeta-x%d</td></tr>" % i for i in range(30))
    page = b"<table><tr><th>Shutdown date</th><th>Model</th></tr>" + rows + b"</table>"
    changed = _changed(db, {}, n=1)
    source_store.store_snapshot(
        db, source_id="s0", fetched_at="t", body=page, url=None, content_type=None, charset=None
    )
    changed[0] = (changed[0][0], None, hashlib.sha256(page).hexdigest())
    [outcome] = _run(db, changed)
    assert len(outcome.records) == 10
    assert any("30 records found; only the first 10 are kept" in w for w in outcome.warnings)


def test_the_page_budget_is_configurable_from_the_environment(db, monkeypatch, caplog):
    """Weak item 1 of issue 23: a dense page may need more than 60 s."""
    monkeypatch.setenv("SUNSET_EXTRACT_SECONDS", "1.5")
    monkeypatch.setenv("SUNSET_EXTRACT_MEMORY_MB", "900")
    assert Budget.from_env() == Budget(seconds=1.5, memory_mb=900)
    outcomes = _run(db, _changed(db, {0: b"HANG-THE-WORKER"}, n=2))
    assert isinstance(outcomes[0], ExtractionAborted) and "time budget of 1.5 s" in str(outcomes[0])
    monkeypatch.setenv("SUNSET_EXTRACT_SECONDS", "soon")
    assert Budget.from_env().seconds == 60.0
    assert "SUNSET_EXTRACT_SECONDS" in caplog.text
