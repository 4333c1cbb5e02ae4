"""Product-scoped records ("product:chatgpt"): stored beside the API record of the same model,
matched only to teams that declare the product, worded "leaves ChatGPT on DATE; API
unaffected" in alerts and the digest."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from pipeline.alerts.decide import decide
from pipeline.alerts.match import match, match_products
from pipeline.alerts.notify.digest import collect_digest, render_digest_parts
from pipeline.alerts.notify.slack import render_slack_messages
from pipeline.core.config import ConfigError, TeamsFile, load_teams
from pipeline.core.models import Alert, Record, UsageEntry
from storage import records as record_store
from storage import sources as source_store
from storage.db import transaction

DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
CHATGPT = "product:chatgpt"
TEAMS = TeamsFile.model_validate(
    {
        "teams": [
            # Uses the model through the API only: never hears about ChatGPT.
            {
                "name": "api-users",
                "slack_channel": "#api",
                "email": ["api@example.com"],
                "uses": [{"model": "gpt-x-1", "provider": "openai"}],
            },
            # Uses ChatGPT, declares no model.
            {
                "name": "support",
                "slack_channel": "#support",
                "email": ["support@example.com"],
                "products": ["ChatGPT"],
            },
        ]
    }
)


def put(db, *records: dict, now: dt.datetime = DAY, keep=None) -> list[dict]:
    source_store.sync_sources(
        db,
        [
            {
                "id": "openai-page",
                "provider": "openai",
                "url": "https://o.test/d",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
        ],
    )
    rows = [asdict(Record(provider="openai", shutdown_kind="firm", **r)) for r in records]
    with transaction(db):
        return record_store.apply_source_records(
            db,
            source_id="openai-page",
            records=rows,
            keep=keep,
            snapshot_sha256="x",
            now=now.isoformat(),
            run_id=None,
        )


def team_alerts(db, team: str) -> list[Alert]:
    rows = db.query("SELECT payload FROM alerts WHERE team = ? ORDER BY id", [team])
    return [Alert.from_payload(row["payload"]) for row in rows]


def test_products_in_teams_yml(tmp_path: Path):
    path = tmp_path / "teams.yml"
    path.write_text("teams:\n  - name: support\n    products: [chatgpt, Claude]\n")
    assert load_teams(path).teams[0].products == ["chatgpt", "claude"]
    path.write_text("teams:\n  - name: support\n    products: [chatgpt, ChatGPT]\n")
    with pytest.raises(ConfigError, match=r"teams\[0\] \(support\)\.products: a product is"):
        load_teams(path)
    path.write_text("teams:\n  - name: support\n    products: ['chat gpt']\n")
    with pytest.raises(ConfigError, match=r"teams\[0\] \(support\)\.products\[0\]: String should"):
        load_teams(path)
    path.write_text("teams:\n  - name: support\n    product: [chatgpt]\n")
    suggestion = r"\.product: unknown key 'product' \(did you mean 'products'\?\)"
    with pytest.raises(ConfigError, match=r"teams\[0\] \(support\)" + suggestion):
        load_teams(path)


def test_api_and_product_records_of_one_model_are_two_records(db):
    events = put(
        db,
        {"model": "gpt-x-1", "shutdown_date": "2027-06-01"},
        {"model": "gpt-x-1", "shutdown_date": "2027-01-15", "scope": CHATGPT},
    )
    assert [(e["kind"], e["scope"]) for e in events] == [("new", "api"), ("new", CHATGPT)]
    rows = {r["scope"]: r for r in record_store.all_records(db)}
    assert (rows["api"]["shutdown_date"], rows[CHATGPT]["shutdown_date"]) == (
        "2027-06-01",
        "2027-01-15",
    )
    # The product record changes on its own; the API record is untouched.
    events = put(
        db,
        {"model": "gpt-x-1", "shutdown_date": "2027-06-01"},
        {"model": "gpt-x-1", "shutdown_date": "2027-01-20", "scope": CHATGPT},
    )
    assert [(e["scope"], e["changes"]) for e in events] == [
        (CHATGPT, [("shutdown_date", "2027-01-15", "2027-01-20")])
    ]
    # Held for review by (provider, model, scope): only the held scope stays listed.
    events = put(db, keep=[("openai", "gpt-x-1", CHATGPT)])
    assert [(e["kind"], e["scope"]) for e in events] == [("unlisted", "api")]


def test_matching_keeps_api_and_products_apart():
    records = [
        (1, Record("openai", "gpt-x-1", shutdown_date="2027-06-01")),
        (2, Record("openai", "gpt-x-1", shutdown_date="2027-01-15", scope=CHATGPT)),
        (3, Record("openai", "gpt-x-2", shutdown_date="2027-01-15", scope="product:claude")),
    ]
    usage = [UsageEntry(team="api-users", model="gpt-x-*", provider="*", origin="declared")]
    assert [(e.team, e.record_id) for e in match(usage, records)] == [("api-users", 1)]
    exposures = match_products([("support", "chatgpt"), ("api-users", "sora")], records)
    assert [(e.team, e.record_id, e.how, e.usage_model) for e in exposures] == [
        ("support", 2, "product", CHATGPT)
    ]


def test_a_product_change_alerts_only_teams_of_that_product(db):
    put(
        db,
        {"model": "gpt-x-1", "shutdown_date": "2027-06-01"},
        {"model": "gpt-x-1", "shutdown_date": "2027-01-15", "scope": CHATGPT},
    )
    decide(db, TEAMS, now=DAY)
    (api_alert, _) = team_alerts(db, "api-users")
    assert [(i.model, i.scope) for i in api_alert.items] == [("gpt-x-1", "api")]
    support = team_alerts(db, "support")
    assert [a.channel for a in support] == ["slack", "email"]
    (item,) = support[0].items
    assert (item.model, item.scope, item.matched_as) == (
        "gpt-x-1",
        CHATGPT,
        "ChatGPT (a product you use)",
    )
    (message,) = render_slack_messages(support[0], now=DAY)
    text = str(message["blocks"])
    assert "When: leaves ChatGPT on 2027-01-15 (in 52 days); API unaffected" in text
    # Decided again: nothing new.
    decide(db, TEAMS, now=DAY + dt.timedelta(hours=6))
    assert len(team_alerts(db, "support")) == 2


def test_a_passed_product_date_is_news_once_never_still_in_use(db):
    put(db, {"model": "gpt-x-0", "shutdown_date": "2026-11-01", "scope": CHATGPT})
    decide(db, TEAMS, now=DAY)
    (item,) = team_alerts(db, "support")[0].items
    assert item.kind == "new"
    decide(db, TEAMS, now=DAY + dt.timedelta(days=1))
    decide(db, TEAMS, now=DAY + dt.timedelta(days=2))
    assert len(team_alerts(db, "support")) == 2  # the first message, on two channels


def test_digest_wording(db):
    put(
        db,
        {"model": "gpt-x-1", "shutdown_date": "2027-01-15", "scope": CHATGPT},
        {"model": "gpt-x-0", "shutdown_date": "2026-11-01", "scope": CHATGPT},
    )
    decide(db, TEAMS, now=DAY)
    team = TEAMS.team("support")
    data = collect_digest(db, team, DAY + dt.timedelta(hours=1))
    assert [i.model for i in data.upcoming] == []  # listed once, as new
    assert "gpt-x-1" in [i.model for i in data.new]
    assert data.past == ()  # a product change is not "still in use"
    _, text, html = render_digest_parts("support", data, DAY + dt.timedelta(hours=1))
    assert "- gpt-x-1 (openai): leaves ChatGPT on 2027-01-15 (in 52 days); API unaffected" in text
    assert "left ChatGPT on 2026-11-01 (23 days ago); API unaffected" in text
    html = re.sub(r"<[^>]+>", "", html)  # dates sit in no-wrap spans
    assert "leaves ChatGPT on 2027-01-15 (in 52 days); API unaffected" in html


def test_exports_and_upcoming_name_the_product(tmp_path: Path):
    from click.testing import CliRunner

    from pipeline.cli import main
    from pipeline.export.events import describe, display_name
    from storage.db import open_db

    record = {"provider": "openai", "model": "gpt-x-1", "shutdown_date": "2027-01-15"}
    assert display_name(record) == "gpt-x-1 (openai)"
    assert display_name({**record, "scope": CHATGPT}) == "gpt-x-1 (openai, ChatGPT only)"
    assert "Scope: leaves ChatGPT; API unaffected" in describe({**record, "scope": CHATGPT})
    assert "Scope" not in describe({**record, "scope": "api"})

    path = tmp_path / "s.db"
    db = open_db(path)
    put(
        db,
        {"model": "gpt-x-1", "shutdown_date": "2027-01-15", "scope": CHATGPT},
        {"model": "gpt-x-1", "shutdown_date": "2027-01-20"},
    )
    db.close()
    result = CliRunner().invoke(
        main, ["upcoming", "--db", str(path), "--now", DAY.isoformat(), "--days", "90"]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "gpt-x-1" in line]
    assert "gpt-x-1 (ChatGPT only)" in lines[0] and "2027-01-15" in lines[0]
    assert "ChatGPT" not in lines[1] and "2027-01-20" in lines[1]
