"""Slack buttons end to end (issue 20 item 2): an alert posted with a bot token carries
Acknowledge / Snooze 7 days / Open page; a click signed as Slack signs it reaches the real
request URL server, sets the hold through `pipeline.alerts.holds.actions` (via slack, by the Slack
user) and updates the message in place at its response_url (the stub checks the call)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.alerts.decide import decide
from pipeline.alerts.notify.slack import SlackNotifier
from pipeline.alerts.slack_actions.buttons import ACK, OPEN, SNOOZE
from pipeline.alerts.slack_actions.guard import RequestGuard
from pipeline.alerts.slack_actions.handler import ClickHandler
from pipeline.alerts.slack_actions.request_url import RequestUrlServer, SlackActionsApp
from storage import holds as hold_store
from storage.db import open_db
from tests.slack_clicks import SIGNING_SECRET, block_actions, form, post_click
from tests.slack_stub import TOKEN, SlackStub
from tests.test_decide import DAY, alerts, put_records, teams_config

MODEL = "gpt-4o-2024-05-13"
PAGE = "https://platform.openai.com/docs/deprecations"
CLICK_AT = DAY + dt.timedelta(hours=3)
NOW_TS = int(CLICK_AT.timestamp())


class Setup:
    def __init__(self, tmp_path: Path, stub: SlackStub, shutdown: str = "2026-12-20") -> None:
        self.path = str(tmp_path / "sunset.db")
        self.stub = stub
        db = open_db(self.path)
        put_records(db, [{"model": MODEL, "shutdown_date": shutdown, "url": PAGE}])
        decide(db, teams_config(), now=DAY)
        self.alert = next(a for row, a in alerts(db) if row["channel"] == "slack")
        db.close()
        self.clock = [float(NOW_TS)]
        guard = RequestGuard(SIGNING_SECRET, lambda: self.clock[0])
        handler = ClickHandler(lambda: open_db(self.path), lambda: CLICK_AT)
        self.app = SlackActionsApp(guard, handler)
        self.server = RequestUrlServer(self.app, "127.0.0.1", 0)

    def post(self, buttons: bool = True) -> dict:
        notifier = SlackNotifier(
            token=TOKEN,
            api_url=self.stub.api_url,
            webhook_url=None,
            channel="#payments",
            buttons=buttons,
        )
        notifier.send(self.alert, now=DAY)
        return self.stub.messages[-1]

    def click(self, payload: dict, **kwargs) -> int:
        kwargs.setdefault("timestamp", int(self.clock[0]))
        status = post_click(self.server.url, form(payload), **kwargs).status_code
        self.app.drain()
        return status

    def log(self) -> list[dict]:
        db = open_db(self.path)
        try:
            return hold_store.actions(db)
        finally:
            db.close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with SlackStub() as stub:
        made = Setup(tmp_path, stub)
        with made.server:
            yield made


def _actions(message: dict) -> list[dict]:
    return [b for b in message["blocks"] if b["type"] == "actions"]


def test_alert_carries_the_three_buttons(setup: Setup) -> None:
    message = setup.post()
    (row,) = _actions(message)
    assert [e["text"]["text"] for e in row["elements"]] == [
        "Acknowledge",
        "Snooze 7 days",
        "Open page",
    ]
    assert row["elements"][2]["url"] == PAGE and "value" not in row["elements"][2]
    assert json.loads(row["elements"][0]["value"]) == {"t": "payments", "p": "openai", "m": MODEL}


def test_acknowledge_click_holds_and_updates_the_message_in_place(setup: Setup) -> None:
    message = setup.post()
    assert setup.click(block_actions(setup.stub, message, ACK)) == 200
    (log,) = setup.log()
    assert (log["action"], log["via"], log["by"], log["model"]) == (
        "ack",
        "slack",
        "@alice (U0ALICE1)",
        MODEL,
    )
    (answer,) = setup.stub.responses
    assert answer["replace_original"] is True
    assert _actions(answer) == []  # the button row is gone ...
    note = answer["blocks"][2]
    assert note["type"] == "context"
    assert note["elements"][0]["text"] == "Acknowledged by <@U0ALICE1> on 2026-11-24"
    assert answer["blocks"][:2] == message["blocks"][:2]  # ... the rest of the alert stays
    assert setup.stub.messages[0]["blocks"] == answer["blocks"]  # replaced at Slack


def test_snooze_click_snoozes_seven_days(setup: Setup) -> None:
    message = setup.post()
    assert setup.click(block_actions(setup.stub, message, SNOOZE, user=("U0BOB", "bob"))) == 200
    (log,) = setup.log()
    assert (log["action"], log["until"], log["by"]) == ("snooze", "2026-12-01", "@bob (U0BOB)")
    text = setup.stub.responses[0]["blocks"][2]["elements"][0]["text"]
    assert text == "Snoozed until 2026-12-01 by <@U0BOB> on 2026-11-24"


def test_open_page_click_is_acknowledged_and_changes_nothing(setup: Setup) -> None:
    message = setup.post()
    assert setup.click(block_actions(setup.stub, message, OPEN)) == 200
    assert setup.log() == [] and setup.stub.responses == []


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("unsigned", 401),
        ("bad signature", 401),
        ("other secret", 401),
        ("stale", 401),
        ("future", 401),
        ("garbage timestamp", 401),
    ],
)
def test_unsigned_stale_or_forged_requests_are_refused(
    setup: Setup, change: str, status: int
) -> None:
    body = form(block_actions(setup.stub, setup.post(), ACK))
    ts = NOW_TS
    headers = None
    kwargs: dict = {}
    if change == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    elif change == "bad signature":
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
    elif change == "other secret":
        kwargs["secret"] = "0" * 32
    elif change == "stale":
        ts = NOW_TS - 301
    elif change == "future":
        ts = NOW_TS + 301
    else:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": "1e9",
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
    response = post_click(setup.server.url, body, timestamp=ts, headers=headers, **kwargs)
    setup.app.drain()
    assert response.status_code == status
    assert setup.log() == [] and setup.stub.responses == []


def test_a_replayed_request_is_refused(setup: Setup) -> None:
    body = form(block_actions(setup.stub, setup.post(), ACK))
    assert post_click(setup.server.url, body, timestamp=NOW_TS).status_code == 200
    setup.clock[0] += 299  # still fresh by its timestamp, but already used
    assert post_click(setup.server.url, body, timestamp=NOW_TS).status_code == 403
    setup.clock[0] += 2  # and once too old, stale
    assert post_click(setup.server.url, body, timestamp=NOW_TS).status_code == 401
    setup.app.drain()
    assert len(setup.log()) == 1


def test_signed_tampering_with_the_body_is_refused(setup: Setup) -> None:
    body = form(block_actions(setup.stub, setup.post(), ACK))
    good = post_click(setup.server.url, body, timestamp=NOW_TS).request.headers
    forged = body.replace(b"alice", b"mallory")
    headers = {k: good[k] for k in ("Content-Type", "X-Slack-Request-Timestamp")}
    headers["X-Slack-Signature"] = good["X-Slack-Signature"]
    response = post_click(setup.server.url, forged, timestamp=NOW_TS, headers=headers)
    assert response.status_code == 401


def test_other_paths_methods_and_bodies_never_500(setup: Setup) -> None:
    import httpx

    base = setup.server.url
    assert httpx.get(base).status_code == 405
    assert httpx.post(base.replace("/slack/actions", "/"), content=b"").status_code == 404
    ts = NOW_TS
    assert post_click(base, b"payload=%7Bnot+json", timestamp=ts).status_code == 400
    assert post_click(base, b"nothing=here", timestamp=ts + 1).status_code == 400
    assert post_click(base, b"ssl_check=1&token=x", timestamp=ts + 2).status_code == 200
    raw = json.dumps({"type": "block_actions"}).encode()
    signed = post_click(base, raw, timestamp=ts + 3)  # signed, but JSON instead of a form
    assert signed.status_code == 400
    big = b"payload=" + b"x" * 1_100_000
    assert post_click(base, big, timestamp=ts + 4).status_code == 413


def test_a_click_for_an_exposure_that_is_gone_answers_ephemerally(setup: Setup) -> None:
    message = setup.post()
    db = open_db(setup.path)
    db.execute("UPDATE exposures SET active = 0")
    db.conn.commit()
    db.close()
    assert setup.click(block_actions(setup.stub, message, ACK)) == 200
    (answer,) = setup.stub.responses
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "no current alert about gpt-4o-2024-05-13 (openai) for team payments" in answer["text"]
    assert setup.log() == []
    assert _actions(setup.stub.messages[0])  # the alert itself is unchanged


@pytest.mark.parametrize(
    "value",
    [
        json.dumps({"t": "nobody", "p": "openai", "m": MODEL}),
        json.dumps({"t": "payments", "p": "openai", "m": "gpt-9"}),
        "not json",
        json.dumps({"t": "<!channel>", "p": "x", "m": "*bold*"}),
    ],
)
def test_unknown_team_model_or_foreign_button_answers_ephemerally(setup: Setup, value: str) -> None:
    message = setup.post()
    assert setup.click(block_actions(setup.stub, message, ACK, value=value)) == 200
    (answer,) = setup.stub.responses
    assert answer["response_type"] == "ephemeral"
    assert "<!channel>" not in answer["text"] and "*bold*" not in answer["text"]
    assert setup.log() == []


def test_snooze_past_the_shutdown_is_refused_ephemerally(tmp_path: Path) -> None:
    with SlackStub() as stub:
        near = Setup(tmp_path, stub, shutdown="2026-11-27")  # 3 days after DAY
        with near.server:
            message = near.post()
            (row,) = _actions(message)
            assert [e["action_id"] for e in row["elements"]] == [ACK, OPEN]  # no snooze
            payload = block_actions(stub, message, ACK)
            payload["actions"][0]["action_id"] = SNOOZE  # an old message, or a forged click
            assert near.click(payload) == 200
            (answer,) = stub.responses
            assert answer["response_type"] == "ephemeral"
            assert "shutdown date 2026-11-27" in answer["text"]
            assert near.log() == []


def test_a_database_that_is_gone_answers_ephemerally(setup: Setup) -> None:
    message = setup.post()
    Path(setup.path).unlink()
    Path(setup.path).mkdir()  # cannot be opened as a database any more
    assert setup.click(block_actions(setup.stub, message, ACK)) == 200
    (answer,) = setup.stub.responses
    assert answer["response_type"] == "ephemeral" and "database" in answer["text"]


def test_webhook_alerts_carry_no_buttons(setup: Setup) -> None:
    notifier = SlackNotifier(
        token=None, api_url="", webhook_url=setup.stub.webhook_url, buttons=True
    )
    notifier.send(setup.alert, now=DAY)
    assert _actions(setup.stub.webhook_messages[0]) == []
    assert _actions(setup.post(buttons=False)) == []


def test_secret_never_reaches_logs_store_or_answers(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = setup.post()
    payload = block_actions(setup.stub, message, ACK)
    setup.click(payload)
    assert setup.stub.responses  # answered, yet its response_url (a capability) is not logged
    path = payload["response_url"].split("/actions/", 1)[1]
    assert not any(path in r.getMessage() for r in caplog.records)
    post_click(setup.server.url, b"payload=%7B%7D", timestamp=NOW_TS - 900)
    setup.app.drain()
    dump = "\n".join(Path(setup.path).read_bytes().decode("latin-1").splitlines())
    texts = [r.getMessage() for r in caplog.records] + [json.dumps(setup.stub.responses), dump]
    assert not any(SIGNING_SECRET in text for text in texts)
    assert repr(RequestGuard(SIGNING_SECRET, lambda: 0.0)) == "RequestGuard(<signing secret>)"


def test_handler_without_the_message_or_a_usable_response_url(setup: Setup) -> None:
    sent: list[tuple[str, dict]] = []
    handler = ClickHandler(lambda: open_db(setup.path), lambda: CLICK_AT, lambda *a: sent.append(a))
    payload = block_actions(setup.stub, setup.post(), ACK)
    del payload["message"]  # e.g. a click in an ephemeral message: confirm to the clicker only
    answer = handler.handle(payload)
    assert answer is not None and answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Acknowledged by <@U0ALICE1>")
    assert sent == [(payload["response_url"], answer)]
    for url in ("file:///etc/passwd", "http://example.com/actions/1", 42):
        payload["response_url"] = url  # never posted to: not https, nor this machine
        assert handler.handle(payload) is not None
    assert len(sent) == 1
    assert [a["via"] for a in setup.log()] == ["slack"] * 4
    assert handler.handle({"type": "view_submission"}) is None
    assert handler.handle({"type": "block_actions", "actions": [{"action_id": "x"}]}) is None
