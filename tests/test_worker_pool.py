"""The worker keeps its extraction processes from one tick to the next: a cycle with a
changed page no longer starts (and a warm one no longer pays for) new processes."""

from __future__ import annotations

import datetime as dt

from pipeline.ops.worker import Worker
from tests.test_worker import FAST, NOW, PAGE, config  # noqa: F401  (config is a fixture)


def pids(worker: Worker) -> set[int]:
    assert worker.pool is not None
    return {child.process.pid for child in worker.pool._children}


def test_extraction_processes_outlive_a_tick(config, httpserver) -> None:  # noqa: F811
    sources, teams, db_path = config
    clock = [NOW]
    worker = Worker(sources, teams, db_path, now=lambda: clock[0], settings=FAST)
    try:
        assert worker.tick().startswith("run 1:")
        first = pids(worker)
        assert first
        httpserver.clear_all_handlers()
        httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
        httpserver.expect_request("/deprecations").respond_with_data(
            PAGE.replace("2027-03-01", "2027-04-01"), content_type="text/html; charset=utf-8"
        )
        clock[0] = NOW + dt.timedelta(hours=3)
        second = worker.tick()
        assert second.startswith("run 2:") and ", 1 changed," in second, second
        assert pids(worker) == first
        assert worker.pool is not None and not worker.pool.busy
    finally:
        worker.close()
    assert worker.pool is None
