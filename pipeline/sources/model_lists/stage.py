"""A model list's pull -> listing rows -> records (the cycle calls `apply_listing` inside
its snapshot transaction, and `confirm_gone` once per cycle after every source is stored).

- The first pull is a baseline: models are noted, and nothing is judged missing.
- A listed deprecation date (Mistral's `deprecation`) becomes a firm record with that
  shutdown date and the list's replacement. Records are merged per model like a page's
  (`storage.records`): a page that owns the record keeps its fields, and a record waiting
  for review that the list gives the same date is confirmed (a second source).
- A model listed on two pulls in a row and absent on the next is `gone`: a record
  "no longer listed since D" waiting for review (the operator hears of it once, with the
  cycle's review batch). When the list's own deprecation date was already due by D the
  removal was announced and the record is not held. A model listed only once and then
  absent is a blip and ignored.
- A page record that gives a shutdown date on or before D (+ `GRACE_DAYS`) and a gone
  model confirm each other (`confirm_gone`), whichever arrived first.
- A gone model that is listed again withdraws its record (unlisted; rejected if still
  waiting for review).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import sqlite_utils

from pipeline.sources.model_lists.pull import Listing
from storage import model_lists as listing_store
from storage import records as record_store
from storage import review as review_store

log = logging.getLogger(__name__)

GRACE_DAYS = 14  # a list may drop a model up to two weeks before the announced date
GONE_WHY = "model list: no longer listed"
DEPRECATION_WHY = "model list: deprecation field"


def _day(stamp: str) -> str:
    return stamp[:10]


def apply_listing(
    db: sqlite_utils.Database,
    *,
    source: dict[str, Any],
    listing: Listing,
    snapshot_sha256: str | None,
    now: str,
    run_id: int | None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Store one pull; return the record events and warnings. Call inside a transaction."""
    source_id, provider = source["id"], source["provider"]
    before = listing_store.listings(db, source_id)
    baseline = not before
    rows: dict[str, dict[str, Any]] = {}
    relisted: list[str] = []
    for model in listing.models:
        old = before.get(model.id)
        row = dict(old) if old else {"source_id": source_id, "model": model.id}
        if old and old["state"] == "gone":
            relisted.append(model.id)
        continued = bool(old) and old["state"] == "listed"
        row.update(
            state="listed",
            streak=(old["streak"] + 1) if continued and old else 1,
            first_listed=row.get("first_listed") or now,
            last_listed=now,
            absent_since=None,
            # What the list says now: a deprecation it drops withdraws its record.
            deprecation=model.deprecation,
            replacement=model.replacement,
        )
        rows[model.id] = row
    for name, old in before.items():
        if name in rows:
            continue
        row = dict(old)
        if old["state"] == "listed":
            row.update(state="gone" if old["streak"] >= 2 else "absent", streak=0, absent_since=now)
        rows[name] = row
    listing_store.save(db, list(rows.values()))
    if baseline:
        log.info("model list %s: baseline of %d models", source_id, len(listing.models))

    records: list[dict[str, Any]] = []
    warnings = list(listing.warnings)
    aliases = {m.id: m.aliases for m in listing.models}
    for row in rows.values():
        if row["state"] == "listed" and row["deprecation"]:
            records.append(_deprecation_record(source, row, aliases.get(row["model"], ())))
        elif row["state"] == "gone":
            current = record_store.find_record(db, provider, row["model"])
            if current and current["source_id"] != source_id and current["listed"]:
                continue  # another source's record: `confirm_gone` weighs the two
            records.append(_gone_record(source, row))
    for record in records:
        current = record_store.find_record(db, provider, record["model"])
        if (
            current
            and current["source_id"] != source_id
            and current["shutdown_date"]
            and record["shutdown_date"]
            and current["shutdown_date"] != record["shutdown_date"]
        ):
            warnings.append(
                f"model {record['model']}: the list says {record['shutdown_date']}, "
                f"source {current['source_id']} says {current['shutdown_date']}"
            )
    events = record_store.apply_source_records(
        db,
        source_id=source_id,
        records=records,
        snapshot_sha256=snapshot_sha256,
        now=now,
        run_id=run_id,
    )
    newly_gone = [
        name for name, row in rows.items() if row["state"] == "gone" and row["absent_since"] == now
    ]
    events += _reopen(db, source, newly_gone, now, run_id)
    _withdraw(db, source, relisted, now)
    return events, warnings


