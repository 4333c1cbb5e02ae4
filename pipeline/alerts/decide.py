"""Deciding alerts: exposures and stored record changes -> outbox rows (delivery is separate).

Every alert-worthy fact gets a key (`new:payments:12`, `reminder:payments:12:2026-03-01:30`,
...). A fact whose key is already in `alert_keys` is never put in the outbox again, and all of
one team's fresh facts of a cycle are grouped into one message per channel. Deciding runs in
one transaction, so a crash leaves either everything or nothing decided.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

import sqlite_utils

from pipeline.alerts import match_inputs
from pipeline.alerts.exposures import refresh_exposures, team_rows
from pipeline.alerts.holds import actions as holds
from pipeline.alerts.items import describe_change, exposure_item, urgency, volume_fields
from pipeline.alerts.match import PRODUCT_HOW
from pipeline.core.clock import iso
from pipeline.core.config import TeamConfig, TeamsFile, destinations
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox
from storage import records as record_store
from storage import teams as team_store
from storage import volume
from storage.db import transaction

log = logging.getLogger(__name__)

ALERT_FIELDS = ("shutdown_date", "shutdown_kind", "replacements", "status")
PAST_DAILY_FOR_DAYS = 30  # after this, "past shutdown, still in use" repeats weekly
WATERMARK = "decided_change_id"  # meta key: record_changes up to this id are decided
# The exposure columns deciding reads (of 68,000 rows at 10,000 teams, each column counts)
_DECIDED_COLUMNS = (
    "id, team, record_id, usage_model, usage_provider, how, announced, reminded_lead,"
    " reminded_for, has_calls, requests_7d, tokens_7d, last_call"
)


def _days_left(shutdown: str | None, today: dt.date) -> int | None:
    return (dt.date.fromisoformat(shutdown) - today).days if shutdown else None


def _baseline(lead_days: Sequence[int], days_left: int | None) -> int | None:
    """The smallest lead day already crossed: reminders fire only below it."""
    if days_left is None:
        return None
    crossed = [d for d in lead_days if days_left <= d]
    return min(crossed) if crossed else None


def _waived(waivers: list[dict], record: dict, usage_model: str, today: dt.date) -> bool:
    """True when one of the team's own `waivers` covers the record or the usage model."""
    for waiver in waivers:
        if waiver["until"] < today.isoformat():
            continue
        if any(fnmatchcase(name, waiver["model"]) for name in (record["model"], usage_model)):
            return True
    return False


def _item(kind: str, record: dict, exposure: dict, today: dt.date, **extra: Any) -> AlertItem:
    return exposure_item(
        kind,
        record,
        exposure["usage_model"],
        exposure["usage_provider"],
        days_left=_days_left(record["shutdown_date"], today),
        **volume_fields(exposure, today),
        **extra,
    )


def decide(db: sqlite_utils.Database, teams: TeamsFile, *, now: dt.datetime) -> int:
    """Refresh exposures and put every fresh fact in the outbox; return alerts created.

    Changes come from `record_changes` rows not yet decided (a watermark in `meta`), not from
    the cycle's memory, so a change stored by a run that died before deciding is still
    alerted by the next one.
    """
    today = now.date()
    with transaction(db):
        inputs = match_inputs.fingerprint(teams)
        rematch = not match_inputs.unchanged(db, inputs)
        if rematch:
            team_store.sync_teams(db, team_rows(teams))
        all_rows = record_store.all_records(db)
        refresh_exposures(db, now, rematch=rematch, rows=all_rows)
        watermark = int(_meta(db, WATERMARK) or 0)
        changes_by_record: dict[int, list[dict[str, Any]]] = defaultdict(list)
        marks = ",".join("?" * len(ALERT_FIELDS))
        for change in db.query(
            f"SELECT * FROM record_changes WHERE id > ? AND field IN ({marks}) ORDER BY id",
            [watermark, *ALERT_FIELDS],
        ):
            changes_by_record[change["record_id"]].append(change)
        records = {r["id"]: r for r in all_rows}
        released = _release_withheld(db, records, changes_by_record)
        waivers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for waiver in team_store.waivers(db):
            waivers[waiver["team"]].append(waiver)
        configs = {t.name: t for t in teams.teams}
        exposures = [
            row
            for row in db.query(
                f"SELECT {_DECIDED_COLUMNS} FROM exposures WHERE active = 1 ORDER BY id"
            )
            if row["team"] in configs
        ]
        # Whether each passed exposure's "new" fact was told today, in one batched lookup.
        announced = outbox.fact_keys(
            db,
            [
                f"new:{e['team']}:{e['record_id']}"
                for e in exposures
                if (records[e["record_id"]]["shutdown_date"] or "9999") < today.isoformat()
            ],
        )
        held = holds.load(db, today)
        pending: dict[str, list[tuple[str, AlertItem, int]]] = defaultdict(list)
        silent: set[str] = set()
        states: list[tuple[Any, ...]] = []
        for exposure in exposures:
            team = exposure["team"]
            config = configs[team]
            if not destinations(config):
                silent.add(team)  # nothing is marked announced until it can be sent
                continue
            record = records[exposure["record_id"]]
            if _waived(waivers.get(team, []), record, exposure["usage_model"], today):
                continue
            if held.quiet(team, record, exposure):  # acknowledged, snoozed or waived
                continue
            facts, state = _facts(config, exposure, record, changes_by_record, today, announced)
            for key, item in facts:
                pending[team].append((key, item, record["id"]))
            if state is not None:
                states.append((*state, exposure["id"]))
        team_store.set_reminder_state(db, states)
        holds.store_lapsed(db, held, now)
        for team in sorted(silent):
            log.warning("team %s has no Slack or e-mail destination: its alerts wait", team)
        used = set(outbox.fact_keys(db, [k for facts in pending.values() for k, _, _ in facts]))
        created = 0
        new_keys: list[tuple[str, int, str]] = []
        for team, facts in pending.items():
            created += _enqueue_team(db, configs[team], facts, now, used, new_keys)
        outbox.add_fact_keys(db, new_keys)
        latest = db.execute("SELECT MAX(id) FROM record_changes").fetchone()[0]
        if latest is not None:
            _set_meta(db, WATERMARK, str(latest))
        for record_id in released:
            db["records"].update(record_id, {"review_from_change": None})
        match_inputs.remember(db, inputs)
    return created


