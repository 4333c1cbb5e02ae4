"""`sunset serve` never leaves Datasette behind, even one that will not stop on SIGTERM.

Datasette (uvicorn) waits for open connections to close before it exits on SIGTERM; a
client that keeps one open made `run_child` wait forever. It now kills the child once the
grace period after the stop signal has passed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# A parent running `run_child` over a child that ignores SIGTERM (as a Datasette waiting on
# its connections does), with a 1 s grace period; it prints the child's pid once started.
PARENT = textwrap.dedent(
    """
    import sys
    from pipeline.ops import serve
    serve.STOP_GRACE_SECONDS = 1
    child = [sys.executable, "-c",
             "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"]
    original = serve.subprocess.Popen
    def popen(argv, **kw):
        process = original(argv, **kw)
        print(process.pid, flush=True)
        return process
    serve.subprocess.Popen = popen
    raise SystemExit(serve.run_child(child))
    """
)


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        child_pid = int(parent.stdout.readline())
        time.sleep(0.5)  # the child has set SIG_IGN
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=15) == 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(child_pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the child outlived sunset serve")
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait()
        parent.stdout.close()
