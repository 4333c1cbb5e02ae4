"""`sunset serve --slack-port` as a process (issue 20 item 2): Datasette on its port, the
Slack request URL on its own; a click signed as Slack signs it is held and answered, SIGTERM
stops both. Mistakes (no signing secret, a busy or shared port) are one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from pipeline.alerts.slack_actions.buttons import ACK
from pipeline.cli import main
from storage.db import open_db
from tests.slack_clicks import SIGNING_SECRET, block_actions, form, post_click
from tests.slack_stub import SlackStub, free_port
from tests.test_slack_actions import Setup

REPO = Path(__file__).resolve().parent.parent


def _wait(condition, what: str, parent: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert parent.poll() is None, parent.stdout.read().decode()
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code in (200, 405)
    except httpx.TransportError:
        return False


def test_serve_answers_signed_clicks_and_stops_on_sigterm(tmp_path: Path) -> None:
    with SlackStub() as stub:
        setup = Setup(tmp_path, stub)
        setup.server.stop()  # the command's own server is the one under test
        message = setup.post()
        port, slack_port = free_port(), free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO), "SLACK_SIGNING_SECRET": SIGNING_SECRET}
        argv = ["serve", "--db", setup.path, "--port", str(port), "--slack-port", str(slack_port)]
        parent = subprocess.Popen(
            [sys.executable, "-m", "pipeline", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
            start_new_session=True,  # a failed assertion kills Datasette too, not only serve
        )
        url = f"http://127.0.0.1:{slack_port}/slack/actions"
        try:
            _wait(lambda: _answers(url), "the Slack request URL did not start", parent)
            _wait(lambda: _answers(f"http://127.0.0.1:{port}/"), "no Datasette", parent)
            body = form(block_actions(stub, message, ACK))
            # one timestamp for both: the replay is the very same signed request (two calls to
            # time.time() may straddle a second and sign two different requests)
            sent_at = int(time.time())
            assert post_click(url, body, timestamp=sent_at).status_code == 200
            assert post_click(url, body, timestamp=sent_at).status_code == 403
            _wait(lambda: stub.responses, "the click was not answered", parent)
            parent.send_signal(signal.SIGTERM)
            assert parent.wait(timeout=15) == 0
            assert not _answers(url)
        finally:
            if parent.poll() is None:
                os.killpg(parent.pid, signal.SIGKILL)
                parent.wait()
            output = parent.stdout.read().decode()
            parent.stdout.close()
    assert f"Slack request URL on {url}" in output
    assert SIGNING_SECRET not in output
    assert [a["via"] for a in setup.log()] == ["slack"]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    path = tmp_path / "sunset.db"
    open_db(path).close()
    return str(path)


def test_serve_without_the_signing_secret_is_one_line(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    port = free_port()
    args = ["serve", "--db", db_path, "--port", str(port), "--slack-port", str(free_port())]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: environment variable SLACK_SIGNING_SECRET is not set "
        "(the Slack app's signing secret, named in teams.yml)"
    )


def test_serve_slack_port_busy_or_shared_is_one_line(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    port = free_port()
    same = CliRunner().invoke(
        main, ["serve", "--db", db_path, "--port", str(port), "--slack-port", str(port)]
    )
    assert same.exit_code == 1 and "is Datasette's --port" in same.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--db", db_path, "--port", str(port), "--slack-port", str(taken)]
        )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and f"cannot listen on 127.0.0.1:{taken} for Slack" in (
        result.output
    )
    assert SIGNING_SECRET not in same.output + result.output


def test_serve_slack_host_unknown_is_one_line(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    args = ["serve", "--db", db_path, "--port", str(free_port()), "--slack-port", str(free_port())]
    result = CliRunner().invoke(main, [*args, "--slack-host", "no-such-host.invalid"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "for Slack" in result.output and "(check --slack-host)" in result.output
