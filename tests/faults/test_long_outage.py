"""Outages longer than `max_attempts` lose nothing (issue 13, failure 5).

Four hours of HTTP 500 from Slack with delivery every five minutes, or the bot token's
environment variable missing for a day: the alerts go `dead` but keep waiting on their
destination, ops is told once that it is down and once that it recovered, and after
recovery every alert is sent exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlite_utils

from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox
from tests.slack_stub import TOKEN, SlackStub, SmtpSink

START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStub]:
    with SlackStub() as running:
        monkeypatch.setenv("SUNSET_SLACK_API_URL", running.api_url)
        monkeypatch.setenv("SW_LONG_TOKEN", TOKEN)
        yield running


def teams(smtp_port: int) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {
                "slack": {"token_env": "SW_LONG_TOKEN"},
                "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "timeout": 5},
                "ops": {"slack_channel": "#ops", "email": ["ops@example.com"]},
                "max_attempts": 8,
            },
            "teams": [{"name": "payments", "slack_channel": "#pay"}],
        }
    )


def enqueue(db: sqlite_utils.Database, key: str) -> None:
    alert = Alert(
        team="payments",
        channel="slack",
        kind="new",
        title=f"Deprecations {key}",
        items=(AlertItem(kind="new", provider="openai", model=f"model-{key}"),),
    )
    outbox.enqueue(
        db,
        team="payments",
        kind="new",
        channel="slack",
        idempotency_key=key,
        payload=alert.to_payload(),
        now=iso(START),
    )


def run_every(
    db: sqlite_utils.Database, route, start: dt.datetime, hours: float, minutes: int
) -> dt.datetime:
    now = start
    while now < start + dt.timedelta(hours=hours):
        deliver_due(db, route, now=now)
        now += dt.timedelta(minutes=minutes)
    return now


def pay_models(stub: SlackStub) -> Counter[str]:
    return Counter(
        block["text"]["text"].split("*")[3]
        for message in stub.messages
        if message["channel"] == "#pay"
        for block in message["blocks"]
        if block["type"] == "section"
    )


def test_slack_down_four_hours_then_back_loses_nothing(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    with SmtpSink() as sink:
        route = build_notifiers(teams(sink.port), timeout=2, rate_limit_retries=0)
        enqueue(db, "a")
        enqueue(db, "b")
        stub.fail_next(100_000, status=500)
        now = run_every(db, route, START, hours=4.5, minutes=5)
        statuses = dict(db.execute("SELECT idempotency_key, status FROM alerts").fetchall())
        assert statuses["a"] == statuses["b"] == "dead"  # what used to be the end of them
        enqueue(db, "c")  # decided during the outage: waits too
        now = run_every(db, route, now, hours=2, minutes=5)
        stub.clear_faults()
        run_every(db, route, now, hours=2, minutes=5)
    assert pay_models(stub) == Counter({"model-a": 1, "model-b": 1, "model-c": 1})
    assert [message["Subject"] for message in sink.messages] == [
        "Alert delivery is down: Slack (bot token)",  # told once, by e-mail,
        "Alert delivery recovered: Slack (bot token)",  # and once when it is back
    ]
    assert {row[0] for row in db.execute("SELECT status FROM alerts")} == {"sent"}
    assert db.execute("SELECT status FROM destinations").fetchall() == [("up",)]


def test_token_missing_for_a_day_loses_nothing(
    db: sqlite_utils.Database, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SW_LONG_TOKEN")
    with SmtpSink() as sink:
        route = build_notifiers(teams(sink.port), timeout=2, rate_limit_retries=0)
        enqueue(db, "a")
        now = run_every(db, route, START, hours=24, minutes=15)
        assert db.execute("SELECT status FROM alerts WHERE idempotency_key = 'a'").fetchone() == (
            "dead",
        )
        monkeypatch.setenv("SW_LONG_TOKEN", TOKEN)
        run_every(db, route, now, hours=2, minutes=15)
    assert pay_models(stub) == Counter({"model-a": 1})
    assert [m["Subject"] for m in sink.messages] == [
        "Alert delivery is down: Slack (bot token)",
        "Alert delivery recovered: Slack (bot token)",
    ]
    body = sink.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "SW_LONG_TOKEN is not set" in body
