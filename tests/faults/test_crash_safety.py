"""Crash safety: `sunset run` killed with SIGKILL at random points, over and over.

The guarantee checked here (and promised to operators):
- the database is never corrupt (`PRAGMA integrity_check` is "ok" after every kill);
- no decided alert is lost: an outbox row that existed before a kill still exists after it,
  pending, failed or sent (deciding is one transaction, so a kill leaves all or nothing);
- nothing is decided twice (idempotency keys), so a kill can only cause duplicate *sends*:
  delivery is at-least-once, and a kill between Slack accepting a message and the row being
  marked sent repeats that one message on the next run. Delivery is sequential, so each crash
  causes at most one duplicate message;
- the next run after the kills completes and delivers everything that was decided.

Kill points are seeded random delays over the part of a run after it starts fetching (store,
extract, decide, deliver), so failures reproduce. To keep 48 runs fast, each run is a process
forked from a parent that has already imported the CLI (the same `sunset run` code, minus a
second of imports per run); the last run is a plain `python -m pipeline run` subprocess.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from werkzeug import Request, Response

from tests.slack_stub import TOKEN, SlackStub

REPO = Path(__file__).resolve().parents[2]
RUNS = 48  # 40 with a kill at a random point, and
CLEAN_EVERY = 6  # every 6th left to finish: it must, and it re-times the work
SEED = 20261124
SOURCES = 4
TEAMS = 3
NOW = "2026-11-24T06:00:00Z"


class GrowingPage:
    """A deprecations table that gains one model per run, so every run decides new alerts."""

    def __init__(self, source: int, fetched: threading.Event) -> None:
        self.source = source
        self.models = 1
        self.fetched = fetched

    def __call__(self, request: Request) -> Response:
        self.fetched.set()
        rows = "".join(
            f"<tr><td>gpt-4-{self.source}{n:03d}</td><td>2027-01-04</td><td>gpt-4.1</td></tr>"
            for n in range(self.models)
        )
        body = (
            "<html><body><h1>Deprecations</h1><p>These models are deprecated and will be shut "
            "down.</p><table><tr><th>Model</th><th>Shutdown date</th><th>Replacement</th></tr>"
            f"{rows}</table></body></html>"
        )
        return Response(body, content_type="text/html; charset=utf-8")


# Reads one JSON argument list per line, forks a child that runs the CLI with it, prints the
# child's pid, then reads "kill" or "wait" and prints the child's exit code. Only this parent
# ever signals or reaps the child, so a pid is never reused between the two.
FORK_SERVER = """
import json, os, signal, sys, traceback
from pipeline.cli import main
import pipeline.ops.cycle, pipeline.alerts.notify.outbox  # what `run` imports lazily
for line in sys.stdin:
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.dup2(2, 1)
        code = 1
        try:
            main(json.loads(line), prog_name="sunset")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except BaseException:
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
    if sys.stdin.readline().strip() == "kill":
        os.kill(pid, signal.SIGKILL)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class ForkServer:
    def __init__(self, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def _send(self, line: str) -> str:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, "the fork server died"
        return answer.strip()

    def start(self, args: list[str]) -> None:
        self._send(json.dumps(args))

    def finish(self, *, kill: bool) -> int:
        """Exit code of the run: -9 if the kill found it still running."""
        return int(self._send("kill" if kill else "wait"))

    def close(self) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.log.close()


def outbox(db_path: Path) -> dict[int, tuple[str, str]]:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT id, idempotency_key, status FROM alerts").fetchall()
    finally:
        conn.close()
    return {row[0]: (row[1], row[2]) for row in rows}


def messages(stub: SlackStub) -> list[tuple[str, frozenset[str]]]:
    """Each Slack message as (channel, models it names): one outbox alert each."""
    return [
        (message.get("channel", "?"), frozenset(re.findall(r"gpt-4-\d{4}", str(message))))
        for message in stub.messages
    ]


def repeated_messages(stub: SlackStub) -> int:
    return sum(count - 1 for count in Counter(messages(stub)).values())


def decided_twice(stub: SlackStub) -> set[tuple[str, str]]:
    """(channel, model) pairs that reached Slack inside two different alerts."""
    alerts: dict[tuple[str, str], set[frozenset[str]]] = defaultdict(set)
    for channel, models in messages(stub):
        for model in models:
            alerts[channel, model].add(models)
    return {pair for pair, found in alerts.items() if len(found) > 1}


def test_kill_9_at_random_points(httpserver, tmp_path: Path) -> None:
    fetched = threading.Event()
    pages = [GrowingPage(n + 1, fetched) for n in range(SOURCES)]
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    lines = ["sources:"]
    for n, page in enumerate(pages):
        httpserver.expect_request(f"/p{n}").respond_with_handler(page)
        url = httpserver.url_for(f"/p{n}")
        lines.append(f"  - {{id: p{n}, provider: openai, format: html, url: '{url}'}}")
    (tmp_path / "sources.yml").write_text("\n".join(lines) + "\n")
    teams = ["teams:"] + [
        f"  - {{name: t{n}, slack_channel: '#t{n}', digest: off,"
        f" uses: [{{model: 'gpt-4-*', provider: openai}}]}}"
        for n in range(TEAMS)
    ]
    (tmp_path / "teams.yml").write_text("\n".join(teams) + "\n")
    db_path = tmp_path / "sunset.db"
    args = [
        *("-q", "run", "--now", NOW, "--db", str(db_path)),
        *("--sources", str(tmp_path / "sources.yml"), "--teams", str(tmp_path / "teams.yml")),
    ]
    log = tmp_path / "runs.log"

    with SlackStub() as stub:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "SUNSET_SLACK_API_URL": stub.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
        }
        server = ForkServer(tmp_path, env, log)

        def start_fetching() -> None:
            """Start a run and return once it fetches: what is left (store, extract, decide,
            deliver) is where a kill can hurt."""
            for page in pages:
                page.models += 1
            fetched.clear()
            server.start(args)
            assert fetched.wait(20), "the run never fetched"

        def clean_run() -> float:
            start_fetching()
            began = time.monotonic()
            assert server.finish(kill=False) == 0, log.read_text()[-3000:]
            return time.monotonic() - began

        try:
            work = clean_run()
            rng = random.Random(SEED)
            before = outbox(db_path)
            kills = 0
            for run in range(1, RUNS + 1):
                if run % CLEAN_EVERY == 0:
                    work = max(work, clean_run())  # the machine may be slower now
                else:
                    start_fetching()
                    time.sleep(rng.uniform(0, work))
                    code = server.finish(kill=True)
                    assert code in (0, -signal.SIGKILL), log.read_text()[-3000:]
                    kills += code == -signal.SIGKILL
                after = outbox(db_path)
                lost = {key for id_, (key, _) in before.items() if id_ not in after}
                assert not lost, f"alerts lost by a crash: {lost}"
                unsent = [k for id_, (k, st) in before.items() if st == "sent" != after[id_][1]]
                assert not unsent, f"sent alerts no longer sent: {unsent}"
                assert repeated_messages(stub) <= kills
                assert not decided_twice(stub)
                before = after
        finally:
            server.close()
        # The next run, a plain subprocess, completes and delivers everything left.
        for page in pages:
            page.models += 1
        final = subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert final.returncode == 0, final.stderr
        assert kills >= 20, f"only {kills} runs were still running at their kill point"
        rows = outbox(db_path)
        assert {status for _, status in rows.values()} == {"sent"}
        expected = {
            (f"#t{team}", f"gpt-4-{source}{n:03d}")
            for team in range(TEAMS)
            for source in range(1, SOURCES + 1)
            for n in range(pages[0].models)
        }
        sent = {(channel, model) for channel, models in messages(stub) for model in models}
        assert sent == expected  # every model reached every team, decided once,
        assert repeated_messages(stub) <= kills  # and at most one message repeated per crash
