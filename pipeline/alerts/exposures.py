"""Exposures: who uses what that a record is about, kept in the store.

`refresh_exposures` matches every team's stored usage (declared, scanned, imported, pulled)
and declared products against the alertable model records (`pipeline.alerts.match`), upserts
`exposures`, rests the ones no longer matched, and writes each exposure's pulled volume
(`pipeline.alerts.exposure_volumes`). `team_rows` is teams.yml as the store keeps it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from pipeline.alerts import exposure_volumes
from pipeline.alerts.match import match, match_products
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import UsageEntry, record_of
from storage import records as record_store
from storage import teams as team_store


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
        exposure_volumes.apply(db, records, now.astimezone(dt.UTC).date())
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
    exposure_volumes.apply(db, records, now.astimezone(dt.UTC).date())
