"""When a hold keeps an exposure quiet: pure functions of a hold, a record and an exposure.

- ack: quiet until something changes about the exposure: its shutdown date, its
  replacements, or calls seen after the shutdown date (the fingerprint taken at ack time no
  longer matches); the hold then lapses.
- snooze: quiet before its `until` date; on that date reminders resume (the latest lead day
  crossed is sent once, as after a missed run).
- waive: quiet up to and including `until` (as teams.yml waivers); then it lapses.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any


def fingerprint(record: dict[str, Any], exposure: dict[str, Any]) -> str:
    """What an acknowledgement was given for: shutdown date, replacements, and whether calls
    were seen after the shutdown date."""
    replacements = record.get("replacements") or []
    if isinstance(replacements, str):
        replacements = json.loads(replacements or "[]")
    shutdown = record.get("shutdown_date")
    last_call = exposure.get("last_call")
    called_after = bool(shutdown and last_call and str(last_call)[:10] >= shutdown)
    return json.dumps(
        {"shutdown": shutdown, "replacements": sorted(replacements), "called_after": called_after},
        sort_keys=True,
    )


def lapse_reason(
    hold: dict[str, Any], record: dict[str, Any], exposure: dict[str, Any], today: dt.date
) -> str | None:
    """Why the hold no longer keeps the exposure quiet, or None while it does."""
    if hold["kind"] == "ack":
        if hold["fingerprint"] == fingerprint(record, exposure):
            return None
        old = json.loads(hold["fingerprint"] or "{}")
        new = json.loads(fingerprint(record, exposure))
        changed = [k for k in ("shutdown", "replacements", "called_after") if old.get(k) != new[k]]
        labels = {
            "shutdown": "shutdown date changed",
            "replacements": "replacements changed",
            "called_after": "calls seen after the shutdown date",
        }
        return "; ".join(labels[k] for k in changed) or "record changed"
    until = hold["until"] or ""
    if hold["kind"] == "snooze":
        return None if today.isoformat() < until else f"snooze ended {until}"
    return None if today.isoformat() <= until else f"waiver expired {until}"


@dataclass
class Holds:
    """The current holds, read once per decide run; `quiet` answers per exposure and
    remembers the holds that lapsed, which `lapsed` returns for the caller to store."""

    by_key: dict[tuple[str, int], dict[str, Any]]
    today: dt.date
    ended: list[tuple[dict[str, Any], dict[str, Any], str]] = field(default_factory=list)

    def quiet(self, team: str, record: dict[str, Any], exposure: dict[str, Any]) -> bool:
        hold = self.by_key.get((team, record["id"]))
        if hold is None:
            return False
        reason = lapse_reason(hold, record, exposure, self.today)
        if reason is None:
            return True
        self.ended.append((hold, record, reason))
        del self.by_key[(team, record["id"])]
        return False
