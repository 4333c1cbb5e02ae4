"""A store that cannot be written (issue 13, failure 6 and the full-disk weakness).

When the `sent` mark cannot be written after Slack accepted a message, the message is never
sent again (the alert was claimed first, and the send ledger settles it later, also from
another process); ops is told once, directly, that the store cannot be written, and once
that it can again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline import cli
from pipeline.alerts.notify import ledger
from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.cli import common as cli_common
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, AlertItem
from pipeline.fetch import FetchSettings
from pipeline.ops import worker as schedule
from storage import alerts as outbox
from storage.db import open_db
from tests.slack_stub import TOKEN, SlackStub

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStub]:
    with SlackStub() as running:
        monkeypatch.setenv("SUNSET_SLACK_API_URL", running.api_url)
        monkeypatch.setenv("SW_STORE_TOKEN", TOKEN)
        yield running


def teams() -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {
                "slack": {"token_env": "SW_STORE_TOKEN"},
                "ops": {"slack_channel": "#ops"},
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
        now=iso(NOW),
    )


def channels(stub: SlackStub) -> list[str]:
    return [message["channel"] for message in stub.messages]


def test_write_failure_after_send_never_sends_twice(
    tmp_path: Path, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sunset.db"
    db = open_db(path)
    enqueue(db, "a")
    route = build_notifiers(teams(), rate_limit_retries=0)
    real_route = route.route

    class ThenReadOnly:
        """Slack accepts the message, then the store stops accepting writes."""

        def __init__(self, notifier: Any) -> None:
            self.notifier = notifier

        def send(self, alert: Alert, *, now: dt.datetime) -> None:
            self.notifier.send(alert, now=now)
            if alert.team == "payments":
                db.execute("PRAGMA query_only = ON")

    monkeypatch.setattr(
        route, "route", lambda alert: (lambda k, n: (k, ThenReadOnly(n)))(*real_route(alert))
    )
    report = deliver_due(db, route, now=NOW)
    assert report.store_error and "readonly" in report.store_error
    for minute in range(1, 30):  # a minute-by-minute worker while the store stays unwritable
        deliver_due(db, route, now=NOW + minute * MINUTE)
    assert channels(stub) == ["#pay", "#ops"]  # sent once; ops told once, directly
    assert "cannot write its database" in stub.messages[1]["text"]
    assert (tmp_path / "sunset.db-sent").read_text() == "1\n"

    db.close()
    ledger._MEMORY.clear()  # another process takes over once the store is writable again
    db = open_db(path)
    later = NOW + 30 * MINUTE
    deliver_due(db, build_notifiers(teams(), rate_limit_retries=0), now=later)
    deliver_due(db, build_notifiers(teams(), rate_limit_retries=0), now=later + MINUTE)
    assert channels(stub) == ["#pay", "#ops", "#ops"]  # no second #pay; "writable again"
    assert "can write its database again" in stub.messages[2]["text"]
    assert not (tmp_path / "sunset.db-sent").exists()
    assert not (tmp_path / "sunset.db-unwritable").exists()
    statuses = dict(db.execute("SELECT idempotency_key, status FROM alerts").fetchall())
    assert statuses["a"] == "sent"


def test_claim_left_by_a_killed_deliverer_is_sent_again(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    enqueue(db, "a")
    assert outbox.claim(db, 1, iso(NOW))  # a deliverer claimed it, then died
    report = deliver_due(db, build_notifiers(teams(), rate_limit_retries=0), now=NOW)
    assert report.sent == 1 and channels(stub) == ["#pay"]


def full_disk_config(tmp_path: Path, httpserver: Any) -> tuple[Path, Path, Path]:
    noise = random.Random(13).randbytes(30_000).hex()  # a snapshot that needs new pages
    page = f"<h1>Deprecations</h1><p>gpt-4-0613 shuts down on 2027-01-04.</p><p>{noise}</p>"
    httpserver.expect_request("/p").respond_with_data(page, content_type="text/html")
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - {id: p, provider: openai, format: html, "
        f"url: '{httpserver.url_for('/p')}'}}\n"
    )
    (tmp_path / "teams.yml").write_text(
        "delivery: {slack: {token_env: SW_STORE_TOKEN}, ops: {slack_channel: '#ops'}}\n"
        "teams:\n  - {name: payments, slack_channel: '#pay', digest: off}\n"
    )
    path = tmp_path / "sunset.db"
    open_db(path).close()
    return tmp_path / "sources.yml", tmp_path / "teams.yml", path


def full_disk(real_open: Any) -> Any:
    def opener(target: str, **kwargs: Any) -> sqlite_utils.Database:
        db = real_open(target, **kwargs)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")  # not one more page: "disk is full"
        return db

    return opener


def test_full_disk_during_a_cycle_fails_clearly_and_tells_ops_once(
    tmp_path: Path, stub: SlackStub, httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, teams_path, path = full_disk_config(tmp_path, httpserver)
    real_open = cli_common.open_db
    monkeypatch.setattr(cli_common, "open_db", full_disk(real_open))
    argv = ["run", "--sources", str(sources), "--teams", str(teams_path)]
    argv += ["--db", str(path), "--now", iso(NOW)]
    for _ in range(3):
        result = CliRunner().invoke(cli.main, argv, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert f"error: database {path} cannot be written" in result.output
        assert "disk" in result.output and "full" in result.output
    assert channels(stub) == ["#ops"]  # told once, not once per run
    assert "cannot write its database" in stub.messages[0]["text"]

    monkeypatch.setattr(cli_common, "open_db", real_open)  # space again
    result = CliRunner().invoke(cli.main, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert channels(stub) == ["#ops", "#ops"]
    assert "can write its database again" in stub.messages[1]["text"]


def test_full_disk_in_the_worker_tells_ops_once(
    tmp_path: Path,
    stub: SlackStub,
    httpserver: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sources, teams_path, path = full_disk_config(tmp_path, httpserver)
    monkeypatch.setattr(schedule, "open_db", full_disk(schedule.open_db))
    settings = FetchSettings(attempts=1, respect_robots=False)
    worker = schedule.Worker(sources, teams_path, str(path), now=lambda: NOW, settings=settings)
    for _ in range(3):
        schedule.run_job("tick", worker.tick)  # logs the failure, never raises
    assert channels(stub) == ["#ops"]
    assert "Traceback" not in caplog.text and "cannot be used" in caplog.text
