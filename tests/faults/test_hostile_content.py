"""Hostile scraped text end to end: page -> store (raw) -> Slack and e-mail (escaped).

A provider page carrying Slack control sequences, HTML, bidi overrides and NUL bytes goes
through a real cycle; the database keeps the text as scraped, while what reaches the Slack
stub and the SMTP sink is escaped. A sentinel token never leaves the environment.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.core.config import SourceConfig, TeamsFile
from pipeline.fetch import FetchSettings
from pipeline.ops.cycle import run_cycle
from tests.slack_stub import SlackStub, SmtpSink

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
SENTINEL_TOKEN = "xoxb-SENTINEL-9f8e7d6c5b4a"
HOSTILE = (
    "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; "
    "&lt;script&gt;alert(1)&lt;/script&gt; "
    "&lt;javascript:alert(2)|click me&gt; \u202eevil\u202c"
)
PAGE = f"""<html><body><h2>2026-10-01: Old models</h2>
<table><tr><th>Shutdown date</th><th>Model</th><th>Replacement</th><th>Notes</th></tr>
<tr><td>2027-01-04</td><td>zeta-1</td><td>zeta-3</td><td>{HOSTILE}</td></tr>
</table></body></html>"""


def test_hostile_text_is_raw_in_db_and_escaped_in_delivery(db, httpserver, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/page").respond_with_data(
        PAGE.encode() + b"\x00", content_type="text/html; charset=utf-8"
    )
    with SlackStub(token=SENTINEL_TOKEN) as slack, SmtpSink() as smtp:
        monkeypatch.setenv("SUNSET_TEST_TOKEN", SENTINEL_TOKEN)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        teams = TeamsFile.model_validate(
            {
                "delivery": {
                    "slack": {"token_env": "SUNSET_TEST_TOKEN"},
                    "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp.port},
                },
                "teams": [
                    {
                        "name": "core",
                        "slack_channel": "#core",
                        "email": ["core@example.com"],
                        "uses": [{"model": "zeta-1"}],
                    }
                ],
            }
        )
        source = SourceConfig(
            id="hostile", provider="zeta", url=httpserver.url_for("/page"), format="html"
        )
        settings = FetchSettings(attempts=1, respect_robots=False)
        report = run_cycle(db, [source], now=NOW, teams=teams, settings=settings)
        assert report.records_new == 1 and report.alerts_created == 2
        delivered = deliver_due(db, build_notifiers(teams), now=NOW)
        assert delivered.sent == 2

        evidence = next(db.query("SELECT evidence FROM records"))["evidence"]
        assert "<!channel>" in evidence and "<script>" in evidence  # raw text kept

        message = json.dumps(slack.messages, ensure_ascii=False)
        for raw in ("<!channel>", "<!here>", "<@U123>", "<javascript:", "\u202e"):
            assert raw not in message, raw
        assert "&lt;!channel&gt;" in message

        (mail,) = smtp.messages
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert 'href="javascript:' not in html

    dump = "\n".join(db.conn.iterdump())
    assert SENTINEL_TOKEN not in dump
    assert SENTINEL_TOKEN not in caplog.text
