"""`sunset deliver` killed with SIGKILL while Slack is taking its posts, 25 times (issue 23).

The Slack stand-in records each post and answers it only 0.4 s later, so most kills land
between Slack having the message and the outbox row saying `sent`. A claim left `sending`
is "maybe sent": the next run reads the channel's history for the message's metadata key
and posts only what is missing. Over 25 kills and 60 alerts: none lost, at most one
duplicate in all.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.core.clock import iso
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox
from storage.db import open_db
from tests.slack_stub import TOKEN, SlackStub

ALERTS = 60
KILLS = 25


def _enqueue(db_path: Path, now: dt.datetime) -> None:
    db = open_db(db_path)
    for n in range(ALERTS):
        alert = Alert(
            team="payments",
            channel="slack",
            kind="new",
            title=f"Deprecations k{n:02d}",
            items=(AlertItem(kind="new", provider="openai", model=f"m{n:02d}"),),
        )
        outbox.enqueue(
            db,
            team="payments",
            kind="new",
            channel="slack",
            idempotency_key=f"k{n:02d}",
            payload=alert.to_payload(),
            now=iso(now),
        )
    db.close()


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL timing as on the servers")
def test_kill_9_during_delivery_loses_nothing_and_repeats_at_most_one(tmp_path: Path) -> None:
    teams = tmp_path / "teams.yml"
    teams.write_text(
        "delivery:\n  slack: {token_env: SW_KILL_TOKEN}\n  ops: {slack_channel: '#ops'}\n"
        "teams:\n  - {name: payments, slack_channel: '#pay', digest: off}\n"
    )
    db_path = tmp_path / "sunset.db"
    _enqueue(db_path, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    rng = random.Random(23)
    with SlackStub() as stub:
        env = {**os.environ, "SW_KILL_TOKEN": TOKEN, "SUNSET_SLACK_API_URL": stub.api_url}
        args = [sys.executable, "-m", "pipeline", "deliver", "--db", str(db_path)]
        args += ["--teams", str(teams)]
        stub.stall_next(10_000, 0.4)
        for _ in range(KILLS):
            before = len(stub.messages)
            process = subprocess.Popen(
                args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 20
            while len(stub.messages) == before and time.monotonic() < deadline:
                time.sleep(0.01)  # wait for this run's first post to reach Slack
            time.sleep(rng.uniform(0.0, 0.5))
            process.kill()
            process.wait()
        stub.clear_faults()
        with stub._lock:
            stub._stalls.clear()
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        copies = Counter(
            m["text"].split("\n", 1)[0] for m in stub.messages if m["channel"] == "#pay"
        )
    db = open_db(db_path)
    assert outbox.counts(db).get("sent", 0) >= ALERTS
    assert {f"Deprecations k{n:02d}" for n in range(ALERTS)} <= set(copies)  # none lost
    duplicates = sum(n - 1 for n in copies.values())
    assert duplicates <= 1, copies.most_common(3)
