"""Review gating in a real cycle: a page whose structure changed, or records below the
confidence threshold, wait for review; the operator gets one alert per cycle's batch."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from werkzeug import Response

from pipeline.alerts.notify.slack import render_slack_messages
from pipeline.core.config import ReviewConfig, SourceConfig, TeamsFile
from pipeline.core.models import Alert
from pipeline.fetch import FetchSettings
from pipeline.ops.cycle import run_cycle
from pipeline.parse import parse_document
from pipeline.sources import extract_pool
from pipeline.structure import describe_change, features
from storage import review as review_store
from storage.db import transaction
from tests.faults.crashing_extract import extract_doubtful

PAGE = (Path(__file__).parent / "fixtures" / "cycle" / "page.html").read_text()
DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(attempts=1, backoff_initial=0.01, backoff_max=0.01, respect_robots=False)
TEAMS = TeamsFile.model_validate(
    {
        "delivery": {"ops": {"slack_channel": "#ops", "email": ["ops@example.com"]}},
        "teams": [
            {"name": "core", "slack_channel": "#core", "uses": [{"model": "zeta-2"}]},
            {"name": "edge", "slack_channel": "#edge", "uses": [{"model": "zeta-4"}]},
        ],
    }
)
HEADER = "<tr><th>Shutdown date</th><th>Model</th><th>Replacement</th></tr>"


def redesigned(page: str) -> str:
    """The same table with its columns reordered and renamed."""
    page = page.replace(
        HEADER, "<tr><th>Model</th><th>Retirement date</th><th>Recommended replacement</th></tr>"
    )
    return re.sub(r"<tr><td>(\S+?)</td><td>(\S+?)</td>", r"<tr><td>\2</td><td>\1</td>", page)


NEW_ROW = "<tr><td>2027-03-01</td><td>zeta-4</td><td>zeta-5</td></tr>\n</table>"


@pytest.fixture
def site(httpserver):
    state = {"body": PAGE}
    httpserver.expect_request("/a").respond_with_handler(
        lambda request: Response(state["body"], content_type="text/html")
    )
    source = SourceConfig(id="a", provider="zeta", url=httpserver.url_for("/a"), format="html")
    return state, [source]


def rows(db, sql, params=()):
    return list(db.query(sql, list(params)))


def team_alerts(db, team):
    return [
        Alert.from_payload(r["payload"])
        for r in rows(db, "SELECT payload FROM alerts WHERE team = ? ORDER BY id", [team])
    ]


def states(db) -> dict[str, str]:
    return {r["model"]: r["review_state"] for r in rows(db, "SELECT * FROM records")}


def test_structure_signature_ignores_content_and_sees_redesign():
    base = features(parse_document(PAGE, "html"))
    grown = PAGE.replace("</table>", NEW_ROW).replace(
        "</body>", "<h2>2026-12-01: More</h2><p>zeta-9 retires on 2027-05-01.</p></body>"
    )
    assert features(parse_document(grown, "html")) == base
    moved = features(parse_document(redesigned(PAGE), "html"))
    assert moved != base
    assert describe_change(base, moved) == (
        "page structure changed: added table [model | retirement date | recommended "
        "replacement]; removed table [shutdown date | model | replacement]"
    )


def test_redesigned_page_holds_new_and_changed_records_for_review(db, site):
    state, sources = site
    first = run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    assert first.review_ids == [] and len(team_alerts(db, "core")) == 1
    assert rows(db, "SELECT structure FROM sources")[0]["structure"]
    # Redesign + a moved date (zeta-2) + a new model (zeta-4), in one update.
    state["body"] = redesigned(
        PAGE.replace("</table>", NEW_ROW).replace("2027-02-01", "2027-01-20")
    )
    second = run_cycle(db, sources, now=DAY + dt.timedelta(hours=6), settings=FAST, teams=TEAMS)
    assert states(db) == {
        "zeta-1": "ok",
        "zeta-1-mini": "ok",
        "zeta-2": "needs_review",
        "zeta-2-mini": "needs_review",
        "zeta-4": "needs_review",
    }
    assert len(second.review_ids) == 3
    assert len(team_alerts(db, "core")) == 1 and team_alerts(db, "edge") == []
    ops = team_alerts(db, "ops")
    assert sorted(a.channel for a in ops) == ["email", "slack"]  # one alert per channel
    batch = ops[0]
    assert batch.title == "3 records need review"
    assert [i.model for i in batch.items[1:]] == ["zeta-2", "zeta-2-mini", "zeta-4"]
    assert "structure changed" in batch.items[1].note
    assert rows(db, "SELECT records_review FROM runs ORDER BY id DESC")[0]["records_review"] == 3
    warnings = [w["message"] for w in rows(db, "SELECT message FROM warnings")]
    assert any(
        w.startswith("page structure changed: added table [model | retirement date")
        for w in warnings
    )
    # The new structure is now the last good one: the next update alerts normally.
    moved = PAGE.replace("</table>", NEW_ROW).replace("2027-02-01", "2027-01-20")
    state["body"] = redesigned(moved.replace("2027-01-04", "2027-01-06"))
    third = run_cycle(db, sources, now=DAY + dt.timedelta(hours=12), settings=FAST, teams=TEAMS)
    assert third.review_ids == [] and third.records_changed == 2
    assert states(db)["zeta-1"] == "ok"
    assert len(team_alerts(db, "ops")) == 2  # no new batch
    # Confirming lets the withheld news out on the next decide.
    ids = [r["id"] for r in review_store.waiting(db)]
    with transaction(db):
        review_store.set_state(db, ids, "confirmed", by="operator", at="t")
    state["body"] += " "
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=18), settings=FAST, teams=TEAMS)
    (_, changed) = team_alerts(db, "core")
    assert changed.items[0].change == "shutdown date 2027-02-01 -> 2027-01-20"
    assert [i.kind for i in team_alerts(db, "edge")[0].items] == ["new"]


def test_low_confidence_records_wait_and_one_alert_per_cycle(db, site, monkeypatch):
    state, sources = site
    # Extraction runs in child processes, so the stand-in is a module-level function.
    monkeypatch.setattr(extract_pool, "_extract_job", extract_doubtful)
    strict = [sources[0].model_copy(update={"review": ReviewConfig(min_confidence=0.5)})]
    report = run_cycle(db, strict, now=DAY, settings=FAST, teams=TEAMS)
    assert states(db) == {
        "zeta-1": "ok",
        "zeta-1-mini": "ok",
        "zeta-2": "needs_review",
        "zeta-2-mini": "needs_review",
    }
    assert len(report.review_ids) == 2
    assert team_alerts(db, "core") == []
    ops = team_alerts(db, "ops")
    assert len(ops) == 2  # Slack + e-mail, one batch for both records
    reason = rows(db, "SELECT review_reason FROM records WHERE model = 'zeta-2'")[0]
    assert reason["review_reason"] == "confidence 0.30 below 0.50"
    notes = {i.model: i.note for i in ops[0].items[1:]}
    assert "teams using it: core." in notes["zeta-2"]
    assert "teams using it: none." in notes["zeta-2-mini"]
    # Scraped cues are escaped in the operator's Slack message.
    slack = next(a for a in ops if a.channel == "slack")
    text = json.dumps(render_slack_messages(slack, now=DAY))
    assert "&lt;b&gt;Substitute&lt;/b&gt;" in text and "<b>" not in text
    # The same records still waiting in the next cycles raise no new alert.
    for hour in (1, 2):
        state["body"] += " "
        run_cycle(db, strict, now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS)
    assert len(team_alerts(db, "ops")) == 2 and team_alerts(db, "core") == []


def test_review_config_is_strict(tmp_path):
    from pipeline.core.config import ConfigError, load_sources

    path = tmp_path / "sources.yml"
    path.write_text(
        "defaults: {review: {min_confidence: 0.7}}\n"
        "sources:\n  - {id: a, provider: p, url: 'https://x.test/', format: html}\n"
        "  - {id: b, provider: p, url: 'https://x.test/', format: html,"
        " review: {min_confidence: 0.2}}\n"
    )
    loaded = load_sources(path)
    assert [s.review.min_confidence for s in loaded.sources] == [0.7, 0.2]
    path.write_text(
        "sources:\n  - {id: a, provider: p, url: 'https://x.test/', format: html,"
        " review: {min_confidense: 0.7}}\n"
    )
    with pytest.raises(ConfigError, match=r"sources\[0\] \(a\)\.review\.min_confidense"):
        load_sources(path)
    path.write_text(
        "sources:\n  - {id: a, provider: p, url: 'https://x.test/', format: html,"
        " review: {min_confidence: 1.5}}\n"
    )
    with pytest.raises(ConfigError, match="min_confidence"):
        load_sources(path)


def test_sniffed_format_has_a_structure():
    from pipeline.structure import of_body

    assert of_body(PAGE, "auto") == features(parse_document(PAGE, "html"))
    assert of_body(PAGE, "no-such-format") is None  # never raises


def test_feed_structure_ignores_new_entries():
    def feed(*titles: str) -> str:
        items = "".join(
            f"<item><title>{t}</title><link>https://f.test/{i}</link>"
            f"<description>{t} retires on 2027-01-0{i + 1}.</description>"
            f"<pubDate>Mon, 0{i + 1} Jun 2026 00:00:00 GMT</pubDate></item>"
            for i, t in enumerate(titles)
        )
        head = '<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>'
        return f"{head}{items}</channel></rss>"

    one = features(parse_document(feed("zeta-1"), "rss"))
    assert one == features(parse_document(feed("zeta-1", "zeta-2", "zeta-3"), "rss"))
    assert one != features(parse_document(PAGE, "html"))


def test_migration_gives_existing_records_defaults(tmp_path):
    import sqlite3

    from storage.db import open_db
    from storage.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO records (provider, model, first_seen, last_seen) VALUES ('p', 'm-1', 't', 't')"
    )
    conn.commit()
    conn.close()
    db = open_db(path)
    row = next(db.query("SELECT * FROM records"))
    assert (row["confidence"], row["why"], row["scope"], row["review_state"]) == (
        1.0,
        "[]",
        "api",
        "ok",
    )
    assert (row["overrides"], row["review_alerted"]) == ("{}", 0)
    assert db.execute("SELECT COUNT(*) FROM needs_review").fetchone()[0] == 0
    db.close()
