"""Deciding alerts: exposures and stored record changes -> outbox rows (delivery is separate).

Every alert-worthy fact gets a key (`new:payments:12`, `reminder:payments:12:2026-03-01:30`,
...). A fact whose key is already in `alert_keys` is never put in the outbox again, and all of
one team's fresh facts of a cycle are grouped into one message per channel. Deciding runs in
one transaction, so a crash leaves either everything or nothing decided.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

import sqlite_utils

from pipeline.clock import iso
from pipeline.config import TeamConfig, TeamsFile
from pipeline.match import PRODUCT_HOW, match, match_products
from pipeline.models import Alert, AlertItem, Record
from pipeline.scope import API, product_name, product_of
from pipeline.usage import UsageEntry
from pipeline.usage_sources import volume
from storage import alerts as outbox
from storage import records as record_store
from storage import teams as team_store
from storage.db import transaction

log = logging.getLogger(__name__)

ALERT_FIELDS = ("shutdown_date", "shutdown_kind", "replacements", "status")
PAST_DAILY_FOR_DAYS = 30  # after this, "past shutdown, still in use" repeats weekly
OPS_TEAM = "ops"
WATERMARK = "decided_change_id"  # meta key: record_changes up to this id are decided


def team_rows(teams: TeamsFile) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "slack_channel": t.slack_channel,
            "slack_webhook_env": t.webhook_env,
            "email": t.email,
            "digest_time": t.digest.time if t.digest else None,
            "digest_timezone": t.digest.timezone if t.digest else None,
            "lead_days": t.lead_days,
            "uses": [{"model": u.model, "provider": u.provider} for u in t.uses],
            "products": list(t.products),
            "waivers": [
                {"model": w.model, "reason": w.reason, "until": w.until.isoformat()}
                for w in t.waivers
            ],
        }
        for t in teams.teams
    ]


def record_of(row: dict[str, Any]) -> Record:
    return Record(
        provider=row["provider"],
        model=row["model"],
        kind=row["kind"],
        aliases=tuple(row["aliases"]),
        shutdown_date=row["shutdown_date"],
        shutdown_kind=row["shutdown_kind"],
        announced_date=row["announced_date"],
        replacements=tuple(row["replacements"]),
        status=row["status"],
        evidence=row["evidence"],
        url=row["url"],
        scope=row.get("scope") or API,
    )


def usage_entries(db: sqlite_utils.Database) -> list[UsageEntry]:
    """Every team's stored usage (declared, scanned, imported) as match input."""
    return [
        UsageEntry(
            team=u["team"],
            model=u["model"],
            provider=u["provider"],
            origin=u["origin"],
            where=u["where_seen"] or None,
            last_seen=u["last_seen"],
            volume=u["volume"],
        )
        for u in team_store.usage_rows(db)
    ]


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
    volume.apply(db, records, now.astimezone(dt.UTC).date())


def _days_left(shutdown: str | None, today: dt.date) -> int | None:
    return (dt.date.fromisoformat(shutdown) - today).days if shutdown else None


def _baseline(lead_days: Sequence[int], days_left: int | None) -> int | None:
    """The smallest lead day already crossed: reminders fire only below it."""
    if days_left is None:
        return None
    crossed = [d for d in lead_days if days_left <= d]
    return min(crossed) if crossed else None


def _waived(waivers: list[dict], team: str, record: dict, usage_model: str, today: dt.date) -> bool:
    for waiver in waivers:
        if waiver["team"] != team or waiver["until"] < today.isoformat():
            continue
        if any(fnmatchcase(name, waiver["model"]) for name in (record["model"], usage_model)):
            return True
    return False


def exposure_item(
    kind: str,
    record: dict[str, Any],
    usage_model: str,
    usage_provider: str,
    **extra: Any,
) -> AlertItem:
    """An alert item about `record` (a records row; list fields decoded or JSON text) as
    matched by a team's usage."""
    replacements = record["replacements"]
    if isinstance(replacements, str):
        replacements = json.loads(replacements or "[]")
    product = product_of(usage_model)
    if product is not None:
        matched_as = f"{product_name(product)} (a product you use)"
    else:
        matched_as = usage_model + ("" if usage_provider == "*" else f" ({usage_provider})")
    return AlertItem(
        kind=kind,
        provider=record["provider"],
        model=record["model"],
        shutdown_date=record["shutdown_date"],
        shutdown_kind=record["shutdown_kind"],
        replacements=tuple(replacements),
        status=record["status"],
        evidence=record["evidence"] or "",
        url=record["url"],
        matched_as=matched_as,
        scope=record.get("scope") or API,
        **extra,
    )


