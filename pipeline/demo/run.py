"""`sunset demo`: the whole product, offline, in under 30 seconds.

Serves the bundled sample pages (HTML, Markdown, RSS) on loopback, runs a cycle with a sample
teams.yml (with usage pulled from sample OpenTelemetry files, so alerts show real call
volumes), delivers Slack messages to a local capture server and e-mails to a local SMTP
capture (both written to files), then simulates the next day with a moved date and a new
deprecation, and prints the upcoming-shutdowns table.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from pipeline.core.config import load_sources, load_teams
from pipeline.core.wording import count
from pipeline.demo import folder as demo_folder
from pipeline.demo.dates import DAY_TWO_WRITTEN, demo_days, shift_dates
from pipeline.demo.servers import PageServer, SlackCapture, SmtpCapture
from pipeline.ops.cycle import run_cycle
from pipeline.ops.pulls import pull_sources
from storage.db import open_db

DEMO_TOKEN = "xoxb-demo-token"

SOURCES = """\
sources:
  - {{id: acme-deprecations, provider: acme, url: "{pages}acme-deprecations.html", format: html}}
  - {{id: nimbus-deprecations, provider: nimbus, url: "{pages}nimbus-deprecations.md",
      format: markdown}}
  - {{id: acme-news, provider: acme, url: "{pages}news.xml", format: rss}}
"""

TEAMS = """\
delivery:
  slack: {{token_env: SUNSET_DEMO_SLACK_TOKEN, api_url: "{slack}/api/"}}
  email: {{smtp_host: 127.0.0.1, smtp_port: {smtp_port}, tls: none,
          sender: sunset-demo@example.com}}
  ops: {{slack_channel: "#ml-platform-ops", email: [ml-platform@example.com]}}
teams:
  - name: payments
    slack_channel: "#payments-alerts"
    email: [payments-oncall@example.com]
    digest: {{time: "08:00", timezone: Europe/Berlin}}
    uses:
      - {{model: acme-chat-2-1106, provider: acme}}
      - {{model: nimbus-large-1, provider: nimbus}}
      - {{model: acme-chat-3, provider: acme}}
  - name: search
    webhook_env: SUNSET_DEMO_SEARCH_WEBHOOK
    email: [search-team@example.com]
    uses:
      - {{model: "acme-embed-*", provider: acme}}
  - name: platform
    slack_channel: "#platform"
    email: [platform@example.com]
    uses:
      - {{model: nimbus-code-1, provider: "*"}}
      - {{model: acme-vision-1, provider: acme}}
usage_sources:
  - id: otel-demo
    kind: otel_files
    path: "{otel}"
    teams:
      - {{match: "checkout-*", team: payments}}
      - {{match: search-api, team: search}}
"""

# What the teams' services really called (OTLP/JSON as a collector's file exporter writes
# it): service, model, calls per day, time of the day's last call.
USAGE = (
    ("checkout-bot", "acme-chat-2-1106", 5890, "09:14"),
    ("checkout-bot", "nimbus-large-1", 120, "08:02"),
    ("search-api", "acme-embed-v1", 23000, "09:40"),
    ("batch-reports", "acme-chat-2-1106", 75, "03:00"),  # no rule: unowned usage
)


def _write_usage(folder: Path, now: dt.datetime) -> None:
    """A week of GenAI metrics (delta histograms of gen_ai.client.operation.duration)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for service, model, calls, last in USAGE:
        points = []
        for back in range(7, 0, -1):
            day = (now - dt.timedelta(days=back)).date()
            hour, minute = (int(part) for part in last.split(":"))
            moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)
            points.append(
                {
                    "startTimeUnixNano": str(int(moment.timestamp() - 86400) * 10**9),
                    "timeUnixNano": str(int(moment.timestamp()) * 10**9),
                    "count": str(calls),
                    "sum": calls * 0.8,
                    "attributes": [
                        {"key": "gen_ai.request.model", "value": {"stringValue": model}},
                        {"key": "gen_ai.provider.name", "value": {"stringValue": "acme"}},
                    ],
                }
            )
        metric = {
            "name": "gen_ai.client.operation.duration",
            "unit": "s",
            "histogram": {"aggregationTemporality": 1, "dataPoints": points},
        }
        resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
        export = {
            "resourceMetrics": [{"resource": resource, "scopeMetrics": [{"metrics": [metric]}]}]
        }
        lines.append(json.dumps(export))
    (folder / "metrics.jsonl").write_text("\n".join(lines) + "\n")


def _copy_day(day: str, target: Path, shift: int) -> None:
    """Copy a day's sample pages, every date moved by `shift` days."""
    target.mkdir(parents=True, exist_ok=True)
    folder = resources.files("pipeline.demo") / "data" / day
    for entry in folder.iterdir():
        text = entry.read_bytes().decode("utf-8")
        (target / entry.name).write_bytes(shift_dates(text, shift).encode("utf-8"))


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(out: Path, echo: Callable[[str], None] = print, today: dt.date | None = None) -> int:
    """Run the demo into folder `out`; return how many Slack messages and e-mails were sent.

    Its second day is `today` (default: the real today, UTC) and its first the day before;
    the sample pages are re-dated to match, so browsing the result afterwards agrees with
    what the demo printed.

    `out` must be missing, empty or a previous demo output (see `pipeline.demo.folder`):
    files the demo did not write are never deleted or overwritten.
    """
    kept = demo_folder.prepare(out)
    try:
        return _run(out, echo, today or dt.datetime.now(dt.UTC).date())
    finally:
        demo_folder.finish(out, kept)


