"""`sunset notify test` (issue 20 item 5): a marked sample to each destination, reported per
destination, through the real local Slack and SMTP stand-ins; nothing enters the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db
from tests.slack_stub import SlackStub, SmtpSink, point_env_at


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStub]:
    with SlackStub() as running:
        point_env_at(monkeypatch, running)
        monkeypatch.delenv("SW_TEST_UNSET_HOOK", raising=False)
        yield running


def _teams(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "teams.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "delivery": {
                    "slack": {"token_env": "SW_TEST_SLACK_TOKEN"},
                    "email": {"smtp_host": "127.0.0.1", "smtp_port": port, "timeout": 5},
                },
                "teams": [
                    {"name": "payments", "slack_channel": "#pay", "email": ["pay@example.com"]},
                    {"name": "search", "webhook_env": "SW_TEST_SEARCH_HOOK"},
                    {"name": "infra", "webhook_env": "SW_TEST_UNSET_HOOK"},
                ],
            }
        )
    )
    return path


def test_one_team_every_destination(tmp_path, stub):
    with SmtpSink() as sink:
        teams = _teams(tmp_path, sink.port)
        result = CliRunner().invoke(
            main, ["notify", "test", "--team", "payments", "--teams", str(teams)]
        )
    assert result.exit_code == 0, result.output
    assert "payments slack #pay: sent" in result.output
    assert "payments email pay@example.com: sent" in result.output
    assert len(stub.messages) == 1 and len(sink.messages) == 1
    assert "TEST — Sunset Watch test notification" in stub.messages[0]["text"]
    assert "not a real model" in stub.messages[0]["blocks"][1]["text"]["text"]
    assert sink.messages[0]["Subject"].startswith("TEST — Sunset Watch test notification")
    assert not (tmp_path / "sunset.db").exists()


def test_every_team_reports_the_failure_and_fails(tmp_path, stub):
    with SmtpSink() as sink:
        teams = _teams(tmp_path, sink.port)
        result = CliRunner().invoke(main, ["notify", "test", "--teams", str(teams)])
    assert result.exit_code == 1
    assert "search slack webhook:SW_TEST_SEARCH_HOOK: sent" in result.output
    assert "infra slack webhook:SW_TEST_UNSET_HOOK: failed: environment variable" in result.output
    assert "1 of 4 test notifications failed" in result.output
    assert len(stub.webhook_messages) == 1


def test_smtp_down_is_a_failed_destination(tmp_path, stub):
    teams = _teams(tmp_path, 1)  # nothing listens on port 1
    result = CliRunner().invoke(
        main, ["notify", "test", "--team", "payments", "--teams", str(teams)]
    )
    assert result.exit_code == 1
    assert "payments slack #pay: sent" in result.output
    assert "payments email pay@example.com: failed:" in result.output


def test_unknown_team_names_the_known_ones(tmp_path, stub):
    teams = _teams(tmp_path, 1)
    result = CliRunner().invoke(
        main, ["notify", "test", "--team", "paymnts", "--teams", str(teams)]
    )
    assert result.exit_code == 2
    assert "known: payments, search, infra" in result.output
    assert stub.messages == []


def test_leaves_no_alert_rows(tmp_path, stub, monkeypatch):
    db_path = tmp_path / "sunset.db"
    open_db(str(db_path)).close()
    monkeypatch.chdir(tmp_path)
    with SmtpSink() as sink:
        teams = _teams(tmp_path, sink.port)
        assert (
            CliRunner()
            .invoke(main, ["notify", "test", "--team", "payments", "--teams", str(teams)])
            .exit_code
            == 0
        )
    db = open_db(str(db_path))
    assert db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM alert_keys").fetchone()[0] == 0
