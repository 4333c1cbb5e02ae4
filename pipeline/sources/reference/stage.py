"""The reference step of a cycle: cross-check every stored record against the catalogues.

Runs after the cycle's pages are stored and before deciding team alerts, so a confirmation
is in place when the decider looks. Agreement on the shutdown date becomes a confirmation
row (`confirmations.confirmed_by` = the reference source id), and a record waiting for
review (`needs_review`) that a reference agrees with is confirmed (`reviewed_by`
"reference:<id>", a `review_log` row), so teams hear of it; each new disagreement raises
one operator warning, and a cycle's new disagreements travel in one ops message per channel.
A disagreement is alerted once: seen again it only moves `last_seen`; a changed date is a
new disagreement. Without teams.yml or an ops destination, disagreements wait unalerted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import sqlite_utils

from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import AlertItem, ReferenceEntry, record_of
from pipeline.ops_alerts import enqueue_ops_alert, ops_destinations
from pipeline.sources.reference.compare import Verdict, cross_check
from storage import records as record_store
from storage import reference as reference_store
from storage import review as review_store
from storage.db import transaction

log = logging.getLogger(__name__)


def _entry(row: dict) -> ReferenceEntry:
    return ReferenceEntry(
        provider=row["provider"],
        model=row["model"],
        aliases=tuple(row["aliases"]),
        shutdown_date=row["shutdown_date"],
        shutdown_kind=row["shutdown_kind"],
        deprecated_date=row["deprecated_date"],
        replacements=tuple(row["replacements"]),
        status=row["status"],
    )


def check_references(
    db: sqlite_utils.Database, teams: TeamsFile | None, *, now: dt.datetime
) -> int:
    """Cross-check listed records against every enabled reference; return ops alerts created."""
    stamp = iso(now)
    with transaction(db):
        entries = [(row["source_id"], _entry(row)) for row in reference_store.entries(db)]
        if not entries and not reference_store.has_state(db):
            return 0  # no reference configured: a cycle costs nothing more
        rows = record_store.all_records(db, listed_only=True)
        verdicts = cross_check([(r["id"], record_of(r)) for r in rows], entries)
        pending = reference_store.apply_verdicts(
            db,
            agreements=[vars(v) for v in verdicts if v.agrees],
            disagreements=[vars(v) for v in verdicts if not v.agrees],
            now=stamp,
        )
        waiting = {r["id"] for r in rows if r.get("review_state") == "needs_review"}
        _release(db, [v for v in verdicts if v.agrees and v.record_id in waiting], stamp)
        if not pending:
            return 0
        return _alert(db, teams, pending, now)


def _release(db: sqlite_utils.Database, agreements: list[Verdict], stamp: str) -> None:
    """A record waiting for review is confirmed by a reference that gives its shutdown date
    (a second, independent source); teams hear of it at the next decide."""
    by_reference: dict[str, list[int]] = {}
    for verdict in agreements:
        by_reference.setdefault(verdict.reference, []).append(verdict.record_id)
    for reference, ids in sorted(by_reference.items()):
        moved = review_store.set_state(
            db,
            ids,
            "confirmed",
            by=f"reference:{reference}",
            at=stamp,
            reason=f"reference {reference} gives the same shutdown date",
        )
        if moved:
            log.info("reference %s confirmed %d records waiting for review", reference, len(moved))


def _alert(
    db: sqlite_utils.Database, teams: TeamsFile | None, rows: list[dict], now: dt.datetime
) -> int:
    destinations = ops_destinations(teams) if teams is not None else []
    if not destinations:
        log.warning(
            "%d reference disagreements wait: no operator destination (teams.yml delivery.ops)",
            len(rows),
        )
        return 0
    items = tuple(
        AlertItem(
            kind="ops",
            status="disagreement",
            provider=row["provider"],
            model=row["model"],
            shutdown_date=row["record_date"],
            url=row["url"],
            note=(
                f"{row['page_source'] or 'the page'} says {row['record_date']}; "
                f"reference {row['source_id']} ({row['reference_model']}) says "
                f"{row['reference_date']}"
            ),
        )
        for row in rows
    )
    count = len(rows)
    title = f"Reference catalogue disagrees on {count} shutdown date{'s' if count != 1 else ''}"
    group = hashlib.sha256(",".join(str(row["id"]) for row in rows).encode()).hexdigest()[:16]
    created = 0
    for channel, destination in destinations:
        created += enqueue_ops_alert(
            db,
            channel=channel,
            destination=destination,
            title=title,
            item=items[0],
            more=items[1:],
            idempotency_key=f"ops:disagreements:{group}:{channel}",
            now=now,
            record_id=rows[0]["record_id"] if count == 1 else None,
        )
    reference_store.mark_alerted(db, [row["id"] for row in rows], iso(now))
    by_source: dict[str, int] = {}
    for row in rows:
        by_source[row["source_id"]] = by_source.get(row["source_id"], 0) + 1
        log.debug(
            "reference %s disagrees on %s/%s: page %s, reference %s",
            row["source_id"],
            row["provider"],
            row["model"],
            row["record_date"],
            row["reference_date"],
        )
    for source_id, number in sorted(by_source.items()):
        log.warning("reference %s: %d new disagreements, sent to the operator", source_id, number)
    return created