def _release_withheld(
    db: sqlite_utils.Database,
    records: dict[int, dict[str, Any]],
    changes_by_record: dict[int, list[dict[str, Any]]],
) -> list[int]:
    """Add the changes withheld while a record waited for review, now that it is confirmed.

    The watermark passed them while teams could not be told; `review_from_change` remembers
    the first. Each field is told once, from its value before review to its value now.
    """
    released = []
    marks = ",".join("?" * len(ALERT_FIELDS))
    for record in records.values():
        since = record.get("review_from_change")
        if since is None or record["review_state"] not in record_store.ALERTABLE_STATES:
            continue
        released.append(record["id"])
        withheld = list(
            db.query(
                f"SELECT * FROM record_changes WHERE record_id = ? AND id >= ?"
                f" AND field IN ({marks}) ORDER BY id",
                [record["id"], since, *ALERT_FIELDS],
            )
        )
        by_field: dict[str, dict[str, Any]] = {}
        for change in withheld:
            first = by_field.setdefault(change["field"], dict(change))
            first["new_value"] = change["new_value"]
        collapsed = [c for c in by_field.values() if c["old_value"] != c["new_value"]]
        changes_by_record[record["id"]] = sorted(collapsed, key=lambda c: c["id"])
    return released


def _meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def _facts(
    team: TeamConfig,
    exposure: dict,
    record: dict,
    changes_by_record: dict[int, list[dict[str, Any]]],
    today: dt.date,
    announced: dict[str, str],
) -> tuple[list[tuple[str, AlertItem]], tuple[Any, Any, Any] | None]:
    """The exposure's fresh facts, and its new (announced, reminded_lead, reminded_for)
    state when that changes. `announced`: fact key -> created_at of the "new" facts told
    before (only those of passed records are needed)."""
    facts: list[tuple[str, AlertItem]] = []
    rid = record["id"]
    days_left = _days_left(record["shutdown_date"], today)
    baseline = _baseline(team.lead_days, days_left)
    # An "earliest" date that passes is not a shutdown: nothing says the model is gone. A
    # product change that passed is news once, never "still in use": the team declared the
    # product, not the model.
    product = exposure["how"] == PRODUCT_HOW
    passed = (
        days_left is not None
        and days_left < 0
        and record["shutdown_kind"] != "earliest"
        and not product
    )
    updates: dict[str, Any] = {}
    if not exposure["announced"]:
        kind = "past" if passed else "new"
        facts.append((f"new:{team.name}:{rid}", _item(kind, record, exposure, today)))
        updates = {
            "announced": 1,
            "reminded_lead": baseline,
            "reminded_for": record["shutdown_date"],
        }
    else:
        changes = changes_by_record.get(rid, [])
        if changes:
            text = "; ".join(
                describe_change(c["field"], c["old_value"], c["new_value"]) for c in changes
            )
            key = f"changed:{team.name}:{rid}:{changes[0]['id']}"
            facts.append((key, _item("changed", record, exposure, today, change=text)))
        if exposure["reminded_for"] != record["shutdown_date"]:
            # A moved date resets the reminder baseline; the change alert told them.
            updates = {"reminded_lead": baseline, "reminded_for": record["shutdown_date"]}
        elif baseline is not None and (
            exposure["reminded_lead"] is None or baseline < exposure["reminded_lead"]
        ):
            # No call for 30 days: the reminder is softened to the digest (which lists the
            # model as "no recent calls"), never dropped; traffic brings the next one back.
            if not volume.quiet(exposure, today):
                key = f"reminder:{team.name}:{rid}:{record['shutdown_date']}:{baseline}"
                note = _reminder_note(baseline, days_left)
                facts.append((key, _item("reminder", record, exposure, today, note=note)))
            updates = {"reminded_lead": baseline}
        if (
            passed
            and exposure["how"] != "glob"
            and volume.still_called(exposure, record["shutdown_date"], today)
            and announced.get(f"new:{team.name}:{rid}", "")[:10] != today.isoformat()
        ):
            period = (
                today.isoformat()
                if -days_left <= PAST_DAILY_FOR_DAYS
                else "{}-W{:02d}".format(*today.isocalendar()[:2])
            )
            facts.append(
                (f"past:{team.name}:{rid}:{period}", _item("past", record, exposure, today))
            )
    if not updates:
        return facts, None
    state = {
        "announced": exposure["announced"],
        "reminded_lead": exposure["reminded_lead"],
        "reminded_for": exposure["reminded_for"],
        **updates,
    }
    return facts, (state["announced"], state["reminded_lead"], state["reminded_for"])


