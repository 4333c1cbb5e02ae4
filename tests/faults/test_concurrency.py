"""Several workers on one database: the `cycle` lock lets one cycle run at a time, and
concurrent writers queue on SQLite's busy timeout instead of crashing "database is locked"."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

import pipeline.ops.worker as schedule
from pipeline.fetch import FetchSettings
from pipeline.ops.worker import Worker
from storage.db import open_db
from tests.slack_stub import TOKEN, SlackStub

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(attempts=1, backoff_initial=0.01, backoff_max=0.01, respect_robots=False)


class SlowPage:
    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __call__(self, request: Request) -> Response:
        time.sleep(self.delay)
        return Response(
            "<html><body><p>These models are deprecated and will be shut down.</p><table>"
            "<tr><th>Model</th><th>Shutdown date</th><th>Replacement</th></tr>"
            "<tr><td>gpt-4-0613</td><td>2027-01-04</td><td>gpt-4.1</td></tr></table></body></html>",
            content_type="text/html; charset=utf-8",
        )


def write_config(httpserver, tmp_path: Path, delay: float) -> tuple[Path, Path, Path]:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_handler(SlowPage(delay))
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  - {id: page, provider: openai, format: html, interval: 60,\n"
        f"     url: '{httpserver.url_for('/page')}'}}\n"
    )
    teams = tmp_path / "teams.yml"
    teams.write_text(
        "teams:\n  - {name: core, slack_channel: '#core', digest: off,"
        " uses: [{model: gpt-4-0613, provider: openai}]}\n"
    )
    db_path = tmp_path / "sunset.db"
    open_db(db_path).close()
    return sources, teams, db_path


def test_threads_never_run_two_cycles_at_once(
    httpserver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, teams, db_path = write_config(httpserver, tmp_path, delay=0.1)
    threads, rounds = 4, 5
    active, peak, cycles, results = [0], [0], [0], []
    guard = threading.Lock()
    real_cycle = schedule.run_cycle

    def counting_cycle(*args, **kwargs):
        with guard:
            active[0] += 1
            cycles[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            return real_cycle(*args, **kwargs)
        finally:
            with guard:
                active[0] -= 1

    monkeypatch.setattr(schedule, "run_cycle", counting_cycle)
    clock = [NOW]
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        worker = Worker(sources, teams, str(db_path), now=lambda: clock[0], settings=FAST)
        try:
            for round_ in range(rounds):
                if barrier.wait() == 0:
                    clock[0] = NOW + dt.timedelta(hours=2 * round_)  # the source is due again
                barrier.wait()
                results.append(worker.tick())
                worker.deliver()
                worker.reminders()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert peak[0] == 1, results
    assert cycles[0] == rounds, (
        results
    )  # one cycle per round: the others were busy or found nothing due
    assert sum(r.startswith("run ") for r in results) == rounds
    assert {r for r in results if not r.startswith("run ")} <= {"lock busy", "no source due"}
    assert "lock busy" in results, results
    db = open_db(db_path)
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == rounds
    assert db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    db.close()


def spawn(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_processes_share_one_database(httpserver, tmp_path: Path) -> None:
    sources, teams, db_path = write_config(httpserver, tmp_path, delay=0.4)
    files = ["--sources", str(sources), "--teams", str(teams), "--db", str(db_path)]
    with SlackStub() as stub:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "SUNSET_SLACK_API_URL": stub.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
        }
        # Two workers at once: one runs the cycle, the other finds the lock busy (or, if it
        # started late, nothing due).
        workers = [spawn(["worker", "--once", *files], tmp_path, env) for _ in range(2)]
        outputs = [process.communicate(timeout=30) for process in workers]
        for process, (_, stderr) in zip(workers, outputs, strict=True):
            assert process.returncode == 0, stderr
            assert "database is locked" not in stderr and "Traceback" not in stderr
        logs = [stderr for _, stderr in outputs]
        assert sum("job tick: end: run " in log for log in logs) == 1, logs
        assert any("lock cycle busy" in log or "no source due" in log for log in logs), logs

        # `sunset run` three at a time, plus a worker: they share the cycle lock, so each
        # either runs its cycle or says it skipped; none crashes.
        runs = [spawn(["run", *files], tmp_path, env) for _ in range(3)]
        runs.append(spawn(["worker", "--once", *files], tmp_path, env))
        ran = 0
        for process in runs:
            stdout, stderr = process.communicate(timeout=30)
            assert process.returncode == 0, stderr
            assert "database is locked" not in stderr and "Traceback" not in stderr
            ran += stdout.startswith("run ") or "job tick: end: run " in stderr
            assert (
                stdout.startswith("run ")
                or "skipped" in stdout + stderr
                or "no source due" in (stderr)
            ), (stdout, stderr)
        assert ran >= 1

    db = open_db(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*) FROM runs WHERE finished IS NOT NULL").fetchone()[0] >= 2
    keys = [row[0] for row in db.execute("SELECT idempotency_key FROM alerts").fetchall()]
    assert len(keys) == len(set(keys)) == 1  # one alert for core, decided once
    db.close()
