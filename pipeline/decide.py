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
from pipeline.config import TeamConfig, TeamsFile, destinations
from pipeline.holds import actions as holds
from pipeline.incremental import match_inputs
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
# The exposure columns deciding reads (of 68,000 rows at 10,000 teams, each column counts)
_DECIDED_COLUMNS = (
    "id, team, record_id, usage_model, usage_provider, how, announced, reminded_lead,"
    " reminded_for, has_calls, requests_7d, tokens_7d, last_call"
)


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
        evidence=row["evidence"] or "",
        url=row["url"],
        scope=row.get("scope") or API,
    )


def usage_entries(db: sqlite_utils.Database) -> list[UsageEntry]:
    """Every team's stored usage (declared, scanned, imported) as match input, by id."""
    return [
        UsageEntry(
            team=team,
            model=model,
            provider=provider,
            origin=origin,
            where=where or None,
            last_seen=last_seen,
            volume=volume_,
        )
        for team, model, provider, origin, where, last_seen, volume_ in team_store.usage_tuples(db)
    ]


def refresh_exposures(
    db: sqlite_utils.Database,
    now: dt.datetime,
    *,
    rematch: bool = True,
    rows: list[dict[str, Any]] | None = None,
) -> None:
    """Match all usage against all model records; upsert `exposures`, deactivate stale ones.
    Without `rematch` (nothing matching reads changed) active exposures are only re-stamped.
    `rows`: every record as `all_records` gives it, when the caller has read them already."""
    # Records waiting for review or rejected match nobody: teams never hear of them, and an
    # exposure that was active rests until the record is confirmed.
    if rows is None:
        rows = record_store.all_records(db, alertable_only=True)
    records = [
        (r["id"], record_of(r))
        for r in rows
        if r["kind"] == "model" and r["review_state"] in record_store.ALERTABLE_STATES
    ]
    if not rematch:
        team_store.restamp_exposures(db, iso(now))
        volume.apply(db, records, now.astimezone(dt.UTC).date())
        return
    usages = usage_entries(db)
    products = [(row["team"], row["product"]) for row in team_store.product_rows(db)]
    found = {
        (e.team, e.record_id): e
        for e in [*match(usages, records), *match_products(products, records)]
    }
    existing = team_store.exposure_matches(db)
    stamp = iso(now)
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for key, e in found.items():
        values = (e.usage_model, e.usage_provider, e.how, e.origin)
        state = existing.get(key)
        if state is None:
            inserts.append((key[0], key[1], stamp, *values, stamp))
        elif not state[1] or state[2:] != values:  # only what matching changed is written
            updates.append((*values, stamp, state[0]))
    stale = [state[0] for key, state in existing.items() if key not in found and state[1]]
    team_store.write_exposures(db, inserts=inserts, updates=updates, deactivate=stale)
    team_store.restamp_exposures(db, stamp)  # the active ones are now exactly those found
    volume.apply(db, records, now.astimezone(dt.UTC).date())


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
    return destinations(teams.delivery.ops)


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
