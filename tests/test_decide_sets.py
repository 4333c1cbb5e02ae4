"""The set-based decider against the row-at-a-time one it replaced, on generated data.

Each seed builds records (firm and "earliest" dates, past, near and far, aliases, product
scopes, some waiting for review), teams (exact IDs, aliases, platform forms, globs, IDs that
match nothing, waivers, products, no destination) with scanned and pulled usage, then runs
both deciders over the same days with dates moving and teams.yml changing in between.
Everything they write must be the same: exposures, outbox rows, fact keys, the watermark.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from pipeline.alerts import decide as set_based
from pipeline.core.config import TeamsFile
from storage import records as record_store
from storage import sources as source_store
from storage import teams as team_store
from storage import usage as usage_store
from storage.db import open_db, transaction
from tests import reference_decide as row_at_a_time

START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
PROVIDERS = ("openai", "anthropic", "aws-bedrock")


def make_records(rng: random.Random, n: int, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    by_provider: dict[str, list[dict[str, Any]]] = {p: [] for p in PROVIDERS}
    for i in range(n):
        provider = PROVIDERS[i % len(PROVIDERS)]
        base = f"{rng.choice(['gpt', 'claude', 'gemini'])}-{rng.randint(1, 4)}-m{i:03d}"
        day = today + dt.timedelta(days=rng.choice([-40, -3, 0, 1, 6, 25, 80, 200]))
        by_provider[provider].append(
            {
                "provider": provider,
                "model": f"anthropic.{base}-v1:0" if provider == "aws-bedrock" else base,
                "kind": "feature" if i % 17 == 0 else "model",
                "aliases": [f"{base}-latest"] if i % 4 == 0 else [],
                "shutdown_date": None if i % 13 == 0 else day.isoformat(),
                "shutdown_kind": "earliest" if i % 7 == 0 else "firm",
                "announced_date": None,
                "replacements": [f"{base}-next"] if i % 2 else [],
                "status": "deprecated",
                "evidence": f"{base} retires",
                "url": None,
                "scope": "product:chatgpt" if i % 19 == 0 else "api",
                "review_reason": "low confidence" if i % 23 == 0 else None,
            }
        )
    return by_provider


def usage_for(rng: random.Random, record: dict[str, Any], u: int) -> dict[str, str]:
    base = record["model"].removeprefix("anthropic.").removesuffix("-v1:0")
    roll = rng.random()
    if roll < 0.1:
        return {"model": f"{base.split('-')[0]}-{rng.randint(1, 4)}-*"}
    if roll < 0.5:
        return {"model": record["model"], "provider": record["provider"]}
    if roll < 0.6 and record["aliases"]:
        return {"model": record["aliases"][0]}
    if roll < 0.7:
        return {"model": f"us.anthropic.{base}-v1:0"}
    if roll < 0.8:
        return {"model": f"openai/{base}"}
    return {"model": f"{base}-nothing-{u}"}


def make_teams(rng: random.Random, records: list[dict[str, Any]], n: int) -> dict[str, Any]:
    teams = []
    for t in range(n):
        uses = [usage_for(rng, rng.choice(records), u) for u in range(rng.randint(1, 8))]
        team: dict[str, Any] = {
            "name": f"team-{t:02d}",
            "uses": uses,
            "lead_days": rng.choice([[90, 30, 7, 1], [60, 14, 3], [5]]),
        }
        if t % 5 != 4:
            team["email"] = [f"t{t}@example.com"]
        if t % 3 == 0:
            team["slack_channel"] = f"#t{t}"
        if t % 6 == 1:
            team["waivers"] = [
                {"model": uses[0]["model"], "reason": "planned", "until": "2027-01-10"}
            ]
        if t % 4 == 2:
            team["products"] = ["chatgpt"]
        teams.append(team)
    return {"teams": teams}


def put(db: Any, by_provider: dict[str, list[dict[str, Any]]], now: dt.datetime) -> None:
    source_store.sync_sources(
        db,
        [
            {
                "id": f"src-{p}",
                "provider": p,
                "url": f"https://e.test/{p}",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
            for p in PROVIDERS
        ],
    )
    with transaction(db):
        for provider, records in by_provider.items():
            record_store.apply_source_records(
                db,
                source_id=f"src-{provider}",
                records=records,
                snapshot_sha256="x",
                now=now.isoformat(),
                run_id=None,
            )


def side_usage(db: Any, rng: random.Random, records: list[dict[str, Any]], today: dt.date) -> None:
    """Scanned usage and pulled buckets (with and without recent calls) for some teams."""
    with transaction(db):
        for t in range(0, 12, 3):
            record = rng.choice(records)
            team_store.ensure_team(db, f"team-{t:02d}")
            team_store.add_usage(
                db,
                [
                    {
                        "team": f"team-{t:02d}",
                        "provider": "*",
                        "model": record["model"].lower(),
                        "origin": "scan",
                        "where_seen": "app.py",
                        "last_seen": None,
                        "volume": None,
                    }
                ],
            )
        buckets = []
        for t in range(1, 12, 4):
            record = rng.choice(records)
            day = today - dt.timedelta(days=rng.choice([0, 2, 45]))
            buckets.append(
                {
                    "unit": f"u{t}",
                    "team": f"team-{t:02d}",
                    "provider": record["provider"],
                    "model": record["model"].lower(),
                    "raw_model": record["model"],
                    "day": day.isoformat(),
                    "requests": rng.randint(1, 500),
                    "tokens": None,
                    "first_seen": None,
                    "last_seen": None,
                    "pulled_at": START.isoformat(),
                }
            )
        usage_store.replace_window(db, "pull-src", "2026-01-01", "2027-12-31", buckets)
        usage_store.sync_pulled_usage(db, "pull-src")


def snapshot(db: Any) -> dict[str, Any]:
    exposures = sorted(
        tuple(v for k, v in row.items() if k != "id") for row in db.query("SELECT * FROM exposures")
    )
    alerts = [
        tuple(v for k, v in row.items() if k != "id")
        for row in db.query("SELECT * FROM alerts ORDER BY id")
    ]
    keys = sorted(
        db.execute(
            "SELECT k.key, a.idempotency_key, k.created_at FROM alert_keys k"
            " JOIN alerts a ON a.id = k.alert_id"
        ).fetchall()
    )
    meta = sorted(db.execute("SELECT key, value FROM meta").fetchall())
    usage = sorted(
        tuple(v for k, v in row.items() if k != "id") for row in db.query("SELECT * FROM usage")
    )
    held = sorted(db.execute("SELECT id, review_from_change FROM records").fetchall())
    return {
        "exposures": exposures,
        "alerts": alerts,
        "keys": keys,
        "meta": meta,
        "usage": usage,
        "held": held,
    }


@pytest.mark.parametrize("seed", range(6))
def test_set_based_decisions_equal_the_row_at_a_time_ones(seed: int) -> None:
    rng = random.Random(seed)
    today = START.date()
    by_provider = make_records(rng, 60, today)
    flat = [r for records in by_provider.values() for r in records]
    first = make_teams(rng, flat, 14)
    # teams.yml a month later: some teams dropped a use, one added, one team left
    second = {"teams": [dict(t) for t in first["teams"][:-1]]}
    for team in second["teams"][::3]:
        team["uses"] = team["uses"][1:] or [usage_for(rng, rng.choice(flat), 99)]
    second["teams"][1]["uses"] = [*second["teams"][1]["uses"], usage_for(rng, flat[5], 98)]
    plans = [(0, first), (0, first), (1, first), (6, first), (21, first), (33, second)]
    moved_on = {1, 21}
    stores = [open_db(":memory:"), open_db(":memory:")]
    side_rng = [random.Random(seed + 100), random.Random(seed + 100)]
    try:
        for step, (offset, config) in enumerate(plans):
            now = START + dt.timedelta(days=offset, hours=step)
            if offset in moved_on:
                for record in flat[::5]:
                    if record["shutdown_date"]:
                        moved = dt.date.fromisoformat(record["shutdown_date"]) - dt.timedelta(9)
                        record["shutdown_date"] = moved.isoformat()
                for record in flat[1::9]:
                    record["review_reason"] = None  # a record waiting for review now agrees
            teams = TeamsFile.model_validate(config)
            results = []
            for db, side, impl in zip(stores, side_rng, (row_at_a_time, set_based), strict=True):
                put(db, by_provider, now)
                if step == 0:
                    side_usage(db, side, flat, today)
                results.append(impl.decide(db, teams, now=now))
            assert results[0] == results[1], (seed, step)
            old, new = (snapshot(db) for db in stores)
            for table in old:
                assert old[table] == new[table], (seed, step, table)
        assert snapshot(stores[0])["alerts"], "the generated data alerts nobody"
    finally:
        for db in stores:
            db.close()