def _run(out: Path, echo: Callable[[str], None], today: dt.date) -> int:
    from pipeline.alerts.notify.outbox import build_notifiers, deliver_due

    day_one, day_two = demo_days(today)
    shift = (today - DAY_TWO_WRITTEN).days
    pages = out / "pages"
    _copy_day("day1", pages, shift)
    emails: list = []
    with (
        PageServer(pages) as page_server,
        SlackCapture(out / "slack", DEMO_TOKEN) as slack,
        SmtpCapture(out / "email", emails.append) as smtp,
    ):
        (out / "sources.yml").write_text(SOURCES.format(pages=page_server.url))
        (out / "teams.yml").write_text(
            TEAMS.format(slack=slack.base, smtp_port=smtp.port, otel=(out / "otel").resolve())
        )
        sources = load_sources(out / "sources.yml")
        teams = load_teams(out / "teams.yml")
        db = open_db(out / "demo.db")
        env = {
            "SUNSET_DEMO_SLACK_TOKEN": DEMO_TOKEN,
            "SUNSET_DEMO_SEARCH_WEBHOOK": f"{slack.base}/webhook/search",
            "SUNSET_SLACK_API_URL": f"{slack.base}/api/",
        }
        with _environment(env):
            for day, now in (("day 1", day_one), ("day 2", day_two)):
                if day == "day 2":
                    _copy_day("day2", pages, shift)
                echo(f"\n=== {day}: {now:%Y-%m-%d} ===")
                _write_usage(out / "otel", now)
                for pulled in pull_sources(db, teams, now=now):
                    echo(
                        f"usage: {pulled.source_id}: {pulled.buckets} day buckets for "
                        f"{', '.join(sorted(pulled.teams))}"
                        + (f"; unowned: {', '.join(pulled.unowned)}" if pulled.unowned else "")
                    )
                report = run_cycle(db, sources.sources, now=now, teams=teams)
                echo(
                    f"cycle: {count(report.sources, 'source')} fetched, "
                    f"{count(report.records_new, 'new record')}, "
                    f"{report.records_changed} changed, {count(report.alerts_created, 'alert')} "
                    "decided"
                )
                slack_before, email_before = len(slack.messages), len(emails)
                delivery = deliver_due(db, build_notifiers(teams), now=now)
                _queue_digests(db, teams, now)
                deliver_due(db, build_notifiers(teams), now=now)
                echo(f"delivery: {count(delivery.sent, 'alert')} sent, {delivery.failed} to retry")
                _summarise(slack.messages[slack_before:], emails[email_before:], echo)
        _print_upcoming(db, day_two, echo)
        db.close()
    echo(
        textwrap.dedent(
            f"""
            Files: Slack messages in {out / "slack"}, e-mails in {out / "email"}.
            Browse everything:  sunset serve --db {out / "demo.db"}
            """
        )
    )
    return len(slack.messages) + len(emails)


def _queue_digests(db, teams, now: dt.datetime) -> None:
    from pipeline.alerts.notify.digest import queue_digest

    for team in teams.teams:
        if team.digest is not None and team.email:
            queue_digest(db, teams, team, now=now)


def _summarise(slack_messages: list, emails: list, echo) -> None:
    for message in slack_messages:
        lines = html.unescape(message.get("text", "")).splitlines() or [""]
        echo(f"  Slack {message.get('channel', '?')}: {lines[0]}")
        for line in lines[1:]:
            echo(f"      {line}")
    for message in emails:
        echo(f"  E-mail to {message['To']}: {message['Subject']}")


def _print_upcoming(db, now: dt.datetime, echo) -> None:
    today = now.date()
    echo("\nUpcoming shutdowns (all teams):")
    rows = list(
        db.query(
            """SELECT r.shutdown_date, r.shutdown_kind, r.provider, r.model, r.replacements,
                      (SELECT group_concat(team, ', ') FROM exposures e
                        WHERE e.record_id = r.id AND e.active = 1) AS teams
               FROM records r WHERE r.kind = 'model' AND r.shutdown_date >= ?
               ORDER BY r.shutdown_date, r.model""",
            [today.isoformat()],
        )
    )
    for row in rows:
        left = (dt.date.fromisoformat(row["shutdown_date"]) - today).days
        replacement = ", ".join(json.loads(row["replacements"])) or "-"
        echo(
            f"  {row['shutdown_date']}  {left:>4}d  {row['provider']:7} {row['model']:24} "
            f"-> {replacement:28} {row['teams'] or ''}"
        )
