"""Outbox delivery: routing, exactly-once sending, backoff, Retry-After, dead alerts, secrets."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlite_utils

from pipeline.alerts.notify.outbox import DeliveryReport, Router, build_notifiers, deliver_due
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox
from tests.slack_stub import TOKEN, SlackStub, SmtpSink, free_port, point_env_at

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStub]:
    with SlackStub() as running:
        point_env_at(monkeypatch, running)
        yield running


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def teams_file(smtp_port: int, **delivery: Any) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {
                "slack": {"token_env": "SW_TEST_SLACK_TOKEN"},
                "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "timeout": 5},
                "ops": {"slack_channel": "#ops", "email": ["ops@example.com"]},
                **delivery,
            },
            "teams": [
                {"name": "payments", "slack_channel": "#pay", "email": ["pay@example.com"]},
                {"name": "search", "webhook_env": "SW_TEST_SEARCH_HOOK"},
            ],
        }
    )


def router(smtp_port: int, **delivery: Any) -> Router:
    return build_notifiers(teams_file(smtp_port, **delivery), rate_limit_retries=0)


def queue(
    db: sqlite_utils.Database,
    key: str,
    *,
    team: str = "payments",
    channel: str = "slack",
    items: int = 1,
    payload: str | None = None,
) -> int:
    alert = Alert(
        team=team,
        channel=channel,  # type: ignore[arg-type]
        kind="new",
        title=f"Alert {key}",
        items=tuple(
            AlertItem(
                kind="new", provider="openai", model=f"{key}-m{n}", shutdown_date="2027-01-01"
            )
            for n in range(items)
        ),
    )
    assert outbox.enqueue(
        db,
        team=team,
        kind="new",
        channel=channel,
        idempotency_key=key,
        payload=payload or alert.to_payload(),
        now=iso(NOW),
    )
    return db.execute("SELECT id FROM alerts WHERE idempotency_key = ?", [key]).fetchone()[0]


def row(db: sqlite_utils.Database, alert_id: int) -> dict[str, Any]:
    return next(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))


def test_each_alert_sent_once(db: sqlite_utils.Database, stub: SlackStub, sink: SmtpSink) -> None:
    ids = [
        queue(db, "a"),
        queue(db, "b", channel="email"),
        queue(db, "c", team="search"),
    ]
    route = router(sink.port)
    assert deliver_due(db, route, now=NOW) == DeliveryReport(sent=3, failed=0, dead=0, skipped=0)
    assert [m["channel"] for m in stub.messages] == ["#pay"]
    assert len(stub.webhook_messages) == 1 and len(sink.messages) == 1
    assert sink.envelopes[0][1] == ["pay@example.com"]
    assert all(row(db, i)["status"] == "sent" and row(db, i)["sent_at"] == iso(NOW) for i in ids)
    later = NOW + dt.timedelta(hours=1)
    assert deliver_due(db, route, now=later) == DeliveryReport(0, 0, 0, 0)
    assert len(stub.messages) + len(stub.webhook_messages) + len(sink.messages) == 3


def test_backoff_then_success(db: sqlite_utils.Database, stub: SlackStub) -> None:
    alert_id = queue(db, "a")
    route = router(free_port())
    stub.fail_next(2, status=500)
    assert deliver_due(db, route, now=NOW).failed == 1
    failed = row(db, alert_id)
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["next_attempt"] == iso(NOW + MINUTE) and "500" in failed["last_error"]
    assert deliver_due(db, route, now=NOW + MINUTE / 2) == DeliveryReport(0, 0, 0, 0)
    assert deliver_due(db, route, now=NOW + MINUTE).failed == 1
    assert row(db, alert_id)["next_attempt"] == iso(NOW + 3 * MINUTE)
    assert deliver_due(db, route, now=NOW + 3 * MINUTE).sent == 1
    assert row(db, alert_id)["attempts"] == 3 and len(stub.messages) == 1


def test_retry_after_longer_than_backoff(db: sqlite_utils.Database, stub: SlackStub) -> None:
    alert_id = queue(db, "a")
    stub.fail_next(1, status=429, retry_after=600)
    assert deliver_due(db, router(free_port()), now=NOW).failed == 1
    assert row(db, alert_id)["next_attempt"] == iso(NOW + dt.timedelta(seconds=600))
    assert "429" in row(db, alert_id)["last_error"]


def test_down_destination_is_skipped_for_the_run(
    db: sqlite_utils.Database, stub: SlackStub, sink: SmtpSink
) -> None:
    ids = [queue(db, "a"), queue(db, "b"), queue(db, "c"), queue(db, "d", channel="email")]
    stub.fail_next(1, status=500)
    report = deliver_due(db, router(sink.port), now=NOW)
    assert report == DeliveryReport(sent=1, failed=1, dead=0, skipped=2)
    assert [row(db, i)["attempts"] for i in ids] == [1, 0, 0, 1]
    assert deliver_due(db, router(sink.port), now=NOW).sent == 2


def test_missing_secret_names_the_variable(
    db: sqlite_utils.Database, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SW_TEST_SLACK_TOKEN")
    alert_id = queue(db, "a")
    assert deliver_due(db, router(free_port()), now=NOW).failed == 1
    error = row(db, alert_id)["last_error"]
    assert "SW_TEST_SLACK_TOKEN" in error and "not set" in error
    monkeypatch.setenv("SW_TEST_SLACK_TOKEN", TOKEN)
    assert deliver_due(db, router(free_port()), now=NOW + MINUTE).sent == 1


def test_one_bad_alert_does_not_stop_the_others(db: sqlite_utils.Database, stub: SlackStub) -> None:
    unknown = queue(db, "a", team="nobody")
    garbage = queue(db, "b", payload="{not json")
    good = queue(db, "c")
    report = deliver_due(db, router(free_port()), now=NOW)
    assert report == DeliveryReport(sent=1, failed=0, dead=2, skipped=0)
    assert "nobody" in row(db, unknown)["last_error"]
    assert "undecodable" in row(db, garbage)["last_error"]
    assert row(db, good)["status"] == "sent"


def test_dead_after_max_attempts_makes_one_ops_alert(
    db: sqlite_utils.Database, stub: SlackStub, sink: SmtpSink
) -> None:
    alert_id = queue(db, "a")
    route = router(sink.port, max_attempts=3)
    stub.fail_next(100, status=500)
    moments = [NOW, NOW + MINUTE, NOW + 3 * MINUTE]
    reports = [deliver_due(db, route, now=moment) for moment in moments]
    assert [r.dead for r in reports] == [0, 0, 1]
    assert row(db, alert_id)["status"] == "dead"
    assert row(db, alert_id)["destination"] == "slack:api"  # waits for Slack, not lost
    ops = list(db.query("SELECT * FROM alerts WHERE kind = 'ops'"))
    assert len(ops) == 1 and ops[0]["idempotency_key"].startswith("down:slack:api:")
    assert ops[0]["channel"] == "email"  # not the channel that just failed
    note = Alert.from_payload(ops[0]["payload"]).items[0].note or ""
    assert f"alert {alert_id}" in note and "team payments" in note
    for minute in range(4, 60, 5):
        deliver_due(db, route, now=NOW + minute * MINUTE)
    assert len(sink.messages) == 1
    assert sink.messages[0]["Subject"] == "Alert delivery is down: Slack (bot token)"
    assert db.execute("SELECT COUNT(*) FROM alerts WHERE kind = 'ops'").fetchone()[0] == 1


def test_alert_failing_for_its_own_sake_dies_with_its_own_notice(
    db: sqlite_utils.Database, stub: SlackStub, sink: SmtpSink
) -> None:
    alert_id = queue(db, "a", team="nobody")
    assert deliver_due(db, router(sink.port), now=NOW).dead == 1
    assert row(db, alert_id)["destination"] is None  # nothing to wait for
    ops = list(db.query("SELECT * FROM alerts WHERE kind = 'ops'"))
    assert [r["idempotency_key"] for r in ops] == [f"dead:{alert_id}"]


def test_partly_sent_split_message_is_not_repeated(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    alert_id = queue(db, "a", items=60)
    stub.fail_next(1, status=500, after=1)
    route = router(free_port())
    assert deliver_due(db, route, now=NOW).failed == 1
    assert row(db, alert_id)["status"] == "sent"
    assert deliver_due(db, route, now=NOW + MINUTE).sent == 1
    sections = [
        block["text"]["text"]
        for message in stub.messages
        for block in message["blocks"]
        if block["type"] == "section"
    ]
    models = [text.split("*")[3] for text in sections]
    assert len(models) == 60 and len(set(models)) == 60


def test_secrets_never_reach_the_database_or_logs(
    db: sqlite_utils.Database,
    stub: SlackStub,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token, password = "xoxb-SENTINEL-token-1", "SENTINEL-password-2"
    hook = f"http://127.0.0.1:{free_port()}/webhook/SENTINEL-hook-3"
    monkeypatch.setenv("SW_TEST_SLACK_TOKEN", token)
    monkeypatch.setenv("SW_TEST_SEARCH_HOOK", hook)
    monkeypatch.setenv("SW_TEST_SMTP_USER", "sunset")
    monkeypatch.setenv("SW_TEST_SMTP_PASSWORD", password)
    email = {
        "smtp_host": "127.0.0.1",
        "smtp_port": 0,
        "username_env": "SW_TEST_SMTP_USER",
        "password_env": "SW_TEST_SMTP_PASSWORD",
        "timeout": 5,
    }
    with SmtpSink(reject_auth=True) as sink:
        email["smtp_port"] = sink.port
        route = router(sink.port, email=email, max_attempts=1)
        queue(db, "a")
        queue(db, "b", channel="email")
        queue(db, "c", team="search")
        assert deliver_due(db, route, now=NOW).dead == 3
        deliver_due(db, route, now=NOW + MINUTE)  # the ops alerts fail too
    dump = repr(list(db.query("SELECT * FROM alerts")))
    assert (
        "invalid_auth" in dump and "SMTPAuthenticationError" in dump
    )  # the errors themselves are kept
    for sentinel in ("SENTINEL-token", "SENTINEL-password", "SENTINEL-hook"):
        assert sentinel not in dump
        assert sentinel not in caplog.text
    assert db.execute("SELECT COUNT(*) FROM alerts WHERE status = 'dead'").fetchone()[0] >= 3


def test_unexpected_exception_is_contained(
    db: sqlite_utils.Database, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = queue(db, "a")
    fine = queue(db, "b")
    route = router(free_port())
    real = route.route

    class Exploding:
        def send(self, alert: Alert, *, now: dt.datetime) -> None:
            raise RuntimeError("template bug")

    def fake(alert: Alert) -> Any:
        return ("boom", Exploding()) if alert.title == "Alert a" else real(alert)

    monkeypatch.setattr(route, "route", fake)
    assert deliver_due(db, route, now=NOW) == DeliveryReport(sent=1, failed=1, dead=0, skipped=0)
    assert "RuntimeError: template bug" in row(db, broken)["last_error"]
    assert row(db, fine)["status"] == "sent"
