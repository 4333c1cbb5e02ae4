"""Slack accepts a post, then answers after the client has given up: "maybe sent".

Such a post is never repeated blindly. With a bot token each message carries Slack
metadata with its key, and before a maybe-sent alert is posted again the channel's history
(`conversations.history`, `include_all_metadata`) is read for that key; with a webhook the
alert is re-posted at most once and the row says so. The same lookup covers a deliverer
killed mid-send (a claim left `sending`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlite_utils

from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.core.config import TeamsFile
from storage import alerts as outbox
from tests.faults.test_delivery_outage import START, enqueue
from tests.slack_stub import TOKEN, SlackStub

STEP = dt.timedelta(minutes=10)


def _teams(**team: str) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {
                "slack": {"token_env": "SW_MAYBE_TOKEN"},
                "ops": {"slack_channel": "#ops"},
                "max_attempts": 4,
            },
            "teams": [{"name": "payments", **team}],
        }
    )


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch):
    with SlackStub() as stub:
        stub.clock = lambda: START.timestamp()
        monkeypatch.setenv("SUNSET_SLACK_API_URL", stub.api_url)
        monkeypatch.setenv("SW_MAYBE_TOKEN", TOKEN)
        monkeypatch.setenv("SW_MAYBE_HOOK", stub.webhook_url)
        yield stub


def _copies(messages: list[dict]) -> Counter[str]:
    return Counter(m["text"].split("\n", 1)[0] for m in messages)


def test_accept_then_timeout_posts_each_alert_once_over_24_hours(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    for key in ("a1", "a2", "a3"):
        enqueue(db, "payments", "slack", key)
    stub.stall_next(1000, 1.6)  # every post is accepted, and answered after the timeout
    router = build_notifiers(_teams(slack_channel="#pay"), timeout=1, rate_limit_retries=0)
    for step in range(int(dt.timedelta(hours=24) / STEP)):
        now = START + step * STEP
        stub.clock = now.timestamp  # Slack's clock agrees with ours
        deliver_due(db, router, now=now)
    assert _copies(stub.messages) == {
        "Deprecations a1": 1,
        "Deprecations a2": 1,
        "Deprecations a3": 1,
    }
    assert outbox.counts(db) == {"sent": 3}
    assert stub.history_reads >= 3


def test_a_deliverer_killed_after_posting_does_not_post_again(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    enqueue(db, "payments", "slack", "k1")
    router = build_notifiers(_teams(slack_channel="#pay"), timeout=2)
    deliver_due(db, router, now=START)
    assert len(stub.messages) == 1
    # As a kill -9 between Slack accepting the post and the row recording it leaves it:
    db.execute("UPDATE alerts SET status = 'sending', claimed_at = ?", [START.isoformat()])
    db.conn.commit()
    deliver_due(db, router, now=START + STEP)
    assert len(stub.messages) == 1
    assert outbox.counts(db) == {"sent": 1}


def test_a_message_without_our_key_in_the_channel_is_posted(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    """The lookup is by key: a claim that died before posting is posted after it."""
    enqueue(db, "payments", "slack", "k2")
    db.execute("UPDATE alerts SET status = 'sending', claimed_at = ?", [START.isoformat()])
    db.conn.commit()
    router = build_notifiers(_teams(slack_channel="#pay"), timeout=2)
    deliver_due(db, router, now=START + STEP)
    assert len(stub.messages) == 1 and stub.messages[0]["metadata"]["event_payload"]["key"]
    assert outbox.counts(db) == {"sent": 1}


def test_a_webhook_that_times_out_is_retried_once_and_says_so(
    db: sqlite_utils.Database, stub: SlackStub
) -> None:
    enqueue(db, "payments", "slack", "w1")
    stub.stall_next(1000, 1.6)
    router = build_notifiers(_teams(webhook_env="SW_MAYBE_HOOK"), timeout=1, rate_limit_retries=0)
    for step in range(12):
        deliver_due(db, router, now=START + step * STEP)
    assert len(stub.webhook_messages) == 2  # the first post and one retry, never more
    [row] = db.query("SELECT status, last_error FROM alerts")
    assert row["status"] == "sent"
    assert "not posted again" in row["last_error"]


def test_the_stub_refuses_what_slack_refuses(stub: SlackStub) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=TOKEN, base_url=stub.api_url)
    for bad in ({"event_type": "x"}, {"event_payload": {}}, "not json"):
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel="#pay", text="t", metadata=bad)  # type: ignore[arg-type]
        assert caught.value.response["error"] == "invalid_metadata_format"
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="general <!channel>", text="t")
    assert caught.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.conversations_history(channel="#pay")  # history takes an ID, not a name
    assert caught.value.response["error"] == "channel_not_found"
    posted = client.chat_postMessage(
        channel="#pay", text="t", metadata={"event_type": "e", "event_payload": {"key": "k"}}
    )
    plain = client.conversations_history(channel=posted["channel"])
    assert "metadata" not in plain["messages"][0]
    full = client.conversations_history(channel=posted["channel"], include_all_metadata=True)
    assert full["messages"][0]["metadata"]["event_payload"] == {"key": "k"}


@pytest.mark.parametrize("asked", [1_000_000_000, 86_400])
def test_a_huge_retry_after_is_capped_and_counted_as_an_outage_ops_hears_of(
    db: sqlite_utils.Database, stub: SlackStub, asked: int
) -> None:
    enqueue(db, "payments", "slack", "r1")
    stub.fail_next(1, 429, retry_after=asked)
    router = build_notifiers(_teams(slack_channel="#pay"), timeout=2, rate_limit_retries=0)
    deliver_due(db, router, now=START)
    [row] = db.query("SELECT * FROM alerts WHERE idempotency_key = 'r1'")
    assert row["status"] == "dead" and row["destination"] == "slack:api"
    assert "over the 1 h cap" in row["last_error"]
    ops = [r["payload"] for r in db.query("SELECT payload FROM alerts WHERE team = 'ops'")]
    assert len(ops) == 1 and "Alert delivery is down" in ops[0]
    # Probed within the hour, sent when Slack answers again: never pushed to 2058.
    for step in range(1, 7):
        deliver_due(db, router, now=START + step * STEP)
    assert set(outbox.counts(db)) == {"sent"}  # the alert, and ops told of down and up
