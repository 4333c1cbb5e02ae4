"""The dashboard's longest lists come out of an index in their order, so Datasette's row
limit stops them early: at 10,000 teams `exposure_by_volume` and `home_upcoming` sorted all
68,000 exposures (about 0.2 s) before Datasette showed the first 1,000."""

from __future__ import annotations

import pytest

from storage.db import open_db
from tests.test_query_plans import QUERIES

# Queries whose result grows with exposures (one row per team x record, or per record).
LONG_LISTS = ("home_upcoming", "exposure_by_team", "exposure_by_volume")


@pytest.mark.parametrize("name", LONG_LISTS)
@pytest.mark.parametrize("team", ["", "payments"])
def test_long_list_is_never_sorted_whole(name: str, team: str) -> None:
    sql = QUERIES[name]["sql"]
    params = {p: team for p in QUERIES[name].get("params", [])}
    db = open_db(":memory:")
    try:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    finally:
        db.close()
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
