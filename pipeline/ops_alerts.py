"""Operator alerts: the one interface every stage uses to tell the operator something.

A source that fails or recovers, a usage unit no team owns, records waiting for review, a
reference catalogue that disagrees, a delivery that died: each stage puts one outbox row for
the team `ops` (`OPS_TEAM`) per destination of `delivery.ops` in teams.yml, keyed so it is
said once. Delivery sends it like any alert. It sits below the stages (sources, usage,
alerts) and above the store, so a stage tells ops without knowing any other stage.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import sqlite_utils

from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile, destinations
from pipeline.core.models import Alert, AlertItem
from storage import alerts as outbox

log = logging.getLogger(__name__)

OPS_TEAM = "ops"


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
