"""Socket Mode (issue 20 item 2): slack-sdk's real `SocketModeClient` connects to a local
WebSocket stand-in (tests/slack_socket_stub.py) through the stub's `apps.connections.open`;
a click envelope is acknowledged and handled by the same `ClickHandler` as the request URL.
`sunset slack-listen` is used as a new user would, mistakes included."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.alerts.slack_actions import socket_mode
from pipeline.alerts.slack_actions.buttons import ACK
from pipeline.alerts.slack_actions.handler import ClickHandler
from pipeline.cli import main
from pipeline.core.errors import ConfigError
from storage.db import open_db
from tests.slack_clicks import block_actions
from tests.slack_socket_stub import APP_TOKEN, SocketModeStub
from tests.slack_stub import TOKEN, SlackStub
from tests.test_slack_actions import CLICK_AT, Setup


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with SlackStub() as stub, SocketModeStub() as sockets:
        stub.socket_mode = sockets
        made = Setup(tmp_path, stub)
        yield made
        made.server.stop()  # the request URL server is not used here: only close its socket


def _wait(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_click_over_socket_mode_is_acknowledged_and_held(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = setup.post()
    handler = ClickHandler(lambda: open_db(setup.path), lambda: CLICK_AT)
    sockets = setup.stub.socket_mode
    with socket_mode.Listener(APP_TOKEN, setup.stub.api_url, handler):
        sockets.wait_connected()
        sockets.send({"type": "event_callback"}, kind="events_api")  # not ours: acked only
        envelope = sockets.send(block_actions(setup.stub, message, ACK))
        sockets.wait_ack(envelope)
        _wait(lambda: setup.stub.responses)
    assert len(sockets.acks) == 2 and sockets.refused == []
    ours = [r for r in caplog.records if not r.name.startswith("websockets")]  # the stand-in's
    logged = "\n".join(r.getMessage() for r in ours)
    assert APP_TOKEN not in logged and "ticket=" not in logged
    (log,) = setup.log()
    assert (log["action"], log["via"], log["by"]) == ("ack", "slack", "@alice (U0ALICE1)")
    note = setup.stub.responses[0]["blocks"][2]["elements"][0]["text"]
    assert note == "Acknowledged by <@U0ALICE1> on 2026-11-24"


@pytest.mark.parametrize(
    ("token", "error"), [(TOKEN, "not_allowed_token_type"), ("xapp-1-wrong", "invalid_auth")]
)
def test_a_token_slack_refuses_is_one_line(setup: Setup, token: str, error: str) -> None:
    handler = ClickHandler(lambda: open_db(setup.path), lambda: CLICK_AT)
    listener = socket_mode.Listener(token, setup.stub.api_url, handler)
    with pytest.raises(ConfigError, match=error) as caught:
        listener.__enter__()
    assert token not in str(caught.value)


def test_slack_listen_command_end_to_end(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = setup.post()
    sockets = setup.stub.socket_mode
    monkeypatch.setenv("SUNSET_SLACK_API_URL", setup.stub.api_url)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)

    def one_click_then_ctrl_c(self: socket_mode.Listener, timeout: float | None = None) -> None:
        sockets.wait_connected()
        sockets.wait_ack(sockets.send(block_actions(setup.stub, message, ACK)))
        _wait(lambda: setup.stub.responses)
        raise KeyboardInterrupt

    monkeypatch.setattr(socket_mode.Listener, "wait", one_click_then_ctrl_c)
    result = CliRunner().invoke(
        main, ["slack-listen", "--db", setup.path, "--teams", str(tmp_path / "none.yml")]
    )
    assert result.exit_code == 2 and "none.yml: file not found" in result.output
    result = CliRunner().invoke(main, ["slack-listen", "--db", setup.path])
    assert result.exit_code == 130, result.output
    assert "listening for Slack clicks over Socket Mode" in result.output
    assert result.output.strip().endswith("interrupted")
    assert [a["via"] for a in setup.log()] == ["slack"]


@pytest.mark.parametrize(
    ("env", "db", "code", "message"),
    [
        (None, "ok", 2, "environment variable SLACK_APP_TOKEN is not set"),
        (TOKEN, "ok", 2, "SLACK_APP_TOKEN is not a Slack app-level token"),
        ("xapp-1 broken", "ok", 2, "SLACK_APP_TOKEN contains a space"),
        (APP_TOKEN, "missing", 1, "no database here"),
        (APP_TOKEN, "teams.yml", 1, "error: database"),
    ],
)
def test_slack_listen_mistakes_are_one_line(
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    env: str | None,
    db: str,
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUNSET_SLACK_API_URL", setup.stub.api_url)
    if env is None:
        monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    else:
        monkeypatch.setenv("SLACK_APP_TOKEN", env)
    path = {"ok": setup.path, "missing": str(tmp_path / "typo.db"), "teams.yml": "teams.yml"}[db]
    if db == "teams.yml":
        Path("teams.yml").write_text("teams: []\n")
    result = CliRunner().invoke(main, ["slack-listen", "--db", path])
    assert result.exit_code == code, result.output
    assert message in result.output and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    for secret in (TOKEN, APP_TOKEN):
        assert secret not in result.output


@pytest.mark.parametrize(
    ("api", "message"),
    [
        ("http://127.0.0.1:{closed}/api/", "cannot reach Slack for Socket Mode: URLError"),
        ("{stub}", "Slack refused to open a Socket Mode connection (invalid_auth)"),
    ],
)
def test_slack_listen_when_slack_refuses_or_is_unreachable_is_one_line(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, api: str, message: str
) -> None:
    from tests.slack_stub import free_port

    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-not-this-app")
    url = api.format(closed=free_port(), stub=setup.stub.api_url)
    monkeypatch.setenv("SUNSET_SLACK_API_URL", url)
    result = CliRunner().invoke(main, ["slack-listen", "--db", setup.path])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output, result.output
    assert "xapp-1-not-this-app" not in result.output
