"""The row-at-a-time decider as it was before decisions became set operations (issue 17).

Kept only as the reference the set-based `pipeline.alerts.decide` is compared with on generated
data (`tests/test_decide_sets.py`): the same inputs must give the same exposures, outbox
rows and alert keys. Copied from `pipeline/decide.py`, `storage/teams.py` (`sync_teams`)
and `pipeline/usage_sources/volume.py` (`apply`) at commit d940b6b; pure helpers that did not
change are imported from `pipeline.alerts.decide`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

import sqlite_utils

from pipeline.alerts.decide import (
    ALERT_FIELDS,
    PAST_DAILY_FOR_DAYS,
    WATERMARK,
    _baseline,
    _days_left,
    _item,
    _meta,
    _reminder_note,
    _set_meta,
    _title,
    describe_change,
    log,
    team_rows,
    urgency,
)
from pipeline.alerts.exposure_volumes import exposure_volumes
from pipeline.alerts.exposures import usage_entries
from pipeline.alerts.match import PRODUCT_HOW, match, match_products
from pipeline.core.clock import iso
from pipeline.core.config import TeamConfig, TeamsFile, destinations
from pipeline.core.models import Alert, AlertItem, Record, record_of
from storage import alerts as outbox
from storage import records as record_store
from storage import teams as team_store
from storage import volume
from storage.db import transaction


def sync_teams(db: sqlite_utils.Database, teams: list[dict[str, Any]]) -> None:
    """Upsert team rows and replace each team's declared usage and waivers.

    Each dict: name, slack_channel, slack_webhook_env, email (list), digest_time,
    digest_timezone, lead_days (list), uses [{model, provider}], products (list of names),
    waivers [{model, reason, until}].
    Scanned and imported usage is kept. Call inside a transaction.
    """
    for team in teams:
        row = {
            "name": team["name"],
            "slack_channel": team.get("slack_channel"),
            "slack_webhook_env": team.get("slack_webhook_env"),
            "email": json.dumps(team.get("email") or []),
            "digest_time": team.get("digest_time"),
            "digest_timezone": team.get("digest_timezone"),
            "lead_days": json.dumps(team.get("lead_days") or []),
        }
        db["teams"].upsert(row, pk="name")
        db.execute("DELETE FROM usage WHERE team = ? AND origin = 'declared'", [team["name"]])
        for use in team.get("uses") or []:
            db.execute(
                """INSERT OR IGNORE INTO usage (team, provider, model, origin, where_seen)
                   VALUES (?, ?, ?, 'declared', 'teams.yml')""",
                [team["name"], use["provider"], use["model"].lower()],
            )
        db.execute("DELETE FROM team_products WHERE team = ?", [team["name"]])
        for product in team.get("products") or []:
            db.execute(
                "INSERT OR IGNORE INTO team_products (team, product) VALUES (?, ?)",
                [team["name"], product.lower()],
            )
        db.execute("DELETE FROM waivers WHERE team = ?", [team["name"]])
        for waiver in team.get("waivers") or []:
            db.execute(
                "INSERT OR REPLACE INTO waivers (team, model, reason, until) VALUES (?, ?, ?, ?)",
                [team["name"], waiver["model"].lower(), waiver["reason"], waiver["until"]],
            )


def apply_volumes(
    db: sqlite_utils.Database, records: Sequence[tuple[int, Record]], today: dt.date
) -> None:
    """Write each exposure's volume columns (cleared where pulled usage says nothing)."""
    volumes = exposure_volumes(db, records, today)
    db.execute(
        "UPDATE exposures SET requests_7d = NULL, tokens_7d = NULL, last_call = NULL,"
        " has_calls = 0 WHERE has_calls = 1"
    )
    for (team, record_id), figures in volumes.items():
        db.execute(
            """UPDATE exposures SET requests_7d = ?, tokens_7d = ?, last_call = ?, has_calls = 1
               WHERE team = ? AND record_id = ?""",
            [figures.requests_7d, figures.tokens_7d, figures.last_call, team, record_id],
        )


def refresh_exposures(db: sqlite_utils.Database, now: dt.datetime) -> None:
    """Match all usage against all model records; upsert `exposures`, deactivate stale ones."""
    usages = usage_entries(db)
    # Records waiting for review or rejected match nobody: teams never hear of them, and an
    # exposure that was active rests until the record is confirmed.
    records = [
        (r["id"], record_of(r))
        for r in record_store.all_records(db, alertable_only=True)
        if r["kind"] == "model"
    ]
    products = [(row["team"], row["product"]) for row in team_store.product_rows(db)]
    found = {
        (e.team, e.record_id): e
        for e in [*match(usages, records), *match_products(products, records)]
    }
    existing = team_store.exposures(db)
    stamp = iso(now)
    for key, exposure in found.items():
        values = {
            "usage_model": exposure.usage_model,
            "usage_provider": exposure.usage_provider,
            "how": exposure.how,
            "origin": exposure.origin,
            "last_seen": stamp,
            "active": 1,
        }
        if key in existing:
            db["exposures"].update(existing[key]["id"], values)
        else:
            db["exposures"].insert(
                {"team": key[0], "record_id": key[1], "first_seen": stamp, **values}
            )
    for key, row in existing.items():
        if key not in found and row["active"]:
            db["exposures"].update(row["id"], {"active": 0})
    apply_volumes(db, records, now.astimezone(dt.UTC).date())


