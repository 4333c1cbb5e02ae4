"""`sunset run --now` end to end: a new alert, then reminder catch-up over a skipped week.

Real local servers: pytest-httpserver for the provider page, the Slack stub for delivery.
"""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.cli import main
from tests.slack_stub import TOKEN, SlackStub

PAGE = """<html><body><h2>2026-11-01: Zeta 1</h2>
<table><tr><th>Shutdown date</th><th>Model</th><th>Replacement</th></tr>
<tr><td>2026-12-20</td><td>zeta-1</td><td>zeta-3</td></tr></table></body></html>"""


def test_run_with_now_sends_new_then_one_catch_up_reminder(tmp_path, httpserver, monkeypatch):
    httpserver.expect_request("/deprecations").respond_with_data(PAGE, content_type="text/html")
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n"
        f"  - {{id: zeta, provider: zeta, url: '{httpserver.url_for('/deprecations')}', "
        "format: html, interval: 5}\n"
    )
    teams = tmp_path / "teams.yml"
    teams.write_text(
        "delivery: {slack: {token_env: TEST_SLACK_TOKEN}}\n"
        "teams:\n"
        "  - {name: core, slack_channel: '#core', uses: [{model: zeta-1, provider: zeta}]}\n"
    )
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    with SlackStub() as slack:
        monkeypatch.setenv("TEST_SLACK_TOKEN", TOKEN)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)

        def run(now: str) -> str:
            args = ["run", "--sources", str(sources), "--teams", str(teams), "--db", db, "--commit"]
            result = runner.invoke(main, [*args, "--now", now])
            assert result.exit_code == 0, result.output
            return result.output

        assert "1 alert decided" in run("2026-11-24T06:00:00")  # 26 days left: new
        assert "0 alerts decided" in run("2026-11-25T06:00:00")
        # No run for three weeks: 5 days left -> only the 7-day reminder, once.
        assert "1 alert decided" in run("2026-12-15T06:00:00")
        assert "0 alerts decided" in run("2026-12-16T06:00:00")
        texts = [message["text"] for message in slack.messages]

    assert len(texts) == 2
    assert "zeta-1" in texts[0] and "in 26 days" in texts[0]
    assert "Reminder" in texts[1] and "in 5 days" in texts[1]

    upcoming = runner.invoke(
        main, ["upcoming", "--db", db, "--team", "core", "--now", "2026-12-15"]
    )
    assert upcoming.exit_code == 0
    assert "2026-12-20" in upcoming.output and "zeta-1" in upcoming.output
