"""Slack and SMTP down for a simulated hour, then back: nothing lost, nothing sent twice.

The Slack stub answers 500, then 429 with Retry-After; the SMTP port is closed. One team's
webhook points at a port nobody listens on for good: that alert must die after
`max_attempts` (still waiting on its destination) and produce exactly one ops alert saying
the destination is down, which goes out by e-mail once SMTP is up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlite_utils

from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox
from tests.slack_stub import TOKEN, SlackStub, SmtpSink, free_port

START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=5)


def enqueue(db: sqlite_utils.Database, team: str, channel: str, key: str, items: int = 1) -> None:
    alert = Alert(
        team=team,
        channel=channel,  # type: ignore[arg-type]
        kind="new",
        title=f"Deprecations {key}",
        items=tuple(
            AlertItem(kind="new", provider="openai", model=f"{key}.m{n:02d}", evidence="x " * 200)
            for n in range(items)
        ),
    )
    assert outbox.enqueue(
        db,
        team=team,
        kind="new",
        channel=channel,
        idempotency_key=key,
        payload=alert.to_payload(),
        now=iso(START),
    )


def section_models(messages: list[dict]) -> list[str]:
    return [
        block["text"]["text"].split("*")[3]
        for message in messages
        for block in message["blocks"]
        if block["type"] == "section"
    ]


def test_outage_then_recovery(db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    smtp_port = free_port()
    with SlackStub() as stub:
        monkeypatch.setenv("SUNSET_SLACK_API_URL", stub.api_url)
        monkeypatch.setenv("SW_FAULT_TOKEN", TOKEN)
        monkeypatch.setenv("SW_FAULT_HOOK", stub.webhook_url)
        monkeypatch.setenv("SW_FAULT_DOOMED", f"http://127.0.0.1:{free_port()}/webhook/x")
        teams = TeamsFile.model_validate(
            {
                "delivery": {
                    "slack": {"token_env": "SW_FAULT_TOKEN"},
                    "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "timeout": 2},
                    "ops": {"slack_channel": "#ops", "email": ["ops@example.com"]},
                    "max_attempts": 8,
                },
                "teams": [
                    {"name": "payments", "slack_channel": "#pay", "email": ["pay@example.com"]},
                    {"name": "search", "webhook_env": "SW_FAULT_HOOK"},
                    {"name": "doomed", "webhook_env": "SW_FAULT_DOOMED"},
                ],
            }
        )
        router = build_notifiers(teams, timeout=2, rate_limit_retries=0)
        expected_models: list[str] = []
        for n in range(6):
            items = 60 if n == 0 else 2  # one alert needs several Slack messages
            enqueue(db, "payments", "slack", f"pay-slack-{n}", items)
            expected_models += [f"pay-slack-{n}.m{i:02d}" for i in range(items)]
        for n in range(3):
            enqueue(db, "search", "slack", f"search-hook-{n}")
            expected_models.append(f"search-hook-{n}.m00")
        for n in range(4):
            enqueue(db, "payments", "email", f"pay-mail-{n}")
        enqueue(db, "doomed", "slack", "doomed-0")
        doomed_id = db.execute(
            "SELECT id FROM alerts WHERE idempotency_key = 'doomed-0'"
        ).fetchone()[0]

        now = START
        stub.fail_next(10_000, status=500)
        while now < START + dt.timedelta(minutes=30):
            deliver_due(db, router, now=now)
            now += STEP
        stub.clear_faults()
        stub.fail_next(10_000, status=429, retry_after=900)
        deliver_due(db, router, now=now)
        limited = list(db.query("SELECT next_attempt FROM alerts WHERE last_error LIKE '%429%'"))
        assert limited and all(
            r["next_attempt"] == iso(now + dt.timedelta(seconds=900)) for r in limited
        )
        while now <= START + dt.timedelta(hours=1):
            deliver_due(db, router, now=now)
            now += STEP
        assert not stub.messages and not stub.webhook_messages
        assert db.execute("SELECT COUNT(*) FROM alerts WHERE status = 'sent'").fetchone()[0] == 0

        stub.clear_faults()
        with SmtpSink(port=smtp_port) as sink:
            while now <= START + dt.timedelta(hours=8):
                deliver_due(db, router, now=now)
                now += dt.timedelta(minutes=10)

    delivered = section_models(stub.messages) + section_models(stub.webhook_messages)
    assert Counter(delivered) == Counter(expected_models)  # zero lost, zero duplicates
    subjects = Counter(message["Subject"] for message in sink.messages)
    expected_subjects = [f"Deprecations pay-mail-{n}" for n in range(4)]
    expected_subjects.append("Alert delivery is down: Slack webhook SW_FAULT_DOOMED")
    assert subjects == Counter(expected_subjects)

    statuses = dict(db.execute("SELECT idempotency_key, status FROM alerts").fetchall())
    assert statuses.pop("doomed-0") == "dead"
    assert set(statuses.values()) == {"sent"}
    ops = list(db.query("SELECT * FROM alerts WHERE kind = 'ops'"))
    assert [(r["idempotency_key"].rsplit(":", 3)[0], r["channel"]) for r in ops] == [
        ("down:slack:webhook:SW_FAULT_DOOMED", "email")
    ]
    dead = next(db.query("SELECT * FROM alerts WHERE id = ?", [doomed_id]))
    assert dead["attempts"] >= 8 and "unreachable" in dead["last_error"]
    assert dead["destination"] == "slack:webhook:SW_FAULT_DOOMED"  # probed, revived on recovery