def _waived(waivers: list[dict], team: str, record: dict, usage_model: str, today: dt.date) -> bool:
    for waiver in waivers:
        if waiver["team"] != team or waiver["until"] < today.isoformat():
            continue
        if any(fnmatchcase(name, waiver["model"]) for name in (record["model"], usage_model)):
            return True
    return False


def decide(db: sqlite_utils.Database, teams: TeamsFile, *, now: dt.datetime) -> int:
    """Refresh exposures and put every fresh fact in the outbox; return alerts created.

    Changes come from `record_changes` rows not yet decided (a watermark in `meta`), not from
    the cycle's memory, so a change stored by a run that died before deciding is still
    alerted by the next one.
    """
    today = now.date()
    with transaction(db):
        sync_teams(db, team_rows(teams))
        refresh_exposures(db, now)
        watermark = int(_meta(db, WATERMARK) or 0)
        changes_by_record: dict[int, list[dict[str, Any]]] = defaultdict(list)
        marks = ",".join("?" * len(ALERT_FIELDS))
        for change in db.query(
            f"SELECT * FROM record_changes WHERE id > ? AND field IN ({marks}) ORDER BY id",
            [watermark, *ALERT_FIELDS],
        ):
            changes_by_record[change["record_id"]].append(change)
        records = {r["id"]: r for r in record_store.all_records(db)}
        released = _release_withheld(db, records, changes_by_record)
        waivers = team_store.waivers(db)
        pending: dict[str, list[tuple[str, AlertItem, int]]] = defaultdict(list)
        silent: set[str] = set()
        for exposure in db.query("SELECT * FROM exposures WHERE active = 1 ORDER BY id"):
            team = exposure["team"]
            config = next((t for t in teams.teams if t.name == team), None)
            if config is None:
                continue
            if not destinations(config):
                silent.add(team)  # nothing is marked announced until it can be sent
                continue
            record = records[exposure["record_id"]]
            if _waived(waivers, team, record, exposure["usage_model"], today):
                continue
            for key, item in _facts(db, config, exposure, record, changes_by_record, today):
                pending[team].append((key, item, record["id"]))
        for team in sorted(silent):
            log.warning("team %s has no Slack or e-mail destination: its alerts wait", team)
        created = 0
        for team, facts in pending.items():
            created += _enqueue_team(db, teams.team(team), facts, now)
        latest = db.execute("SELECT MAX(id) FROM record_changes").fetchone()[0]
        if latest is not None:
            _set_meta(db, WATERMARK, str(latest))
        for record_id in released:
            db["records"].update(record_id, {"review_from_change": None})
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


def _facts(
    db: sqlite_utils.Database,
    team: TeamConfig,
    exposure: dict,
    record: dict,
    changes_by_record: dict[int, list[dict[str, Any]]],
    today: dt.date,
) -> list[tuple[str, AlertItem]]:
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
                note = _reminder_note(baseline, days_left)  # the reminder's wording (issue 19)
                facts.append((key, _item("reminder", record, exposure, today, note=note)))
            updates = {"reminded_lead": baseline}
        if (
            passed
            and exposure["how"] != "glob"
            and volume.still_called(exposure, record["shutdown_date"], today)
            and not _announced_on(db, f"new:{team.name}:{rid}", today)
        ):
            period = (
                today.isoformat()
                if -days_left <= PAST_DAILY_FOR_DAYS
                else "{}-W{:02d}".format(*today.isocalendar()[:2])
            )
            facts.append(
                (f"past:{team.name}:{rid}:{period}", _item("past", record, exposure, today))
            )
    if updates:
        db["exposures"].update(exposure["id"], updates)
    return facts


def _enqueue_team(
    db: sqlite_utils.Database,
    team: TeamConfig,
    facts: list[tuple[str, AlertItem, int]],
    now: dt.datetime,
) -> int:
    fresh = [(k, item, rid) for k, item, rid in facts if not _key_used(db, k)]
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
        key = f"{team.name}:{channel}:{group}"
        if outbox.enqueue(
            db,
            team=team.name,
            kind=kind,
            channel=channel,
            idempotency_key=key,
            payload=alert.to_payload(),
            now=iso(now),
            record_id=record_id,
        ):
            created += 1
            if first_alert_id is None:
                first_alert_id = db.execute(
                    "SELECT id FROM alerts WHERE idempotency_key = ?", [key]
                ).fetchone()[0]
    if first_alert_id is not None:
        for fact_key, _, _ in fresh:
            db.execute(
                "INSERT OR IGNORE INTO alert_keys (key, alert_id, created_at) VALUES (?, ?, ?)",
                [fact_key, first_alert_id, iso(now)],
            )
    return created


def _announced_on(db: sqlite_utils.Database, key: str, day: dt.date) -> bool:
    row = db.execute("SELECT created_at FROM alert_keys WHERE key = ?", [key]).fetchone()
    return row is not None and row[0][:10] == day.isoformat()


def _key_used(db: sqlite_utils.Database, key: str) -> bool:
    return db.execute("SELECT 1 FROM alert_keys WHERE key = ?", [key]).fetchone() is not None
