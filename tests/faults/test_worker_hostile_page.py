"""A page whose extraction never ends, in a real `sunset worker` process.

While that page's extraction spins (a pure-Python loop, which holds the GIL wherever it
runs), the worker must still deliver the other source's alert, keep its cycle lock alive,
and stop on SIGTERM within seconds. `kill -9` of the worker must take its extraction
processes (and multiprocessing's helpers) with it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.slack_stub import TOKEN, SlackStub

REPO = Path(__file__).resolve().parents[2]
STOP_SECONDS = 30  # the README's promise for SIGTERM with a page stuck in extraction
GOOD = """<html><body><h1>Deprecations</h1>
<table><tr><th>Model</th><th>Shutdown date</th><th>Replacement</th></tr>
<tr><td>gpt-4-0613</td><td>2027-01-04</td><td>gpt-4.1</td></tr></table></body></html>"""
EVIL = "<html><body><p>HANG-THE-WORKER</p></body></html>"
TEAMS = """teams:
  - name: core
    slack_channel: "#core"
    digest: off
    uses: [{model: gpt-4-0613, provider: openai}]
"""
# The worker as `sunset worker` runs it, with test-sized intervals and an extractor that
# never returns on the hostile page (its time budget is far beyond the test).
SCRIPT = """
import sys
from apscheduler.triggers.interval import IntervalTrigger
import pipeline.ops.cycle, pipeline.ops.lock_holder, pipeline.ops.worker
import pipeline.sources.extract_pool
from pipeline.sources.extract_pool import Budget
from tests.faults.crashing_extract import extract_or_die

pipeline.sources.extract_pool._extract_job = extract_or_die
pipeline.ops.lock_holder.HEARTBEAT_SECONDS = 0.3
pipeline.ops.cycle.DECIDE_EARLY_SECONDS = 0.5
pipeline.ops.worker.IntervalTrigger = lambda **kw: IntervalTrigger(
    seconds=1, timezone=kw["timezone"]
)
sources, teams, db = sys.argv[1:4]
pipeline.ops.worker.run_worker(sources, teams, db, budget=Budget(seconds=600))
"""


@pytest.fixture
def worker(httpserver, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, SlackStub, Path]]:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/good").respond_with_data(GOOD, content_type="text/html")
    httpserver.expect_request("/evil").respond_with_data(EVIL, content_type="text/html")
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n"
        f"  - {{id: evil, provider: openai, format: html, url: '{httpserver.url_for('/evil')}'}}\n"
        f"  - {{id: good, provider: openai, format: html, url: '{httpserver.url_for('/good')}'}}\n"
    )
    (tmp_path / "teams.yml").write_text(TEAMS)
    db_path = tmp_path / "sunset.db"
    log = (tmp_path / "worker.log").open("w")
    with SlackStub() as slack:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "SUNSET_SLACK_API_URL": slack.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
        }
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(sources), str(tmp_path / "teams.yml"), db_path],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process, slack, tmp_path / "worker.log"
        finally:
            for child in _descendants(process.pid):
                child.kill()
            if process.poll() is None:
                process.kill()
            process.wait()
            log.close()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


def _lock_expiry(db_path: Path) -> str | None:
    try:
        conn = sqlite3.connect(db_path, timeout=5)
        try:
            row = conn.execute("SELECT expires_at FROM locks WHERE name = 'cycle'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _cycle_running(db_path: Path) -> bool:
    """The worker's cycle has not finished: the hostile page is still being extracted."""
    try:
        conn = sqlite3.connect(db_path, timeout=5)
        try:
            return conn.execute("SELECT status FROM runs").fetchall() == [("running",)]
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def test_delivery_heartbeat_and_sigterm_do_not_wait_on_a_hostile_page(worker) -> None:
    process, slack, log = worker
    db_path = log.parent / "sunset.db"
    _wait_for(lambda: "gpt-4-0613" in str(slack.messages), 60, "good alert not delivered", log)
    assert _cycle_running(db_path), "the hostile extraction should still be running"
    first = _lock_expiry(db_path)
    _wait_for(lambda: _lock_expiry(db_path) != first, 10, "lock heartbeat stopped", log)
    children = _descendants(process.pid)
    assert children
    process.send_signal(signal.SIGTERM)
    # Half of systemd's TimeoutStopSec (60 s); before the fix the worker never stopped.
    assert process.wait(timeout=STOP_SECONDS) == 0, log.read_text()[-3000:]
    _, alive = psutil.wait_procs(children, timeout=10)
    for orphan in alive:  # never leave a spinning orphan behind, even when failing
        orphan.kill()
    assert not alive, [p.pid for p in alive]
    assert "stopped cleanly" in log.read_text()


def test_kill_9_of_the_worker_takes_its_children_along(worker) -> None:
    process, slack, log = worker
    _wait_for(lambda: "gpt-4-0613" in str(slack.messages), 60, "good alert not delivered", log)
    assert _cycle_running(log.parent / "sunset.db")
    children = _descendants(process.pid)
    assert len(children) >= 2  # fork server and extraction processes (and resource tracker)
    process.kill()
    process.wait()
    _, alive = psutil.wait_procs(children, timeout=15)
    for orphan in alive:  # never leave a spinning orphan behind, even when failing
        orphan.kill()
    assert not alive, [p.pid for p in alive]
