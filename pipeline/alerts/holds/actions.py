"""Recording acknowledgements, snoozes and waivers (from the CLI or a Slack click): find the
team's exposure to a model, check the dates, set or clear the hold, append to the log.

Bad input raises `ConfigError` with one line: an unknown team or model names the known
ones; a snooze date in the past or after the shutdown date is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlite_utils

from pipeline.alerts.holds.rules import Holds, fingerprint
from pipeline.core.clock import iso
from pipeline.core.errors import ConfigError
from storage import holds as hold_store
from storage.db import transaction

KINDS = ("ack", "snooze", "waive")
_FOR = re.compile(r"^(\d{1,4})\s*([dw])$")


def load(db: sqlite_utils.Database, today: dt.date) -> Holds:
    """The current holds, for one decide run."""
    return Holds({(h["team"], h["record_id"]): h for h in hold_store.current(db)}, today)


def store_lapsed(db: sqlite_utils.Database, holds: Holds, now: dt.datetime) -> None:
    """Clear the holds that lapsed during a decide run and log why (by "sunset")."""
    rows = []
    for hold, record, reason in holds.ended:
        hold_store.remove(db, hold["team"], hold["record_id"])
        rows.append(
            {
                "team": hold["team"],
                "record_id": hold["record_id"],
                "model": record["model"],
                "provider": record["provider"],
                "action": f"{hold['kind']}-lapsed",
                "reason": reason,
                "by": "sunset",
                "at": iso(now),
                "via": "decide",
            }
        )
    hold_store.log_actions(db, rows)
    holds.ended.clear()


def targets(
    db: sqlite_utils.Database, team: str, model: str, provider: str | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(record, exposure) pairs of `team`'s active exposures to `model` (the record's model
    or the usage name that matched it), optionally on one provider."""
    known_teams = [r["name"] for r in db.query("SELECT name FROM teams ORDER BY name")]
    if team not in known_teams:
        hint = ", ".join(known_teams) or "none yet: `sunset run` stores teams.yml's teams"
        raise ConfigError(f"no team named {team!r} (known: {hint})")
    rows = list(
        db.query(
            """SELECT e.id AS exposure_id, e.usage_model, e.last_call, e.has_calls,
                      r.id, r.provider, r.model, r.shutdown_date, r.replacements, r.url
               FROM exposures e JOIN records r ON r.id = e.record_id
               WHERE e.team = ? AND e.active = 1 ORDER BY r.model, r.provider""",
            [team],
        )
    )
    wanted = model.strip().lower()
    found = [
        (row, row)
        for row in rows
        if wanted in (row["model"].lower(), row["usage_model"].lower())
        and (provider is None or row["provider"] == provider)
    ]
    if not found:
        known = ", ".join(sorted({r["model"] for r in rows})) or "none"
        where = f" on {provider}" if provider else ""
        raise ConfigError(
            f"team {team!r} has no exposure to {model!r}{where} (its models: {known})"
        )
    return found


def parse_until(
    text: str | None, for_text: str | None, today: dt.date, *, option: str = "--until"
) -> str:
    """`--until DATE` or `--for 7d|2w` as an ISO date after today."""
    if bool(text) == bool(for_text):
        raise ConfigError(f"give one of {option} DATE or --for 7d")
    if for_text:
        match = _FOR.match(for_text.strip().lower())
        if not match:
            raise ConfigError(f"--for {for_text!r} is not a duration like 7d or 2w")
        days = int(match[1]) * (7 if match[2] == "w" else 1)
        return (today + dt.timedelta(days=days)).isoformat()
    try:
        until = dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
    return until.isoformat()


def hold(
    db: sqlite_utils.Database,
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    *,
    team: str,
    kind: str,
    by: str,
    via: str,
    now: dt.datetime,
    reason: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Set a hold of `kind` on each (record, exposure); return the records held."""
    today = now.date().isoformat()
    if kind in ("snooze", "waive"):
        if not until or until <= today:
            raise ConfigError(f"--until {until} is not after today ({today})")
        for record, _ in pairs:
            shutdown = record["shutdown_date"]
            if kind == "snooze" and shutdown and until > shutdown:
                raise ConfigError(
                    f"snooze until {until} is after {record['model']}'s shutdown date"
                    f" {shutdown}: snooze to {shutdown} at the latest, or waive it"
                )
    if kind == "waive" and not (reason or "").strip():
        raise ConfigError("a waiver needs --reason")
    with transaction(db):
        for record, exposure in pairs:
            hold_store.put(
                db,
                {
                    "team": team,
                    "record_id": record["id"],
                    "kind": kind,
                    "reason": reason,
                    "until": until,
                    "fingerprint": fingerprint(record, exposure) if kind == "ack" else None,
                    "by": by,
                    "at": iso(now),
                    "via": via,
                },
            )
        _log(db, pairs, team=team, action=kind, by=by, via=via, now=now, reason=reason, until=until)
    return [record for record, _ in pairs]


def release(
    db: sqlite_utils.Database,
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    *,
    team: str,
    kind: str,
    by: str,
    via: str,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Clear the `kind` hold of each pair that has one; refuse when none has."""
    held = [
        (record, exposure)
        for record, exposure in pairs
        if (current := hold_store.hold(db, team, record["id"])) and current["kind"] == kind
    ]
    if not held:
        models = ", ".join(sorted({r["model"] for r, _ in pairs}))
        raise ConfigError(f"team {team!r} has no {kind} on {models}")
    with transaction(db):
        for record, _ in held:
            hold_store.remove(db, team, record["id"])
        _log(db, held, team=team, action=f"un{kind}", by=by, via=via, now=now)
    return [record for record, _ in held]


def _log(
    db: sqlite_utils.Database,
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    *,
    team: str,
    action: str,
    by: str,
    via: str,
    now: dt.datetime,
    reason: str | None = None,
    until: str | None = None,
) -> None:
    hold_store.log_actions(
        db,
        [
            {
                "team": team,
                "record_id": record["id"],
                "model": record["model"],
                "provider": record["provider"],
                "action": action,
                "reason": reason,
                "until": until,
                "by": by,
                "at": iso(now),
                "via": via,
            }
            for record, _ in pairs
        ],
    )
