"""Knowing whether a Slack message went out when the answer to it never came.

A post whose request was sent but whose answer timed out (or whose deliverer was killed) is
"maybe sent". With a bot token each message carries Slack message metadata
(`metadata={"event_type": "sunset_watch_alert", "event_payload": {"key": ...}}`, see
https://api.slack.com/metadata/using), and before a maybe-sent alert is posted again the
channel's recent history is read (`conversations.history` with `include_all_metadata=true`,
which needs the `channels:history` / `groups:history` scope) for those keys. History is read
by channel ID: a configured `#name` is resolved with `conversations.list` (`channels:read` /
`groups:read`) once per process. When history cannot be read (missing scope, unknown
channel), `HistoryUnavailable` says so and the outbox falls back to the webhook rule: re-post
at most once.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

EVENT_TYPE = "sunset_watch_alert"
HISTORY_MARGIN = dt.timedelta(minutes=5)  # clocks differ; look a little before the claim
HISTORY_PAGES = 20  # at most 20 x 200 messages back: a busy channel stops there
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_ids: dict[tuple[str, str], str] = {}
_ids_lock = threading.Lock()


class HistoryUnavailable(Exception):
    """The channel's history cannot be read with this token; the reason is Slack's error."""


def metadata(key: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def channel_id(client: WebClient, channel: str) -> str:
    """The channel's ID: as configured when it is one, else looked up by name (cached)."""
    if _CHANNEL_ID.match(channel):
        return channel
    name = channel.lstrip("#").lower()
    cache_key = (str(client.base_url), name)
    with _ids_lock:
        if cache_key in _ids:
            return _ids[cache_key]
    cursor = None
    for _ in range(100):
        try:
            page = client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
        except SlackApiError as exc:
            raise HistoryUnavailable(_error(exc)) from None
        for found in page.get("channels") or []:
            if str(found.get("name", "")).lower() == name and found.get("id"):
                with _ids_lock:
                    _ids[cache_key] = found["id"]
                return found["id"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    raise HistoryUnavailable(f"channel {channel} not found by conversations.list")


def remember(client: WebClient, channel: str, answered_id: object) -> None:
    """chat.postMessage answers with the channel's ID: keep it for later lookups."""
    if isinstance(answered_id, str) and answered_id and not _CHANNEL_ID.match(channel):
        with _ids_lock:
            _ids[(str(client.base_url), channel.lstrip("#").lower())] = answered_id


def posted_keys(client: WebClient, channel: str, since: dt.datetime) -> set[str]:
    """The alert keys of our messages in `channel` since `since` (minus a margin)."""
    ident = channel_id(client, channel)
    oldest = f"{(since - HISTORY_MARGIN).timestamp():.6f}"
    keys: set[str] = set()
    cursor = None
    for _ in range(HISTORY_PAGES):
        try:
            page = client.conversations_history(
                channel=ident, oldest=oldest, limit=200, include_all_metadata=True, cursor=cursor
            )
        except SlackApiError as exc:
            if exc.response.status_code == 200:
                raise HistoryUnavailable(_error(exc)) from None
            raise
        for message in page.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == EVENT_TYPE and isinstance(payload.get("key"), str):
                keys.add(payload["key"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not (page.get("has_more") and cursor):
            break
    return keys


def _error(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"HTTP {exc.response.status_code}")[:100]
