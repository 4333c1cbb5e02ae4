"""Reference sources in real cycles against a local HTTP server: fetched like pages
(conditional GET), never records or team alerts, confirmations and one ops warning per
disagreement."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from werkzeug import Request, Response

from pipeline.core.config import SourceConfig, TeamsFile
from pipeline.core.models import Alert
from pipeline.fetch import FetchSettings
from pipeline.ops.cycle import run_cycle
from storage import reference as reference_store

PAGE = (Path(__file__).parent / "fixtures" / "cycle" / "page.html").read_text()
DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(attempts=1, backoff_initial=0.01, backoff_max=0.01, respect_robots=False)
TEAMS = TeamsFile.model_validate(
    {
        "delivery": {"ops": {"slack_channel": "#ops", "email": ["ops@example.com"]}},
        "teams": [
            {
                "name": "core",
                "slack_channel": "#core",
                "uses": [{"model": "zeta-2"}, {"model": "zeta-9"}],
            }
        ],
    }
)


def catalogue(zeta_2: str) -> dict:
    """A LiteLLM-shaped list: zeta-1 agrees with the page, zeta-2 carries `zeta_2`, zeta-9 is
    on no page, zeta-2-mini has no date."""
    return {
        "zeta-1": {"litellm_provider": "zeta", "mode": "chat", "deprecation_date": "2027-01-04"},
        "zeta/zeta-2": {"litellm_provider": "zeta", "mode": "chat", "deprecation_date": zeta_2},
        "zeta-9": {"litellm_provider": "zeta", "mode": "chat", "deprecation_date": "2027-05-01"},
        "zeta-2-mini": {"litellm_provider": "zeta", "mode": "chat"},
    }


class Body:
    """A body that can change, answering conditional GETs with 304."""

    def __init__(self, body: str, content_type: str) -> None:
        self.body = body
        self.content_type = content_type

    def __call__(self, request: Request) -> Response:
        etag = f'"{abs(hash(self.body))}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.body, content_type=self.content_type, headers={"ETag": etag})


@pytest.fixture
def site(httpserver):
    page = Body(PAGE, "text/html; charset=utf-8")
    reference = Body(json.dumps(catalogue("2027-02-15")), "application/json")
    httpserver.expect_request("/page").respond_with_handler(page)
    httpserver.expect_request("/catalogue.json").respond_with_handler(reference)
    sources = [
        SourceConfig(id="page", provider="zeta", url=httpserver.url_for("/page"), format="html"),
        SourceConfig(id="ref", kind="reference", url=httpserver.url_for("/catalogue.json")),
    ]
    return page, reference, sources


def ops_alerts(db) -> list[Alert]:
    rows = db.query("SELECT payload FROM alerts WHERE team = 'ops' ORDER BY id")
    return [Alert.from_payload(row["payload"]) for row in rows]


def disagreements(db) -> list[tuple]:
    return [
        (row["model"], row["record_date"], row["reference_date"], row["status"])
        for row in db.query(
            """SELECT r.model, d.* FROM disagreements d JOIN records r ON r.id = d.record_id
               ORDER BY d.id"""
        )
    ]


def confirmed(db) -> dict[str, list[str]]:
    models = {row["id"]: row["model"] for row in db.query("SELECT id, model FROM records")}
    return {
        models[rid]: [c["confirmed_by"] for c in rows]
        for rid, rows in reference_store.confirmed_records(db).items()
    }


def test_reference_confirms_and_disagrees_once(db, site):
    _, reference, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)

    # The reference never becomes records and never alerts a team about zeta-9.
    assert sorted(r["model"] for r in db.query("SELECT model FROM records")) == [
        "zeta-1",
        "zeta-1-mini",
        "zeta-2",
        "zeta-2-mini",
    ]
    team_alerts = list(db.query("SELECT * FROM alerts WHERE team = 'core'"))
    assert len(team_alerts) == 1
    assert [i.model for i in Alert.from_payload(team_alerts[0]["payload"]).items] == ["zeta-2"]
    ref_row = next(db.query("SELECT * FROM sources WHERE id = 'ref'"))
    assert (ref_row["kind"], ref_row["provider"], ref_row["record_count"]) == ("reference", "*", 3)

    assert confirmed(db) == {"zeta-1": ["ref"]}
    assert disagreements(db) == [("zeta-2", "2027-02-01", "2027-02-15", "open")]
    ops = ops_alerts(db)
    assert [(a.channel, a.destination) for a in ops] == [
        ("slack", "#ops"),
        ("email", "ops@example.com"),
    ]
    (item,) = ops[0].items
    assert (item.model, item.provider, item.status, item.shutdown_date) == (
        "zeta-2",
        "zeta",
        "disagreement",
        "2027-02-01",
    )
    assert item.note == "page says 2027-02-01; reference ref (zeta/zeta-2) says 2027-02-15"
    assert ops[0].title == "Reference catalogue disagrees on 1 shutdown date"

    # Next cycles: the same disagreement is not alerted again (304, then an unchanged body).
    later = DAY + dt.timedelta(hours=7)
    run_cycle(db, sources, now=later, settings=FAST, teams=TEAMS)
    fetch = next(db.query("SELECT * FROM fetches WHERE source_id = 'ref' ORDER BY id DESC"))
    assert fetch["outcome"] == "not_modified"
    reference.body = json.dumps(catalogue("2027-02-15"), indent=1)  # new bytes, same facts
    run_cycle(db, sources, now=later + dt.timedelta(hours=7), settings=FAST, teams=TEAMS)
    assert len(ops_alerts(db)) == 2
    assert disagreements(db) == [("zeta-2", "2027-02-01", "2027-02-15", "open")]

    # A changed disagreement is a new one: alerted once; the old one is resolved.
    reference.body = json.dumps(catalogue("2027-02-20"))
    run_cycle(db, sources, now=DAY + dt.timedelta(days=1), settings=FAST, teams=TEAMS)
    assert disagreements(db) == [
        ("zeta-2", "2027-02-01", "2027-02-15", "resolved"),
        ("zeta-2", "2027-02-01", "2027-02-20", "open"),
    ]
    ops = ops_alerts(db)
    assert len(ops) == 4 and "says 2027-02-20" in (ops[-1].items[0].note or "")

    # The reference comes to agree: resolved, confirmed, nothing sent.
    reference.body = json.dumps(catalogue("2027-02-01"))
    run_cycle(db, sources, now=DAY + dt.timedelta(days=2), settings=FAST, teams=TEAMS)
    assert [d[3] for d in disagreements(db)] == ["resolved", "resolved"]
    assert confirmed(db) == {"zeta-1": ["ref"], "zeta-2": ["ref"]}
    assert len(ops_alerts(db)) == 4


def test_page_moving_its_date_withdraws_the_confirmation(db, site):
    page, _, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    assert confirmed(db) == {"zeta-1": ["ref"]}
    page.body = PAGE.replace("2027-01-04", "2027-01-11")
    run_cycle(db, sources, now=DAY + dt.timedelta(days=1), settings=FAST, teams=TEAMS)
    assert confirmed(db) == {}
    assert [d for d in disagreements(db) if d[0] == "zeta-1"] == [
        ("zeta-1", "2027-01-11", "2027-01-04", "open")
    ]
    assert db.execute("SELECT COUNT(*) FROM confirmations").fetchone()[0] == 0


def test_disagreements_wait_for_an_operator_destination(db, site):
    _, _, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=None)
    assert disagreements(db) == [("zeta-2", "2027-02-01", "2027-02-15", "open")]
    assert ops_alerts(db) == []
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=7), settings=FAST, teams=TEAMS)
    assert len(ops_alerts(db)) == 2  # one message, on each ops channel, once
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=14), settings=FAST, teams=TEAMS)
    assert len(ops_alerts(db)) == 2


def test_a_reference_that_stops_parsing_keeps_its_entries(db, site):
    _, reference, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    reference.body = "<html><body>Service moved</body></html>"
    run_cycle(db, sources, now=DAY + dt.timedelta(days=1), settings=FAST, teams=TEAMS)
    row = next(db.query("SELECT * FROM sources WHERE id = 'ref'"))
    assert row["health"] == "cliff" and row["record_count"] == 3
    assert db.execute("SELECT COUNT(*) FROM reference_entries").fetchone()[0] == 3
    assert confirmed(db) == {"zeta-1": ["ref"]}
    titles = [a.title for a in ops_alerts(db)]
    assert titles.count("Source ref parsed to far fewer records") == 2  # slack + email
    warning = db.execute("SELECT message FROM warnings WHERE source_id = 'ref'").fetchone()[0]
    assert "not a reference catalogue" in warning


def test_a_removed_reference_stops_confirming(db, site):
    _, _, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    run_cycle(db, sources[:1], now=DAY + dt.timedelta(days=1), settings=FAST, teams=TEAMS)
    assert confirmed(db) == {}
    assert [d[3] for d in disagreements(db)] == ["resolved"]


def test_sources_command_shows_reference_sources(tmp_path, site):
    from click.testing import CliRunner

    from pipeline.cli import main
    from storage.db import open_db

    _, _, sources = site
    path = tmp_path / "s.db"
    store = open_db(path)
    run_cycle(store, sources, now=DAY, settings=FAST, teams=None)
    store.close()
    result = CliRunner().invoke(main, ["sources", "--db", str(path)])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("ref ")]
    assert line.split()[1:3] == ["*", "reference"] and line.split()[-1] == "3"
