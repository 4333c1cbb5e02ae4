"""A page that kills its extraction worker: it alone fails, the others are extracted."""

from __future__ import annotations

import datetime as dt
from concurrent.futures.process import BrokenProcessPool

from pipeline import extract_pool
from pipeline.models import Extraction
from storage import sources as source_store
from tests.faults.crashing_extract import extract_or_die

PAGE = b"""<table><tr><th>Shutdown date</th><th>Model</th></tr>
<tr><td>2027-01-04</td><td>zeta-%d</td></tr></table>"""


def test_a_worker_crash_fails_only_its_page(db, monkeypatch):
    monkeypatch.setattr(extract_pool, "POOL_THRESHOLD", 2)
    changed = []
    for i in range(6):
        source = {"id": f"s{i}", "provider": "zeta", "url": "https://z.test/", "format": "html"}
        source_store.sync_sources(db, [{**source, "interval_minutes": 60, "enabled": 1}])
        body = PAGE % i + (b"KILL-THE-WORKER" if i == 2 else b"")
        sha = source_store.store_snapshot(
            db,
            source_id=source["id"],
            fetched_at="t",
            body=body,
            url=None,
            content_type=None,
            charset=None,
        )
        changed.append((source, None, sha))
    outcomes = list(
        extract_pool.extract_snapshots(
            db, changed, today=dt.date(2026, 11, 24), extract=extract_or_die
        )
    )
    assert len(outcomes) == 6
    assert isinstance(outcomes[2], BrokenProcessPool)
    for i, outcome in enumerate(outcomes):
        if i != 2:
            assert isinstance(outcome, Extraction), (i, outcome)
            assert [r.model for r in outcome.records] == [f"zeta-{i}"]
