"""The Block Kit `actions` block under each model of an alert posted with a bot token, and
reading back what a clicked button carries.

A button's `value` (Slack: at most 2000 characters) is JSON naming the team's exposure
(`{"t": team, "p": provider, "m": model}`, the raw stored names, never shown); its text is
fixed plain text. "Snooze 7 days" is offered only when the shutdown date (if any) is at
least 7 days away, since a snooze never runs past it; "Open page" is a URL button to the
source page when that is a safe http(s) URL. See https://api.slack.com/reference/block-kit.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pipeline.alerts.notify.base import OPS_KINDS
from pipeline.alerts.notify.escape import safe_url
from pipeline.core.models import AlertItem
from pipeline.ops_alerts import OPS_TEAM

ACK = "sunset_ack"
SNOOZE = "sunset_snooze_7d"
OPEN = "sunset_open_page"
SNOOZE_DAYS = 7
VALUE_MAX = 2000
URL_MAX = 3000
BLOCK_PREFIX = "sunset_actions_"


class NotOurs(ValueError):
    """A button value Sunset Watch did not write."""


def value(team: str, provider: str, model: str) -> str:
    return json.dumps({"t": team, "p": provider, "m": model}, separators=(",", ":"))


def read_value(text: object) -> tuple[str, str, str]:
    """(team, provider, model) from a button's value; `NotOurs` when it is not ours."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or set(data) != {"t", "p", "m"}:
        raise NotOurs("not a Sunset Watch button")
    found = (data["t"], data["p"], data["m"])
    if not all(isinstance(part, str) and part for part in found):
        raise NotOurs("not a Sunset Watch button")
    return found


def has_buttons(team: str, item: AlertItem) -> bool:
    """Model items of a team's alert get buttons; operator notices do not."""
    return team != OPS_TEAM and item.kind not in OPS_KINDS


def actions_block(team: str, item: AlertItem, index: int, now: dt.datetime) -> dict | None:
    """The buttons for `item` (block `sunset_actions_<index>`), or None when the value would
    not fit in Slack's limit."""
    carried = value(team, item.provider, item.model)
    if len(carried) > VALUE_MAX:
        return None
    elements: list[dict[str, Any]] = [
        _button(ACK, "Acknowledge", value=carried, style="primary"),
    ]
    if _can_snooze(item.shutdown_date, now.date()):
        elements.append(_button(SNOOZE, f"Snooze {SNOOZE_DAYS} days", value=carried))
    url = safe_url(item.url)
    if url and len(url) <= URL_MAX:
        elements.append(_button(OPEN, "Open page", url=url))
    return {"type": "actions", "block_id": f"{BLOCK_PREFIX}{index}", "elements": elements}


def _can_snooze(shutdown: str | None, today: dt.date) -> bool:
    if not shutdown:
        return True
    try:
        date = dt.date.fromisoformat(shutdown)
    except ValueError:
        return True
    return date >= today + dt.timedelta(days=SNOOZE_DAYS)


def _button(action_id: str, text: str, **fields: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        **fields,
    }
