"""The one handler of a button click, whichever way it came (HTTP request URL or Socket
Mode): read the `block_actions` payload, set the hold through `pipeline.alerts.holds.actions`
(`via="slack"`, `by` the Slack user), and answer at the payload's `response_url`: the
message updated in place (`replace_original`, the clicked button row replaced by "Acknowledged
by @user" / "Snoozed until D by @user"), or an ephemeral line when nothing could be done (an
exposure or team that no longer exists, a snooze past the shutdown, a busy database).

The caller acknowledges the request to Slack first (within its 3 seconds); this handler never
raises for a bad click. Payload format: https://api.slack.com/reference/interaction-payloads/block-actions
and https://api.slack.com/interactivity/handling#message_responses.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from slack_sdk import WebhookClient

from pipeline.alerts.holds import actions
from pipeline.alerts.notify.escape import one_line, slack_text
from pipeline.alerts.slack_actions.buttons import (
    ACK,
    OPEN,
    SNOOZE,
    SNOOZE_DAYS,
    NotOurs,
    read_value,
)
from pipeline.core.errors import ConfigError
from pipeline.core.redact import problem
from storage.common import StoreError

log = logging.getLogger(__name__)
# slack-sdk's webhook client logs the URL it posts to (here a response_url) at DEBUG.
_sdk_log = logging.getLogger(__name__ + ".sdk")
_sdk_log.setLevel(logging.WARNING)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")

Respond = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Click:
    action_id: str
    block_id: str
    value: object
    user_id: str
    user_name: str
    response_url: str | None
    message: dict[str, Any] | None

    @property
    def mention(self) -> str:
        """The clicker in mrkdwn: a user mention when the ID is one, else the escaped name."""
        if _USER_ID.match(self.user_id):
            return f"<@{self.user_id}>"
        return slack_text(self.user_name or "someone")

    @property
    def by(self) -> str:
        """The clicker as recorded in the actions log."""
        name = one_line(self.user_name, 80) or "unknown"
        ident = one_line(self.user_id, 40)
        return f"@{name} ({ident})" if ident else f"@{name}"


def read_click(payload: object) -> Click | None:
    """The Sunset Watch button clicked in a `block_actions` payload, else None."""
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    clicked = [
        a
        for a in payload.get("actions") or []
        if isinstance(a, dict) and str(a.get("action_id", "")).startswith("sunset_")
    ]
    if not clicked:
        return None
    action = clicked[0]
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    url = payload.get("response_url")
    message = payload.get("message")
    return Click(
        action_id=str(action.get("action_id")),
        block_id=str(action.get("block_id") or ""),
        value=action.get("value"),
        user_id=str(user.get("id") or ""),
        user_name=str(user.get("username") or user.get("name") or ""),
        response_url=url if isinstance(url, str) and not problem(url, kind="url") else None,
        message=message if isinstance(message, dict) else None,
    )


def post_response(url: str, body: dict[str, Any]) -> None:
    """POST a message response to a `response_url` (slack-sdk's WebhookClient)."""
    answer = WebhookClient(url, timeout=10, logger=_sdk_log).send_dict(body)
    if answer.status_code != 200:
        log.warning(
            "Slack refused the answer to a click: HTTP %s %s",
            answer.status_code,
            one_line(answer.body, 80),
        )


class ClickHandler:
    """Turns a click into a hold and an answer. `open_db` opens the store (one connection
    per click: clicks arrive on different threads); `now` is the injected clock."""

    def __init__(
        self,
        open_db: Callable[[], sqlite_utils.Database],
        now: Callable[[], dt.datetime],
        respond: Respond = post_response,
    ) -> None:
        self._open_db = open_db
        self._now = now
        self._respond = respond

    def handle(self, payload: object) -> dict[str, Any] | None:
        """Act on the payload's click; return the answer sent (None: nothing to answer)."""
        click = read_click(payload)
        if click is None or click.action_id == OPEN:
            return None  # a link button, or not ours: Slack only needs the acknowledgement
        answer = self._answer(click)
        if click.response_url is None:
            log.warning("a Slack click came without a usable response_url: no answer sent")
            return answer
        try:
            self._respond(click.response_url, answer)
        except Exception as exc:  # the hold is stored; a lost answer must not crash the server
            log.warning("could not answer a Slack click: %s", type(exc).__name__)
        return answer

    def _answer(self, click: Click) -> dict[str, Any]:
        if click.action_id not in (ACK, SNOOZE):
            return ephemeral("This button is not one Sunset Watch knows: nothing was changed.")
        try:
            team, provider, model = read_value(click.value)
        except NotOurs:
            return ephemeral("This button is not one Sunset Watch knows: nothing was changed.")
        now = self._now()
        what = f"{slack_text(model)} ({slack_text(provider)}) for team {slack_text(team)}"
        try:
            db = self._open_db()
        except (StoreError, sqlite3.Error, OSError) as exc:
            log.warning("Slack click: cannot open the store: %s", type(exc).__name__)
            return ephemeral("Sunset Watch cannot reach its database just now: try again soon.")
        try:
            try:
                pairs = actions.targets(db, team, model, provider)
            except ConfigError:
                return ephemeral(
                    f"Sunset Watch has no current alert about {what}: it may have been "
                    "resolved, or the team or model is no longer watched. Nothing was changed."
                )
            if click.action_id == ACK:
                kind, until, done = "ack", None, f"Acknowledged by {click.mention}"
            else:
                until = (now.date() + dt.timedelta(days=SNOOZE_DAYS)).isoformat()
                kind, done = "snooze", f"Snoozed until {until} by {click.mention}"
            try:
                actions.hold(
                    db, pairs, team=team, kind=kind, by=click.by, via="slack", now=now, until=until
                )
            except ConfigError as exc:
                return ephemeral(f"Nothing was changed for {what}: {slack_text(str(exc))}")
        except (StoreError, sqlite3.Error) as exc:
            log.warning("Slack click for team %s: store error %s", team, type(exc).__name__)
            return ephemeral("Sunset Watch could not record that just now: try again soon.")
        finally:
            db.close()
        log.info("Slack click: %s %s %s (%s) by %s", kind, team, model, provider, click.by)
        return updated(click, f"{done} on {now.date().isoformat()}")


def ephemeral(text: str) -> dict[str, Any]:
    """A line only the clicker sees; the alert itself stays as it is."""
    return {"response_type": "ephemeral", "replace_original": False, "text": text}


def updated(click: Click, done: str) -> dict[str, Any]:
    """The clicked message with its button row replaced by `done` (mrkdwn), or, when the
    payload did not carry the message, `done` as an ephemeral line."""
    blocks = (click.message or {}).get("blocks")
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": done}]}
    if isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("block_id") == click.block_id for b in blocks
    ):
        new = [
            note if isinstance(b, dict) and b.get("block_id") == click.block_id else b
            for b in blocks
        ]
        text = str((click.message or {}).get("text") or "Sunset Watch alert")
        return {"replace_original": True, "text": text, "blocks": new}
    return ephemeral(done)
