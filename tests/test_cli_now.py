"""`--now` against a real database (issue 13): a pretended future time writes no decision
and sends nothing unless `--commit`, so it never suppresses the real alerts later; dates
outside what the program can compute with give one clear error.

The wall clock is injected (`pipeline.core.clock.utcnow`); real local servers serve the page and
stand in for Slack.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli
from pipeline.core import clock as clock_module
from tests.slack_stub import TOKEN, SlackStub, SmtpSink
from tests.test_cli_run import PAGE

REAL_NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def setup(tmp_path: Path, httpserver, monkeypatch: pytest.MonkeyPatch):
    httpserver.expect_request("/d").respond_with_data(PAGE, content_type="text/html")
    (tmp_path / "sources.yml").write_text(
        f"sources:\n  - {{id: zeta, provider: zeta, url: '{httpserver.url_for('/d')}', "
        "format: html, interval: 5}\n"
    )
    smtp = SmtpSink()  # a send that fails would make `run` exit 1 (the exit-code contract)
    (tmp_path / "teams.yml").write_text(
        "delivery: {slack: {token_env: TEST_NOW_TOKEN},"
        f" email: {{smtp_host: 127.0.0.1, smtp_port: {smtp.port}, timeout: 2}}}}\n"
        "teams:\n  - {name: core, slack_channel: '#core', email: [core@example.com],"
        " uses: [{model: zeta-1, provider: zeta}]}\n"
    )
    clock = [REAL_NOW]
    monkeypatch.setattr(clock_module, "utcnow", lambda: clock[0])
    with SlackStub() as slack, smtp:
        monkeypatch.setenv("TEST_NOW_TOKEN", TOKEN)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        yield tmp_path, clock, slack


def invoke(*argv: str) -> str:
    result = CliRunner().invoke(cli.main, list(argv), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_future_now_writes_and_sends_nothing_and_suppresses_nothing(setup) -> None:
    tmp, clock, slack = setup
    db = str(tmp / "s.db")
    run = ["run", "--sources", str(tmp / "sources.yml"), "--teams", str(tmp / "teams.yml")]
    run += ["--db", db]

    output = invoke(*run, "--now", "2026-12-15T06:00:00")  # 5 days before the shutdown
    assert "nothing is written or sent" in output and "2 alerts decided" in output
    assert not slack.messages and not Path(db).exists()

    assert "2 alerts decided" in invoke(*run)  # the real first run: Slack and e-mail
    output = invoke(*run, "--now", "2026-12-15T06:00:00")  # again, now with a store
    assert "nothing is written or sent" in output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 2
    assert "nothing is written or sent" in invoke(
        "deliver", "--teams", str(tmp / "teams.yml"), "--db", db, "--now", "2027-06-01"
    )
    digest = ["digest", "--teams", str(tmp / "teams.yml"), "--db", db, "--team", "core"]
    assert "Subject:" in invoke(*digest, "--now", "2026-12-01")  # printed, not queued
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 2

    clock[0] = dt.datetime(2026, 12, 15, 6, 0, tzinfo=dt.UTC)  # real time catches up
    assert "2 alerts decided" in invoke(*run)  # the reminder was not used up by the pretence
    texts = [message["text"] for message in slack.messages]
    assert len(texts) == 2 and "Reminder" in texts[1] and "in 5 days" in texts[1]

    output = invoke(*run, "--now", "2027-01-10", "--commit")  # asked for: really done
    assert "nothing is written" not in output and "alerts decided" in output


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01", "0001-01-01T00:00:00+05:00"])
@pytest.mark.parametrize("command", ["run", "deliver", "digest", "upcoming", "export", "extract"])
def test_extreme_now_gives_one_clear_error(setup, command: str, when: str) -> None:
    tmp, _, slack = setup
    page = tmp / "page.html"
    page.write_text(PAGE)
    config = {
        "run": ["--sources", str(tmp / "sources.yml"), "--teams", str(tmp / "teams.yml")],
        "deliver": ["--teams", str(tmp / "teams.yml")],
        "digest": ["--teams", str(tmp / "teams.yml"), "--team", "core"],
        "upcoming": [],
        "export": ["--format", "ics"],
        "extract": [str(page)],
    }[command]
    db = [] if command == "extract" else ["--db", str(tmp / "s.db")]
    result = CliRunner().invoke(cli.main, [command, *config, *db, "--now", when])
    assert result.exit_code == 2, result.output
    assert "outside the supported years" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not slack.messages


def test_upcoming_far_look_ahead_is_bounded(setup) -> None:
    tmp, _, _ = setup
    result = CliRunner().invoke(
        cli.main, ["upcoming", "--db", str(tmp / "s.db"), "--days", "999999999"]
    )
    assert result.exit_code == 2 and "--days" in result.output
