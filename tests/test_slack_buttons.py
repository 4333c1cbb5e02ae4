"""The buttons under each model of a bot-token alert (issue 20 item 2): within Block Kit's
limits however many models, none on operator notices or webhook alerts, snooze only when
the shutdown is at least 7 days away; configured in teams.yml, secrets named, redacted."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from pipeline.alerts.notify.router import Router, secret_names
from pipeline.alerts.notify.slack import render_slack_messages
from pipeline.alerts.slack_actions.buttons import ACK, OPEN, SNOOZE, NotOurs, read_value, value
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert
from tests.slack_stub import TOKEN, SlackStub, block_problems
from tests.test_notify_slack import NOW, alert, item


def _rows(message: dict) -> list[dict]:
    return [b for b in message["blocks"] if b["type"] == "actions"]


def test_each_model_gets_its_row_and_many_models_stay_within_limits() -> None:
    items = [item(model=f"gpt-{n}", shutdown_date="2027-03-01") for n in range(60)]
    messages = render_slack_messages(alert(*items), now=NOW, buttons=True)
    assert len(messages) == 3  # 24 models a message: a section and a button row each
    for message in messages:
        assert block_problems(message["blocks"]) is None
        assert len(message["blocks"]) <= 50
        sections = [b for b in message["blocks"] if b["type"] == "section"]
        assert len(_rows(message)) == len(sections)
    models = [read_value(r["elements"][0]["value"])[2] for m in messages for r in _rows(m)]
    assert sorted(models) == sorted(f"gpt-{n}" for n in range(60))
    plain = render_slack_messages(alert(*items), now=NOW)
    assert len(plain) == 2 and not any(_rows(m) for m in plain)  # unchanged without buttons


def test_row_follows_its_model_and_snooze_only_a_week_before_shutdown() -> None:
    items = [
        item(model="soon", shutdown_date="2026-11-30"),  # 6 days
        item(model="week", shutdown_date="2026-12-01"),  # 7 days: snoozing to it is allowed
        item(model="undated", shutdown_date=None, shutdown_kind="none"),
        item(model="gone", shutdown_date="2026-11-01", url="javascript:alert(1)"),
    ]
    (message,) = render_slack_messages(alert(*items), now=NOW, buttons=True)
    blocks = message["blocks"]
    offered = {}
    for before, row in itertools.pairwise(blocks):
        if row["type"] == "actions":
            assert before["type"] == "section"
            model = read_value(row["elements"][0]["value"])[2]
            offered[model] = [e["action_id"] for e in row["elements"]]
    assert offered == {
        "gone": [ACK],  # past: no snooze; an unsafe URL: no link button
        "soon": [ACK, OPEN],
        "week": [ACK, SNOOZE, OPEN],
        "undated": [ACK, SNOOZE, OPEN],
    }
    assert len({b["block_id"] for b in _rows(message)}) == 4


def test_operator_notices_carry_no_buttons() -> None:
    ops = Alert(
        team="ops",
        channel="slack",
        kind="ops",
        title="Source failing",
        items=(item(kind="ops", note="HTTP 500 three times"),),
    )
    assert not _rows(render_slack_messages(ops, now=NOW, buttons=True)[0])
    mixed = alert(item(), item(kind="source", model="page", note="fewer records"))
    assert len(_rows(render_slack_messages(mixed, now=NOW, buttons=True)[0])) == 1


def test_button_values_are_exact_and_foreign_ones_refused() -> None:
    hostile = 'gpt-4o "<!channel>"'
    assert read_value(value("payments", "openai", hostile)) == ("payments", "openai", hostile)
    for bad in ("", "[]", '{"t": "a"}', '{"t": "", "p": "x", "m": "y"}', "x", None, 3):
        with pytest.raises(NotOurs):
            read_value(bad)
    long = item(model="m" * 2100)
    (message,) = render_slack_messages(alert(long), now=NOW, buttons=True)
    assert not _rows(message)  # the value would pass Slack's 2000: no buttons, still sent


def test_configured_in_teams_yml_with_named_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    teams = TeamsFile.model_validate(
        {
            "delivery": {
                "slack": {
                    "buttons": True,
                    "signing_secret_env": "SW_SIGNING",
                    "app_token_env": "SW_APP",
                }
            },
            "teams": [{"name": "payments", "slack_channel": "#payments", "uses": []}],
        }
    )
    assert secret_names(teams)["SW_SIGNING"] == "token" and secret_names(teams)["SW_APP"]
    with pytest.raises(ValueError, match="signing_secret_env"):
        TeamsFile.model_validate({"delivery": {"slack": {"signing_secret_env": "not a name"}}})
    with SlackStub() as stub:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", stub.api_url)
        _, notifier = Router(teams).route(alert(item()))
        notifier.send(alert(item()), now=NOW)
        (posted,) = stub.messages
    assert _rows(posted) and json.loads(_rows(posted)[0]["elements"][0]["value"])["t"]
    assert TeamsFile.model_validate({}).delivery.slack.buttons is False  # opt-in


def test_stub_refuses_what_block_kit_refuses() -> None:
    good = {
        "type": "actions",
        "block_id": "b",
        "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x"}}
        ],
    }
    assert block_problems([good]) is None
    bad = [
        [good, good],  # duplicate block_id
        [{**good, "elements": []}],
        [{**good, "elements": [good["elements"][0]] * 2}],  # duplicate action_id
        [{**good, "elements": [{**good["elements"][0], "value": "v" * 2001}]}],
        [{**good, "elements": [{**good["elements"][0], "style": "blue"}]}],
        [{**good, "elements": [{**good["elements"][0], "text": {"type": "mrkdwn", "text": "x"}}]}],
        [{"type": "context", "elements": []}],
    ]
    for blocks in bad:
        assert block_problems(blocks) == "invalid_blocks", blocks


def test_rendering_is_a_pure_function_of_the_clock() -> None:
    later = NOW + dt.timedelta(days=25)
    one = render_slack_messages(alert(item()), now=NOW, buttons=True)
    two = render_slack_messages(alert(item()), now=later, buttons=True)
    assert SNOOZE in json.dumps(one) and SNOOZE not in json.dumps(two)  # 30 days left, then 5
