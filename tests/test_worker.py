"""The worker (`pipeline.ops.worker`): its jobs once against a local page, its schedule, config
reloads, the cycle lock, and a clean exit on SIGTERM in a real subprocess."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import pipeline.ops.worker as schedule
from pipeline.fetch import FetchSettings
from pipeline.ops import lock_holder as locking
from pipeline.ops.worker import (
    JITTER_FRACTION,
    Worker,
    build_scheduler,
    jitter,
    run_worker,
)
from storage import lock_rows as lock
from storage.db import open_db
from tests.slack_stub import TOKEN, SlackStub

REPO = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(attempts=1, backoff_initial=0.01, backoff_max=0.01, respect_robots=False)
PAGE = """<html><body><h1>Deprecations</h1>
<p>The following models are deprecated and will be shut down.</p>
<table><tr><th>Model</th><th>Shutdown date</th><th>Replacement</th></tr>
<tr><td>gpt-4-0613</td><td>2027-01-04</td><td>gpt-4.1</td></tr>
<tr><td>gpt-3.5-turbo-0125</td><td>2027-03-01</td><td>gpt-4.1-mini</td></tr>
</table></body></html>"""
TEAMS = """delivery:
  ops: {slack_channel: "#ops"}
teams:
  - name: core
    slack_channel: "#core"
    email: [core@example.com]
    digest: {time: "08:00", timezone: Europe/Berlin}
    uses: [{model: gpt-4-0613, provider: openai}]
  - name: search
    slack_channel: "#search"
    digest: {time: "09:30", timezone: America/New_York}
  - name: quiet
    slack_channel: "#quiet"
    digest: off
