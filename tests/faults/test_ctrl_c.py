"""Ctrl-C while the extraction pool starts (issue 19, major 5: Ctrl-C during `sunset demo`
printed a traceback, 2 of 4 tries). Ctrl-C reaches the whole process group; the fork server
imports its preload before it sets its own SIGINT handler, so it must be born ignoring it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """
import multiprocessing, sys
from pipeline.sources import extract_pool
context = multiprocessing.get_context("forkserver")
context.set_forkserver_preload(["pipeline.sources.extract_pool", "tests.faults.slow_preload"])
extract_pool._context = lambda: context
try:
    pool = extract_pool.ExtractPool(workers=1)
    pool._start()
    pool.close()
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork server and process groups")
def test_ctrl_c_while_the_fork_server_starts_prints_no_traceback(tmp_path: Path) -> None:
    mark = tmp_path / "preload-started"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "SUNSET_TEST_PRELOAD_MARK": str(mark), "PYTHONPATH": str(root)}
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=root,
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 30
    while not mark.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert mark.exists(), "the fork server never started its preload"
    os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = child.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode()[-800:]
    assert b"KeyboardInterrupt" not in err
