"""Slack rendering (escaping, limits, wording) and sending against the local Slack stub."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pipeline.alerts.notify.base import DeliveryError
from pipeline.alerts.notify.slack import SlackNotifier, render_slack_messages
from pipeline.core.models import Alert, AlertItem
from tests.slack_stub import SlackStub, free_port

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
HOSTILE = "evil <!channel> <!here> <!everyone> <@U123> <#C999> & \u202egnp.exe\u2066 a\x00b\x07"


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with SlackStub() as running:
        yield running


def item(**fields: Any) -> AlertItem:
    base: dict[str, Any] = {
        "kind": "new",
        "provider": "openai",
        "model": "gpt-4o-2024-05-13",
        "shutdown_date": "2026-12-24",
        "shutdown_kind": "firm",
        "replacements": ("gpt-5",),
        "evidence": "gpt-4o-2024-05-13 will be shut down on 2026-12-24.",
        "url": "https://platform.openai.com/docs/deprecations",
    }
    return AlertItem(**{**base, **fields})


def alert(*items: AlertItem, kind: str = "new", title: str = "Deprecations for payments") -> Alert:
    return Alert(team="payments", channel="slack", kind=kind, title=title, items=items)


def assert_within_limits(message: dict[str, Any]) -> None:
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= 4000
    for block in message["blocks"]:
        if block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= 3000


def test_hostile_text_is_escaped_and_stripped() -> None:
    hostile = item(
        model=HOSTILE,
        provider=HOSTILE,
        evidence=HOSTILE,
        replacements=(HOSTILE,),
        change=HOSTILE,
        url="javascript:alert(document.cookie)",
    )
    messages = render_slack_messages(alert(hostile, title=HOSTILE), now=NOW)
    raw = json.dumps(messages, ensure_ascii=False)
    for needle in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C999>"):
        assert needle not in raw
    assert "&lt;!channel&gt;" in raw and "&amp;" in raw
    for char in ("\u202e", "\u2066", "\x00", "\x07"):
        assert char not in raw
    assert "<javascript:" not in raw and "|Source page>" not in raw
    assert "javascript:alert(document.cookie)" in raw  # shown as text
    assert "link_names" not in raw and '"parse"' not in raw
    for message in messages:
        sections = [b["text"] for b in message["blocks"] if b["type"] == "section"]
        assert sections and all(text["verbatim"] is True for text in sections)


MARKUP = "*bold* _it_ ~strike~ ```code``` `x` <!channel>"


def test_slack_markup_in_scraped_text_is_neutralised() -> None:
    hostile = item(model=f"m {MARKUP}", evidence=MARKUP, note=MARKUP, change=MARKUP)
    messages = render_slack_messages(alert(hostile, title=MARKUP), now=NOW)
    section = messages[0]["blocks"][1]["text"]["text"]
    scraped = section.split("\n", 1)[1] + messages[0]["text"]  # all but our own bold label
    for needle in ("*bold*", "_it_", "~strike~", "```", "`x`", "<!channel>"):
        assert needle not in scraped
    assert re.search(r"(?<![\w])[*_~`]|[*_~`](?![\w])", scraped) is None
    assert "bold" in scraped and "strike" in scraped and "&lt;!channel&gt;" in scraped
    # our own formatting still works, and identifiers with inner underscores are untouched
    assert section.startswith("*New deprecation:* *m ")
    plain = render_slack_messages(alert(item(model="text_embedding_3")), now=NOW)
    assert "*text_embedding_3*" in plain[0]["blocks"][1]["text"]["text"]


def test_only_http_links_become_links() -> None:
    url = "https://example.com/deprecations?a=1&b=<2>|x"
    text = render_slack_messages(alert(item(url=url)), now=NOW)[0]["blocks"][1]["text"]["text"]
    assert "<https://example.com/deprecations?a=1&amp;b=%3C2%3E%7Cx|Source page>" in text
    for bad in ("ftp://example.com/x", "data:text/html,<b>", "//example.com/x"):
        text = render_slack_messages(alert(item(url=bad)), now=NOW)[0]["blocks"][1]["text"]
        assert "|Source page>" not in text["text"]


def test_huge_model_name_is_truncated() -> None:
    messages = render_slack_messages(alert(item(model="x" * 10_000), title="y" * 10_000), now=NOW)
    assert len(messages) == 1
    assert_within_limits(messages[0])
    section = messages[0]["blocks"][1]["text"]["text"]
    assert "…" in section and len(section) < 1000
    assert messages[0]["blocks"][0]["text"]["text"].endswith("…")


def test_sixty_items_split_within_limits(stub: SlackStub) -> None:
    items = [item(model=f"model-{n:02d}", evidence="quote " * 100) for n in range(60)]
    big = alert(*items)
    messages = render_slack_messages(big, now=NOW)
    assert len(messages) > 1
    for message in messages:
        assert_within_limits(message)
    sections = [b for m in messages for b in m["blocks"] if b["type"] == "section"]
    assert len(sections) == 60
    SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p").send(
        big, now=NOW
    )
    assert len(stub.messages) == len(messages)
    headers = [m["blocks"][0]["text"]["text"] for m in stub.messages]
    assert headers[0].endswith(f"(1/{len(messages)})")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "new"}, ["New deprecation", "shuts down on 2026-12-24 (in 30 days)"]),
        (
            {"kind": "changed", "change": "shutdown date 2026-12-01 -> 2026-12-24"},
            ["Changed", "shutdown date 2026-12-01 -&gt; 2026-12-24"],
        ),
        ({"kind": "reminder", "note": "30-day reminder"}, ["Reminder", "in 30 days"]),
        (
            {"kind": "reminder", "shutdown_kind": "earliest"},
            ["Reminder", "not before 2026-12-24 (in 30 days)"],
        ),
        (
            {"kind": "past", "shutdown_date": "2026-11-21"},
            ["Past shutdown, still in use", "shut down on 2026-11-21 (3 days ago)"],
        ),
        ({"kind": "new", "shutdown_date": None}, ["no shutdown date announced"]),
        ({"kind": "ops", "status": "failing", "note": "HTTP 503 x3"}, ["Source failing", "503"]),
        ({"kind": "ops", "status": "cliff", "note": "12 -> 1"}, ["far fewer records"]),
        ({"kind": "recovery", "status": "recovered", "note": "ok again"}, ["Source recovered"]),
        ({"kind": "ops", "status": "dead", "note": "alert 7 for team x"}, ["delivery failed"]),
    ],
)
def test_kind_specific_wording(fields: dict[str, Any], expected: list[str]) -> None:
    text = render_slack_messages(alert(item(**fields)), now=NOW)[0]["blocks"][1]["text"]["text"]
    for phrase in expected:
        assert phrase in text
    if fields["kind"] in ("ops", "recovery"):
        assert "When:" not in text


def test_web_api_post_and_bad_token(stub: SlackStub) -> None:
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    notifier.send(alert(item()), now=NOW)
    assert stub.messages[0]["channel"] == "#p"
    assert "gpt-4o-2024-05-13" in stub.messages[0]["text"]
    wrong = "xoxb-wrong-SENTINEL-token"
    bad = SlackNotifier(token=wrong, api_url=stub.api_url, webhook_url=None, channel="#p")
    with pytest.raises(DeliveryError) as caught:
        bad.send(alert(item()), now=NOW)
    assert "invalid_auth" in str(caught.value) and wrong not in str(caught.value)
    assert not caught.value.permanent


def test_webhook_post(stub: SlackStub) -> None:
    notifier = SlackNotifier(token=None, api_url=stub.api_url, webhook_url=stub.webhook_url)
    notifier.send(alert(item()), now=NOW)
    assert len(stub.webhook_messages) == 1 and not stub.messages
    stub.fail_next(1, status=500)
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(item()), now=NOW)
    assert caught.value.outage and stub.webhook_url not in str(caught.value)


def test_429_retry_after_is_honoured_by_the_client(stub: SlackStub) -> None:
    stub.fail_next(1, status=429, retry_after=1)
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    started = time.monotonic()
    notifier.send(alert(item()), now=NOW)
    assert time.monotonic() - started >= 1.0
    assert stub.requests == 2 and len(stub.messages) == 1


def test_long_retry_after_goes_back_to_the_caller(stub: SlackStub) -> None:
    stub.fail_next(1, status=429, retry_after=30)
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(item()), now=NOW)
    assert time.monotonic() - started < 5  # no 30 s sleep inside the delivery run
    assert caught.value.retry_after == 30 and caught.value.outage


def test_429_after_the_inline_retry_surfaces_retry_after(stub: SlackStub) -> None:
    stub.fail_next(2, status=429, retry_after=0)
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(item()), now=NOW)
    assert caught.value.retry_after == 0 and stub.requests == 2


def test_500_then_success(stub: SlackStub) -> None:
    stub.fail_next(1, status=500)
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(item()), now=NOW)
    assert not caught.value.permanent and "500" in str(caught.value)
    notifier.send(alert(item()), now=NOW)
    assert len(stub.messages) == 1


def test_failure_mid_split_reports_delivered_items(stub: SlackStub) -> None:
    items = [item(model=f"model-{n:02d}", evidence="quote " * 100) for n in range(60)]
    first = len(
        [
            b
            for b in render_slack_messages(alert(*items), now=NOW)[0]["blocks"]
            if b["type"] == "section"
        ]
    )
    stub.fail_next(1, status=500, after=1)
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(*items), now=NOW)
    assert caught.value.delivered_items == first
    assert len(stub.messages) == 1


def test_unreachable_slack_is_an_outage() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    notifier = SlackNotifier(token="xoxb-1", api_url=url, webhook_url=None, channel="#p", timeout=2)
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(item()), now=NOW)
    assert caught.value.outage and not caught.value.permanent


def test_stub_rejects_what_slack_rejects(stub: SlackStub) -> None:
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    for blocks in ([section] * 51, [too_long], [header]):
        with pytest.raises(DeliveryError) as caught:
            notifier._post({"text": "t", "blocks": blocks}, "k")
        assert "invalid_blocks" in str(caught.value) and caught.value.permanent
    assert not stub.messages


def test_items_are_ordered_by_urgency() -> None:
    items = (
        item(model="later-model", shutdown_date="2027-06-01"),
        item(model="undated-model", shutdown_date=None, shutdown_kind="none"),
        item(model="soon-model", shutdown_date="2026-11-30"),
        item(kind="past", model="gone-model", shutdown_date="2026-11-01"),
        item(model="middle-model", shutdown_date="2027-01-15"),
    )
    text = render_slack_messages(alert(*items), now=NOW)[0]["text"]
    order = [m for m in re.findall(r"\b([a-z]+-model)\b", text)]
    assert order == ["gone-model", "soon-model", "middle-model", "later-model", "undated-model"]


def test_markdown_table_evidence_reads_without_pipes_or_backticks() -> None:
    evidence = (
        "| Shutdown date | Model | Replacement |\n"
        "| --- | :---: | --- |\n"
        "| 2027-01-11 | `acme-chat-2-1106` | **acme-chat-3** |"
    )
    section = next(
        b["text"]["text"]
        for b in render_slack_messages(alert(item(evidence=evidence)), now=NOW)[0]["blocks"]
        if b["type"] == "section"
    )
    quote = "\n".join(line for line in section.splitlines() if line.startswith("> "))
    assert "|" not in quote and "`" not in quote and "\u02cb" not in quote and "---" not in quote
    assert "2027-01-11 · acme-chat-2-1106 · acme-chat-3" in quote


def test_retry_after_as_an_http_date_is_honoured(stub: SlackStub) -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    stub.fail_next(1, status=429, retry_after=email.utils.format_datetime(when, usegmt=True))  # type: ignore[arg-type]
    notifier = SlackNotifier(token=stub.token, api_url=stub.api_url, webhook_url=None, channel="#p")
    with pytest.raises(DeliveryError) as caught:
        notifier.send(alert(item()), now=NOW)
    assert caught.value.retry_after is not None and 100 < caught.value.retry_after <= 121
    assert stub.requests == 1  # no inline retry on a date slack-sdk cannot parse


def test_readable_leaves_prose_and_identifiers_alone() -> None:
    from pipeline.alerts.notify.escape import readable

    assert (
        readable("see __init__ and a|b, text_embedding_3")
        == "see __init__ and a|b, text_embedding_3"
    )
    assert readable("| a | `b` | **c** |\n|:--|--:|---|") == "a · b · c"
