"""`sunset serve` as a process (issue 12, defect 9): SIGTERM stops its Datasette child (no
orphan left answering the port), and a port already in use is one line before any URL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_sigterm_stops_the_datasette_child(tmp_path: Path) -> None:
    db = tmp_path / "sunset.db"
    open_db(db).close()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while not _answers(port):
            assert parent.poll() is None, parent.stdout.read().decode()
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.05)
        children = psutil.Process(parent.pid).children(recursive=True)
        assert children
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=15) == 0
        _, alive = psutil.wait_procs(children, timeout=5)
        assert alive == []
        assert not _answers(port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()


def test_port_in_use_is_one_line_before_any_url(tmp_path: Path) -> None:
    db = tmp_path / "sunset.db"
    open_db(db).close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: sunset serve: port {port} on 127.0.0.1 is already in use "
        "(choose another with --port)"
    )


def test_binding_beyond_loopback_warns_that_datasette_has_no_authentication(
    tmp_path: Path,
) -> None:
    db = tmp_path / "sunset.db"
    open_db(db).close()
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--db", str(db), "--port", str(port), "--host", "0.0.0.0"]
        )
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("warning: Datasette has no authentication")