def _reminder_note(lead: int, days_left: int | None) -> str:
    """Which lead day fired, and whether the reminder comes late (a missed run's catch-up)."""
    note = f"{lead}-day reminder"
    if days_left is not None and days_left < lead:
        note += f" (late: {wording_days(days_left)})"
    return note


def wording_days(days: int) -> str:
    if days < 0:
        return f"shut down {-days} day{'s' if days != -1 else ''} ago"
    if days == 0:
        return "shuts down today"
    return f"{days} day{'s' if days != 1 else ''} left"


def _title(team: str, items: Sequence[AlertItem]) -> str:
    kinds = {item.kind for item in items}
    count = len({(item.provider, item.model) for item in items})
    noun = "model" if count == 1 else "models"
    if kinds == {"reminder"}:
        days = [item.days_left for item in items if item.days_left is not None]
        if not days:
            return f"Reminder for {team}: {count} {noun} to move off"
        soonest = min(days)
        if soonest < 0:
            return f"Reminder for {team}: {count} {noun} past the shutdown date"
        if soonest == 0:
            return f"Reminder for {team}: {count} {noun} shutting down today"
        first = " " if count == 1 else ", the first "
        return (
            f"Reminder for {team}: {count} {noun}{first}shutting down in "
            f"{soonest} day{'s' if soonest != 1 else ''}"
        )
    if kinds == {"changed"}:
        return f"Deprecation changed for {team}: {count} {noun}"
    if kinds == {"past"}:
        return f"Still in use after shutdown for {team}: {count} {noun}"
    return f"Model deprecations affecting {team}: {count} {noun}"


def _enqueue_team(
    db: sqlite_utils.Database,
    team: TeamConfig,
    facts: list[tuple[str, AlertItem, int]],
    now: dt.datetime,
    used: set[str],
    new_keys: list[tuple[str, int, str]],
) -> int:
    """One message per channel with the team's facts whose keys are not in `used`; the
    keys it carried are appended to `new_keys` (written in one batch by the caller)."""
    fresh = [(k, item, rid) for k, item, rid in facts if k not in used]
    if not fresh:
        return 0
    fresh.sort(key=lambda fact: urgency(fact[1]))
    items = tuple(item for _, item, _ in fresh)
    kinds = {item.kind for item in items}
    kind = kinds.pop() if len(kinds) == 1 else "update"
    group = hashlib.sha256("\n".join(sorted(k for k, _, _ in fresh)).encode()).hexdigest()[:16]
    record_id = fresh[0][2] if len(fresh) == 1 else None
    created = 0
    channels = destinations(team)
    if not channels:
        log.warning(
            "team %s has no Slack or e-mail destination; %d facts not sent", team.name, len(fresh)
        )
    first_alert_id: int | None = None
    for channel, destination in channels:
        alert = Alert(
            team=team.name,
            channel=channel,  # type: ignore[arg-type]
            kind=kind,
            title=_title(team.name, items),
            items=items,
            destination=destination,
        )
        alert_id = outbox.enqueue_id(
            db,
            team=team.name,
            kind=kind,
            channel=channel,
            idempotency_key=f"{team.name}:{channel}:{group}",
            payload=alert.to_payload(),
            now=iso(now),
            record_id=record_id,
        )
        if alert_id is not None:
            created += 1
            if first_alert_id is None:
                first_alert_id = alert_id
    if first_alert_id is not None:
        new_keys.extend((fact_key, first_alert_id, iso(now)) for fact_key, _, _ in fresh)
    return created