"""


@pytest.fixture
def config(httpserver, tmp_path: Path) -> tuple[Path, Path, str]:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/deprecations").respond_with_data(
        PAGE, content_type="text/html; charset=utf-8"
    )
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  - {id: openai-deprecations, provider: openai, format: html, interval: 60,\n"
        f"     url: '{httpserver.url_for('/deprecations')}'}}\n"
    )
    teams = tmp_path / "teams.yml"
    teams.write_text(TEAMS)
    return sources, teams, str(tmp_path / "sunset.db")


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStub]:
    with SlackStub() as stub:
        monkeypatch.setenv("SUNSET_SLACK_API_URL", stub.api_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        yield stub


def count(db_path: str, sql: str) -> int:
    db = open_db(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def test_once_fetches_stores_decides_and_delivers(config, slack: SlackStub) -> None:
    sources, teams, db_path = config
    run_worker(sources, teams, db_path, once=True, now=lambda: NOW, settings=FAST)
    assert count(db_path, "SELECT COUNT(*) FROM records WHERE kind = 'model'") == 2
    assert count(db_path, "SELECT COUNT(*) FROM runs") == 1
    assert count(db_path, "SELECT COUNT(*) FROM alerts WHERE team = 'core'") == 2  # slack+email
    assert count(db_path, "SELECT COUNT(*) FROM alerts WHERE channel = 'slack' AND status = 'sent'")
    assert any("gpt-4-0613" in str(message) for message in slack.messages)
    assert count(db_path, "SELECT COUNT(*) FROM locks") == 0  # released

    # A minute later nothing is due: no second cycle, and nothing decided twice.
    run_worker(sources, teams, db_path, once=True, now=lambda: NOW + dt.timedelta(minutes=1))
    assert count(db_path, "SELECT COUNT(*) FROM runs") == 1
    assert count(db_path, "SELECT COUNT(*) FROM alerts WHERE team = 'core'") == 2


def test_source_due_after_interval_plus_its_jitter(config) -> None:
    sources, teams, db_path = config
    clock = [NOW]
    worker = Worker(sources, teams, db_path, now=lambda: clock[0], settings=FAST)
    assert worker.tick().startswith("run 1:")
    extra = jitter("openai-deprecations", 60)
    assert dt.timedelta(0) <= extra < dt.timedelta(minutes=60 * JITTER_FRACTION)
    assert extra == jitter("openai-deprecations", 60)  # deterministic
    clock[0] = NOW + dt.timedelta(minutes=60) + extra - dt.timedelta(seconds=1)
    assert worker.tick() == "no source due"
    clock[0] += dt.timedelta(seconds=1)
    assert worker.tick().startswith("run 2:")


def test_jitter_spreads_sources() -> None:
    values = {jitter(f"source-{n}", 360) for n in range(20)}
    assert len(values) > 15
    assert all(dt.timedelta(0) <= v < dt.timedelta(minutes=36) for v in values)


def test_scheduler_jobs_and_digest_timezones(config) -> None:
    sources, teams, db_path = config
    scheduler = build_scheduler(Worker(sources, teams, db_path, now=lambda: NOW))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "tick",
        "deliver",
        "usage",
        "reminders",
        "digest:core",
        "digest:search",
    }
    for job in jobs.values():
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 300)
    assert jobs["tick"].trigger.interval == dt.timedelta(minutes=1)
    assert jobs["deliver"].trigger.interval == dt.timedelta(minutes=1)
    assert jobs["usage"].trigger.interval == dt.timedelta(minutes=30)
    berlin, new_york = jobs["digest:core"].trigger, jobs["digest:search"].trigger
    assert berlin.timezone == ZoneInfo("Europe/Berlin")
    assert new_york.timezone == ZoneInfo("America/New_York")
    fire = berlin.get_next_fire_time(None, NOW)
    assert fire.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "08:00"
    assert fire.astimezone(dt.UTC) == dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    fire = new_york.get_next_fire_time(None, NOW)
    assert fire.astimezone(dt.UTC) == dt.datetime(2026, 11, 24, 14, 30, tzinfo=dt.UTC)


def test_bad_edit_keeps_previous_config_and_logs_once(config, caplog) -> None:
    sources, teams, db_path = config
    worker = Worker(sources, teams, db_path, now=lambda: NOW, settings=FAST)
    scheduler = build_scheduler(worker)
    teams.write_text(TEAMS.replace("slack_channel", "slack_chanel"))
    with caplog.at_level(logging.INFO, logger="pipeline.ops.worker"):
        first = worker.reload()
        second = worker.reload()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "keeping the previous configuration" in errors[0].getMessage()
    assert first[1].team("core").slack_channel == "#core" and second == first

    # A good edit applies at the next reload, digest jobs included.
    teams.write_text(TEAMS.replace("digest: off", 'digest: {time: "06:15", timezone: UTC}'))
    worker.reload()
    assert "digest:quiet" in {job.id for job in scheduler.get_jobs()}
    teams.write_text(
        TEAMS.replace('digest: {time: "08:00", timezone: Europe/Berlin}', "digest: off")
    )
    worker.reload()
    assert {j.id for j in scheduler.get_jobs() if j.id.startswith("digest:")} == {"digest:search"}


def test_impossible_waiver_date_keeps_previous_config_and_ticks_on(config, caplog) -> None:
    sources, teams, db_path = config
    worker = Worker(sources, teams, db_path, now=lambda: NOW, settings=FAST)
    teams.write_text(
        TEAMS.replace(
            "uses: [{model: gpt-4-0613, provider: openai}]",
            "uses: [{model: gpt-4-0613, provider: openai}]\n"
            "    waivers: [{model: gpt-4-0613, reason: later, until: 2026-13-31}]",
        )
    )
    with caplog.at_level(logging.INFO, logger="pipeline.ops.worker"):
        first = worker.tick()
        second = worker.tick()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "waivers[0] (gpt-4-0613).until" in errors[0].getMessage()
    assert "keeping the previous configuration" in errors[0].getMessage()
    assert worker.teams.team("core").waivers == []
    assert first and second  # the ticks ran on the last good configuration


def test_tick_skips_while_another_worker_holds_the_lock(config, caplog) -> None:
    sources, teams, db_path = config
    worker = Worker(sources, teams, db_path, now=lambda: NOW, settings=FAST)
    db = open_db(db_path)
    assert lock.acquire(db, "cycle", "other-worker", NOW, 180)
    with caplog.at_level(logging.INFO, logger="pipeline"):
        assert worker.tick() == "lock busy"
    assert "lock cycle busy (held by other-worker" in caplog.text
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
    # The other worker was killed: its lock lapses after the TTL.
    later = Worker(sources, teams, db_path, now=lambda: NOW + dt.timedelta(minutes=4))
    later.settings = FAST
    assert later.tick().startswith("run 1:")
    db.close()


def test_reminders_and_digest_jobs(config) -> None:
    sources, teams, db_path = config
    worker = Worker(sources, teams, db_path, now=lambda: NOW, settings=FAST)
    worker.tick()
    assert worker.reminders() == "0 alerts decided"  # the cycle already decided everything
    assert worker.digest("core") == "digest queued"
    assert worker.digest("core") == "nothing to send"  # once per local day
    assert count(db_path, "SELECT COUNT(*) FROM alerts WHERE kind = 'digest'") == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_finishes_and_exits_zero(config, tmp_path: Path, signum: signal.Signals) -> None:
    sources, teams, db_path = config
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "pipeline", "worker"),
                *("--sources", str(sources), "--teams", str(teams), "--db", db_path),
            ],
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            deadline = time.monotonic() + 15
            while "job tick: end" not in log_path.read_text():
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.05)
            process.send_signal(signum)
            assert process.wait(timeout=5) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log_path.read_text()
    assert f"shutdown: {signum.name} received" in output
    assert "stopped cleanly" in output
    assert "Traceback" not in output
    assert count(db_path, "SELECT COUNT(*) FROM runs") == 1


def test_heartbeat_keeps_a_long_cycle_locked(config, monkeypatch: pytest.MonkeyPatch) -> None:
    sources, teams, db_path = config
    monkeypatch.setattr(locking, "HEARTBEAT_SECONDS", 0.02)
    clock = [NOW]
    other = open_db(db_path)
    seen: list[bool] = []

    def long_cycle(*args, **kwargs):
        clock[0] += dt.timedelta(minutes=10)  # far past the TTL the lock was taken with
        time.sleep(0.2)  # heartbeats refresh it at the new time
        seen.append(lock.acquire(other, "cycle", "intruder", clock[0], 60))
        raise RuntimeError("cycle aborted")

    monkeypatch.setattr(schedule, "run_cycle", long_cycle)
    worker = Worker(sources, teams, db_path, now=lambda: clock[0], settings=FAST)
    with pytest.raises(RuntimeError):
        worker.tick()
    assert seen == [False]
    assert lock.holder(other, "cycle") is None  # released even though the cycle failed
    other.close()


def test_usage_job_pulls_each_source_when_due_daily_by_default(config, tmp_path: Path) -> None:
    sources, teams, db_path = config
    otel = tmp_path / "otel"
    otel.mkdir()
    span = {
        "startTimeUnixNano": str(int((NOW - dt.timedelta(hours=1)).timestamp() * 10**9)),
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4-0613"}},
            {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
        ],
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "core-api"}}]}
    export = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
    (otel / "traces.json").write_text(json.dumps(export) + "\n")
    teams.write_text(
        TEAMS + f"usage_sources:\n  - {{id: otel, kind: otel_files, path: '{otel}',"
        " teams: [{match: core-api, team: core}]}\n"
    )
    clock = [NOW]
    worker = Worker(sources, teams, db_path, now=lambda: clock[0], settings=FAST)
    assert worker.usage() == "1 usage sources pulled, 0 failed"
    clock[0] = NOW + dt.timedelta(hours=23)
    assert worker.usage() == "0 usage sources pulled, 0 failed"
    clock[0] = NOW + dt.timedelta(hours=24)
    assert worker.usage() == "1 usage sources pulled, 0 failed"
    assert count(db_path, "SELECT SUM(requests) FROM usage_buckets WHERE team = 'core'") == 1
