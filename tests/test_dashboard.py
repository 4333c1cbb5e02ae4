"""The dashboard (issue 19): `sunset serve` opens on what matters, through Datasette's own
means (metadata, templates, a plugin), tested with Datasette's test client.

The home page showed a database named after the file and plumbing tables, and linked none of
the queries it told you to start with."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from datasette.app import Datasette

from pipeline.ops.serve import packaged_metadata, plugins_dir, served_path, templates_dir
from tests.test_datasette import _populate


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Datasette:
    path = tmp_path_factory.mktemp("dash") / "watch.db"  # not called sunset.db
    _populate(path)
    return Datasette(
        [str(served_path(path))],
        metadata=yaml.safe_load(packaged_metadata().read_text()),
        plugins_dir=str(plugins_dir()),
        template_dir=str(templates_dir()),
    )


def get(ds: Datasette, path: str) -> Any:
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response


def test_the_database_is_called_sunset_whatever_the_file(ds: Datasette) -> None:
    assert [name for name in ds.databases if not name.startswith("_")] == ["sunset"]


def test_home_opens_on_upcoming_shutdowns_failing_sources_and_review(ds: Datasette) -> None:
    html = get(ds, "/").text
    upcoming = html.index("Upcoming shutdowns that affect teams")
    assert upcoming < html.index("Failing sources") < html.index("Review queue")
    for query in ("home_upcoming", "failing_sources", "review_queue"):
        assert f'href="/sunset/{query}"' in html
    assert '<svg class="sunset-timeline"' in html  # the timeline by team
    rows = get(ds, "/sunset/home_upcoming.json?_shape=array").json()
    assert rows, "the sample store has exposed upcoming shutdowns"
    for row in rows:
        assert {"model", "provider", "shutdown_date", "days_left", "teams", "calls_7d",
                "replacements"} <= set(row)  # fmt: skip
        assert row["days_left"] >= 0 and row["teams"]
        assert f'href="/sunset/records/{row["id"]}"' in html


def test_internal_tables_are_hidden_and_queries_ordered_by_use(ds: Datasette) -> None:
    data = get(ds, "/sunset.json").json()
    hidden = {t["name"] for t in data["tables"] if t["hidden"]}
    assert {"meta", "locks", "alert_keys", "usage_units"} <= hidden
    names = [q["name"] for q in data["queries"]]
    assert names[:4] == ["home_upcoming", "upcoming", "exposure_by_team", "changes_this_week"]


def test_record_page_reads_as_a_list_with_its_history(ds: Datasette) -> None:
    record_id = get(ds, "/sunset/home_upcoming.json?_shape=array").json()[0]["id"]
    html = get(ds, f"/sunset/records/{record_id}").text
    assert '<dl class="sunset-record"' in html
    assert "<dt" in html and ">evidence</dt>" in html
    assert "Change history" in html


def test_every_alert_traces_to_its_records_and_destination(ds: Datasette) -> None:
    rows = get(ds, "/sunset/alert_trace.json?_shape=array").json()
    assert rows
    for row in rows:
        assert row["destination"] is not None or row["channel"]
        assert row["models"] or row["record_id"] is not None