def _base(source: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": source["provider"],
        "model": row["model"],
        "kind": "model",
        "shutdown_date": row["deprecation"],
        "shutdown_kind": "firm" if row["deprecation"] else "none",
        "replacements": [row["replacement"]] if row["replacement"] else [],
        "url": source["url"],
        "confidence": 1.0,
    }


def _deprecation_record(
    source: dict[str, Any], row: dict[str, Any], aliases: tuple[str, ...]
) -> dict[str, Any]:
    return {
        **_base(source, row),
        "aliases": list(aliases),
        "status": "deprecated",
        "evidence": f"{source['id']} lists {row['model']} with deprecation {row['deprecation']}",
        "why": [DEPRECATION_WHY],
    }


def _gone_record(source: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    since = _day(row["absent_since"])
    announced = bool(row["deprecation"]) and row["deprecation"] <= since
    return {
        **_base(source, row),
        "status": "retired",
        "evidence": (
            f"{source['id']}: {row['model']} no longer listed since {since}"
            f" (last listed {_day(row['last_listed'])})"
        ),
        "why": [GONE_WHY],
        # Removal on or after the list's own date is what it announced: no review needed.
        "review_reason": None if announced else f"no longer listed since {since}",
    }


def _reopen(
    db: sqlite_utils.Database,
    source: dict[str, Any],
    models: list[str],
    now: str,
    run_id: int | None,
) -> list[dict[str, Any]]:
    """Models gone again after this list withdrew their record: the record waits for
    review again (a new removal, not the one the relisting withdrew)."""
    events = []
    by = f"source:{source['id']}"
    for model in models:
        current = record_store.find_record(db, source["provider"], model)
        if not current or current["source_id"] != source["id"]:
            continue
        if current["review_state"] != "rejected" or current["reviewed_by"] != by:
            continue  # an operator's rejection stands
        reason = f"no longer listed since {_day(now)}"
        db["records"].update(
            current["id"],
            {"review_state": "needs_review", "review_reason": reason, "review_alerted": 0},
        )
        record_store.log_review(
            db,
            current["id"],
            action="needs_review",
            old_state="rejected",
            new_state="needs_review",
            by=by,
            reason=reason,
            at=now,
            run_id=run_id,
        )
        events.append(
            {"kind": "reviewed", "record_id": current["id"], "provider": current["provider"],
             "model": model, "scope": current["scope"], "changes": [], "review": "entered"}
        )  # fmt: skip
    return events


def _withdraw(
    db: sqlite_utils.Database, source: dict[str, Any], models: list[str], now: str
) -> None:
    """Models listed again: their "no longer listed" records are withdrawn (the record was
    unlisted by `apply_source_records`; one still waiting for review is rejected)."""
    for model in models:
        current = record_store.find_record(db, source["provider"], model)
        if current is None or current["source_id"] != source["id"]:
            continue
        log.info("model list %s: %s is listed again", source["id"], model)
        if current["review_state"] == "needs_review":
            review_store.set_state(
                db,
                [current["id"]],
                "rejected",
                by=f"source:{source['id']}",
                at=now,
                reason=f"listed again on {_day(now)}",
            )


def confirm_gone(db: sqlite_utils.Database, *, now: str) -> int:
    """Gone models and page records confirm each other; return the records confirmed.

    A record waiting for review is confirmed when the other side agrees: a page's record
    by a list that stopped listing the model by its shutdown date (+ `GRACE_DAYS`), and a
    list's "no longer listed" record by a page giving such a date. Call inside a
    transaction.
    """
    confirmed = 0
    providers = {r["id"]: r["provider"] for r in db.query("SELECT id, provider FROM sources")}
    for row in listing_store.gone(db):
        provider = providers.get(row["source_id"])
        if provider is None:
            continue
        record = record_store.find_record(db, provider, row["model"])
        if record is None or record["review_state"] != "needs_review":
            continue
        since = dt.date.fromisoformat(_day(row["absent_since"]))
        date = record["shutdown_date"]
        if not date or dt.date.fromisoformat(date) > since + dt.timedelta(days=GRACE_DAYS):
            continue
        provenance = json.loads(record.get("field_sources") or "{}")
        dated_by = provenance.get("shutdown_date", record["source_id"])
        if dated_by == row["source_id"]:
            continue  # the list's own date: not a second source
        by = row["source_id"] if record["source_id"] != row["source_id"] else dated_by
        reason = (
            f"source {dated_by} gives shutdown date {date}; "
            f"{row['source_id']} no longer lists it since {since}"
        )
        moved = review_store.set_state(
            db, [record["id"]], "confirmed", by=f"source:{by}", at=now, reason=reason
        )
        confirmed += len(moved)
    return confirmed