def volume_fields(exposure: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """An exposure row's pulled volume as `AlertItem` fields (empty without pulled usage)."""
    if not exposure.get("has_calls"):
        return {}
    return {
        "requests_7d": exposure.get("requests_7d"),
        "tokens_7d": exposure.get("tokens_7d"),
        "last_call": exposure.get("last_call"),
        "quiet": volume.quiet(exposure, today),
    }


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


def urgency(item: AlertItem) -> tuple[int, int]:
    """Sort key: fewest days left first (no date last), then the most calls."""
    days = item.days_left if item.days_left is not None else 10**6
    return days, -(item.requests_7d or item.tokens_7d or 0)


def describe_change(field: str, old: Any, new: Any) -> str:
    label = field.replace("_", " ")
    if field in record_store.JSON_FIELDS:
        old = ", ".join(json.loads(old or "[]")) or "none"
        new = ", ".join(json.loads(new or "[]")) or "none"
    return f"{label} {old or 'none'} -> {new or 'none'}"


def decide(db: sqlite_utils.Database, teams: TeamsFile, *, now: dt.datetime) -> int:
    """Refresh exposures and put every fresh fact in the outbox; return alerts created.

    Changes come from `record_changes` rows not yet decided (a watermark in `meta`), not from
    the cycle's memory, so a change stored by a run that died before deciding is still
    alerted by the next one.
    """
    today = now.date()
    with transaction(db):
        team_store.sync_teams(db, team_rows(teams))
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
            if not _channels(config):
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
                note = _reminder_note(baseline, days_left)
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


def _channels(team: TeamConfig) -> list[tuple[str, str]]:
    channels = []
    if team.slack_channel or team.webhook_env:
        channels.append(("slack", team.slack_channel or f"webhook:{team.webhook_env}"))
    if team.email:
        channels.append(("email", ", ".join(team.email)))
    return channels


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
    channels = _channels(team)
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


def enqueue_ops(
    db: sqlite_utils.Database,
    teams: TeamsFile | None,
    *,
    source_id: str,
    provider: str,
    url: str,
    kind: str,
    previous: str,
    note: str,
    now: dt.datetime,
) -> int:
    """One operator alert per source health transition (failing, cliff, recovered, ...)."""
    if teams is None:
        log.warning(
            "source %s is %s (%s); no teams.yml, so no operator alert", source_id, kind, note
        )
        return 0
    item = AlertItem(
        kind="recovery" if kind == "recovered" else "ops",
        provider=provider,
        model=source_id,
        url=url,
        note=note,
        status=kind,
    )
    title = {
        "failing": f"Source {source_id} is failing",
        "cliff": f"Source {source_id} parsed to far fewer records",
        "recovered": f"Source {source_id} recovered",
    }.get(kind, f"Source {source_id}: {kind}")
    created = 0
    for channel, destination in ops_destinations(teams):
        created += enqueue_ops_alert(
            db,
            channel=channel,
            destination=destination,
            title=title,
            item=item,
            idempotency_key=f"ops:{source_id}:{kind}:{previous}:{iso(now)}:{channel}",
            now=now,
        )
    log.warning("source %s: %s -> %s (%s)", source_id, previous, kind, note)
    return created


def ops_destinations(teams: TeamsFile) -> list[tuple[str, str]]:
    """(channel, destination) pairs of the operator (delivery.ops)."""
    ops = teams.delivery.ops
    destinations = []
    if ops.slack_channel or ops.webhook_env:
        destinations.append(("slack", ops.slack_channel or f"webhook:{ops.webhook_env}"))
    if ops.email:
        destinations.append(("email", ", ".join(ops.email)))
    return destinations


def enqueue_ops_alert(
    db: sqlite_utils.Database,
    *,
    channel: str,
    destination: str,
    title: str,
    item: AlertItem,
    idempotency_key: str,
    now: dt.datetime,
    record_id: int | None = None,
    more: Sequence[AlertItem] = (),
) -> bool:
    """Put one operator alert in the outbox (team "ops"); False if its key was already used.
    `more` items follow `item` in the same message."""
    alert = Alert(
        team=OPS_TEAM,
        channel=channel,  # type: ignore[arg-type]
        kind="ops",
        title=title,
        items=(item, *more),
        destination=destination,
    )
    return outbox.enqueue(
        db,
        team=OPS_TEAM,
        kind="ops",
        channel=channel,
        idempotency_key=idempotency_key,
        payload=alert.to_payload(),
        now=iso(now),
        record_id=record_id,
    )
