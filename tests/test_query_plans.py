"""Every canned query and view of the Datasette metadata finds its rows through an index.

`EXPLAIN QUERY PLAN` of each must never scan a table without one (`SCAN t`, as opposed to
`SEARCH t USING INDEX` or `SCAN t USING INDEX`), so none of them slows down as exposures and
records grow (before migration 9, `upcoming` scanned all exposures once per record). Only a
query that lists every row of a table by design may scan that table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from storage.db import open_db

METADATA = Path(__file__).resolve().parent.parent / "storage" / "metadata.yml"
QUERIES = yaml.safe_load(METADATA.read_text())["databases"]["sunset"]["queries"]
VIEWS = ("upcoming_shutdowns", "team_exposure", "needs_review", "unowned_usage")
# query -> tables it lists whole (every row is in the result, so a scan is the plan):
# `alert_trace` walks alerts newest first by rowid (Datasette's page limit stops it early);
# `failing_sources` filters the sources table, one row per sources.yml entry.
LISTS_ALL = {"source_health": {"s"}, "alert_trace": {"a"}, "failing_sources": {"sources"}}
_SCAN = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX .*)?$")


def unindexed_scans(sql: str, params: dict[str, str]) -> set[str]:
    db = open_db(":memory:")
    try:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    finally:
        db.close()
    views = set(VIEWS)
    return {
        m.group(1)
        for line in plan
        if (m := _SCAN.match(line)) and " INDEX " not in line and m.group(1) not in views
    }


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_canned_query_uses_an_index(name: str) -> None:
    sql = QUERIES[name]["sql"]
    params = {p: "" for p in QUERIES[name].get("params", [])}
    assert unindexed_scans(sql, params) <= LISTS_ALL.get(name, set())


@pytest.mark.parametrize("view", VIEWS)
def test_view_uses_an_index(view: str) -> None:
    assert unindexed_scans(f"SELECT * FROM {view}", {}) == set()


def test_the_check_sees_a_scan() -> None:
    assert unindexed_scans("SELECT * FROM exposures WHERE usage_model = 'x'", {}) == {"exposures"}


def test_find_record_looks_up_the_model_not_every_record_of_the_provider() -> None:
    """Storing a page looks each record up; a plan keyed on the provider alone made storing
    quadratic in the provider's records (0.18 -> 0.93 ms a record from 0 to 5,000)."""
    from storage import records as record_store

    db = open_db(":memory:")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        record_store.find_record(db, "openai", "gpt-4o")
        db.conn.set_trace_callback(None)
        lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert lookups
        for sql in lookups:
            plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert any(
                line.startswith("SEARCH records USING")
                and ("model=?" in line or "extracted_model=?" in line)
                for line in plan
            ), plan
            assert not any(line.startswith("SCAN records") for line in plan), plan
    finally:
        db.close()
