"""`sunset digest --team T` delivers T's alerts only (issue 19, major 3: it also delivered
every other team's queued alerts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.clock import iso
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox
from storage.db import open_db
from tests.slack_stub import SmtpSink

NOW = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def test_digest_for_one_team_leaves_other_teams_alerts_queued(
    tmp_path: Path, sink: SmtpSink
) -> None:
    teams = tmp_path / "teams.yml"
    teams.write_text(
        f"""delivery:
  email: {{smtp_host: 127.0.0.1, smtp_port: {sink.port}, timeout: 5}}
teams:
  - name: payments
    email: [pay@example.com]
  - name: search
    email: [search@example.com]
"""
    )
    db_path = tmp_path / "s.db"
    db = open_db(db_path)
    db["teams"].insert_all([{"name": "payments"}, {"name": "search"}])
    for team in ("payments", "search"):
        alert = Alert(
            team=team,
            channel="email",
            kind="new",
            title=f"New for {team}",
            items=(AlertItem(kind="new", provider="acme", model=f"{team}-m"),),
        )
        outbox.enqueue(
            db, team=team, kind="new", channel="email", idempotency_key=f"k-{team}",
            payload=alert.to_payload(), now=iso(NOW),
        )  # fmt: skip
    db.close()
    args = ["digest", "--teams", str(teams), "--db", str(db_path), "--team", "payments"]
    result = CliRunner().invoke(main, [*args, "--now", iso(NOW)])
    assert result.exit_code == 0, result.output
    recipients = sorted(rcpt for _, rcpts in sink.envelopes for rcpt in rcpts)
    assert recipients == ["pay@example.com", "pay@example.com"]  # its alert and its digest
    db = open_db(db_path)
    status = dict(db.execute("SELECT team, status FROM alerts WHERE kind = 'new'").fetchall())
    assert status == {"payments": "sent", "search": "pending"}
