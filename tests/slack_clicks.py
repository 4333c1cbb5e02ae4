"""The Slack side of interactivity, for tests: build the `block_actions` payload Slack sends
when someone clicks a button of a message the stub holds, and post it to a request URL
signed exactly as Slack does (https://api.slack.com/authentication/verifying-requests-from-slack):
`X-Slack-Request-Timestamp: <unix seconds>` and `X-Slack-Signature: v0=<hex HMAC-SHA256 of
"v0:<timestamp>:<body>" keyed with the signing secret>`, body form-encoded `payload=<JSON>`
(https://api.slack.com/reference/interaction-payloads/block-actions).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.slack_stub import SlackStub

SIGNING_SECRET = "5e1a9c0ffee0ddba11deadbeef5ca1ab"  # shaped like a real one (32 hex)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def button(message: dict[str, Any], action_id: str, nth: int = 0) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the `nth` button with `action_id` in a posted message."""
    found = [
        (block["block_id"], element)
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == action_id
    ]
    return found[nth]


def block_actions(
    stub: SlackStub,
    message: dict[str, Any],
    action_id: str,
    *,
    nth: int = 0,
    user: tuple[str, str] = ("U0ALICE1", "alice"),
    value: str | None = None,
) -> dict[str, Any]:
    """The payload of a click on a button of `message` (one of `stub.messages`)."""
    block_id, element = button(message, action_id, nth)
    user_id, name = user
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": name, "name": name, "team_id": "T0STUB"},
        "api_app_id": "A0STUB",
        "token": "legacy-verification-token",  # deprecated by Slack; never to be trusted
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel_id"],
            "is_ephemeral": False,
        },
        "trigger_id": "1.2.3",
        "team": {"id": "T0STUB", "domain": "stub"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": message["channel_id"], "name": "payments"},
        "message": {
            "type": "message",
            "bot_id": "B0STUB",
            "text": message["text"],
            "ts": message["ts"],
            "blocks": message["blocks"],
        },
        "state": {"values": {}},
        "response_url": stub.response_url(message["channel_id"], message["ts"]),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "text": element["text"],
                "value": element.get("value") if value is None else value,
                "action_ts": "1764000000.000100",
                **({"url": element["url"]} if "url" in element else {}),
            }
        ],
    }


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def post_click(
    url: str,
    body: bytes,
    *,
    timestamp: int,
    secret: str = SIGNING_SECRET,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST `body` to the request URL as Slack does (`headers` replace the signed ones)."""
    signed = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, str(timestamp), body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    return httpx.post(url, content=body, headers=signed if headers is None else headers, timeout=10)
