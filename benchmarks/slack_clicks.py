"""Slack click acknowledgement time at the request URL, against Slack's 3-second budget.

Slack shows the clicker an error when the request URL does not answer within 3 seconds, so
the server acknowledges first and sets the hold on a worker. This script builds a store with
TEAMS teams exposed to one model, starts the real request URL server (uvicorn) on a free
port, posts CLICKS signed clicks (Acknowledge, one per team, each a fresh signature) one
after another, and prints the median and 95th percentile of the acknowledgement time, the
throughput of clicks fully handled (hold stored and answered; the answer is collected
in-process instead of posted to Slack), and the p95 as a ratio of the 3 s budget (the floor:
at most 0.05, that is 150 ms on a shared 2-core machine).

    python benchmarks/slack_clicks.py [--clicks N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from pipeline.alerts.decide import decide
from pipeline.alerts.slack_actions.buttons import ACK, value
from pipeline.alerts.slack_actions.guard import RequestGuard
from pipeline.alerts.slack_actions.handler import ClickHandler
from pipeline.alerts.slack_actions.request_url import RequestUrlServer, SlackActionsApp
from pipeline.core.config import TeamsFile
from storage import records as record_store
from storage import sources as source_store
from storage.db import open_db, transaction

SECRET = "0123456789abcdef0123456789abcdef"
MODEL = "gpt-4o-2024-05-13"
NOW = dt.datetime(2026, 11, 24, 6, tzinfo=dt.UTC)
BUDGET_MS = 3000.0
FLOOR = 0.05


def _store(path: str, teams: int) -> None:
    db = open_db(path)
    source = {"id": "s1", "provider": "openai", "url": "https://e.test/", "format": "html"}
    source_store.sync_sources(db, [{**source, "interval_minutes": 60, "enabled": 1}])
    record = {
        "provider": "openai",
        "kind": "model",
        "model": MODEL,
        "aliases": [],
        "shutdown_date": "2027-03-01",
        "shutdown_kind": "firm",
        "announced_date": None,
        "replacements": [],
        "status": "deprecated",
        "evidence": "",
        "url": "https://e.test/",
    }
    with transaction(db):
        record_store.apply_source_records(
            db, source_id="s1", records=[record], snapshot_sha256="x", now=NOW.isoformat(),
            run_id=None,
        )  # fmt: skip
    config = TeamsFile.model_validate(
        {
            "teams": [
                {"name": f"team{n}", "slack_channel": f"#t{n}", "uses": [{"model": MODEL}]}
                for n in range(teams)
            ]
        }
    )
    decide(db, config, now=NOW)
    db.close()


def _click(team: str, ts: int) -> tuple[bytes, dict[str, str]]:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0BENCH", "username": "bench"},
        "response_url": "https://hooks.slack.com/actions/T0/1/x",
        "message": {"ts": "1.1", "text": "alert", "blocks": []},
        "actions": [
            {
                "action_id": ACK,
                "block_id": "sunset_actions_0",
                "value": value(team, "openai", MODEL),
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sig,
    }
    return body, headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=300)
    args = parser.parse_args()
    answers: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "sunset.db")
        _store(path, args.clicks)
        app = SlackActionsApp(
            RequestGuard(SECRET, time.time),
            ClickHandler(
                lambda: open_db(path), lambda: NOW, lambda _url, body: answers.append(body)
            ),
        )
        times = []
        with RequestUrlServer(app, "127.0.0.1", 0) as server, httpx.Client() as client:
            started = time.perf_counter()
            for n in range(args.clicks):
                body, headers = _click(f"team{n}", int(time.time()))
                sent = time.perf_counter()
                status = client.post(server.url, content=body, headers=headers).status_code
                times.append((time.perf_counter() - sent) * 1000)
                assert status == 200, status
            app.drain(timeout=120)
            handled = time.perf_counter() - started
        db = open_db(path)
        held = db.execute("SELECT count(*) FROM exposure_actions WHERE via = 'slack'").fetchone()[0]
        db.close()
    assert held == args.clicks and len(answers) == args.clicks, (held, len(answers))
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"clicks: {args.clicks}, all held and answered")
    print(f"acknowledgement: median {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"handled: {args.clicks / handled:.0f} clicks/s (signature, hold, answer)")
    ratio = p95 / BUDGET_MS
    verdict = "ok" if ratio <= FLOOR else "SLOW"
    print(f"p95 / Slack's 3 s budget: {ratio:.4f} (floor {FLOOR}: {verdict})")


if __name__ == "__main__":
    main()
