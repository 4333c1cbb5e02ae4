"""Operator notices about delivery itself: an alert that died, a destination that went down
or recovered, and a store that cannot be written (or can again).

Each is said once: notices are outbox rows with keys naming the event (`dead:<id>`,
`down:<destination>:<since>`, `up:<destination>:<since>`), except the store notice, which
cannot go through the store it is about: it is sent directly, and remembered in a marker
file beside the database (`<db>-unwritable`; creating an empty file needs no free block)
and in this process, so it is sent once per outage, with one recovery notice afterwards.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.alerts.notify.base import DeliveryError
from pipeline.alerts.notify.router import Router, build_notifiers
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, AlertItem
from pipeline.ops_alerts import OPS_TEAM, enqueue_ops_alert
from storage.db import db_file, is_write_failure

log = logging.getLogger(__name__)

_STORE_REPORTED: set[str] = set()  # databases reported unwritable by this process


def describe(destination: str) -> str:
    kind, _, rest = destination.partition(":")
    if destination == "slack:api":
        return "Slack (bot token)"
    if kind == "slack":
        return f"Slack webhook {rest.removeprefix('webhook:')}"
    if kind == "smtp":
        return f"SMTP server {rest}"
    return destination


def _channel_of(destination: str) -> str:
    return "email" if destination.startswith("smtp:") else "slack"


def _enqueue(
    db: sqlite_utils.Database,
    router: Router,
    *,
    avoid: str,
    title: str,
    item: AlertItem,
    key: str,
    now: dt.datetime,
    record_id: int | None = None,
) -> bool:
    where = router.ops_destination(avoid=avoid)
    if where is None:
        log.error("no ops destination configured for: %s", title)
        return False
    channel, destination = where
    return enqueue_ops_alert(
        db,
        channel=channel,
        destination=destination,
        title=title,
        item=item,
        idempotency_key=key,
        now=now,
        record_id=record_id,
    )


def alert_dead(
    db: sqlite_utils.Database,
    router: Router,
    row: dict[str, Any],
    attempts: int,
    error: str,
    now: dt.datetime,
) -> None:
    """An alert that can never be sent as it is (not a destination outage)."""
    if row["team"] == OPS_TEAM or row["kind"] == "ops":
        return  # an ops alert about a dead ops alert could loop; the log line says it
    note = (
        f"Alert {row['id']} for team {row['team']} ({row['channel']}, {row['kind']}) is dead "
        f"after {attempts} attempts: {error}"
    )
    item = AlertItem(
        kind="ops", provider="sunset-watch", model=f"alert {row['id']}", status="dead", note=note
    )
    _enqueue(
        db,
        router,
        avoid=row["channel"],
        title=f"Alert delivery failed for team {row['team']}",
        item=item,
        key=f"dead:{row['id']}",
        now=now,
        record_id=row["record_id"],
    )


def destination_down(
    db: sqlite_utils.Database,
    router: Router,
    destination: str,
    row: dict[str, Any],
    error: str,
    now: dt.datetime,
) -> None:
    name = describe(destination)
    note = (
        f"{name} has failed every attempt; alert {row['id']} for team {row['team']} "
        f"({row['channel']}, {row['kind']}) and any others for it wait, and are sent when it "
        f"works again (it is probed regularly). Last error: {error}"
    )
    item = AlertItem(kind="ops", provider="sunset-watch", model=name, status="down", note=note)
    _enqueue(
        db,
        router,
        avoid=_channel_of(destination),
        title=f"Alert delivery is down: {name}",
        item=item,
        key=f"down:{destination}:{iso(now)}",
        now=now,
    )


def destination_up(
    db: sqlite_utils.Database,
    router: Router,
    destination: str,
    since: str,
    revived: int,
    now: dt.datetime,
) -> None:
    name = describe(destination)
    note = f"{name} works again (down since {since}); {revived} waiting alerts are being sent."
    item = AlertItem(kind="ops", provider="sunset-watch", model=name, status="up", note=note)
    _enqueue(
        db,
        router,
        avoid=_channel_of(destination),
        title=f"Alert delivery recovered: {name}",
        item=item,
        key=f"up:{destination}:{since}",
        now=now,
    )


# ------------------------------------------------------------------ the store itself


def _marker(path: str | None) -> Path | None:
    return Path(path + "-unwritable") if path else None


def _identity(db: sqlite_utils.Database | None, path: str | None) -> str:
    """What `_STORE_REPORTED` remembers: the file, or this very in-memory database."""
    return path or f"memory:{id(db.conn) if db is not None else 0}"


def store_unwritable(
    router: Router, db: sqlite_utils.Database | None, path: str | None, error: str, now: dt.datetime
) -> bool:
    """Tell ops, once per outage and directly (not through the outbox), that the database
    cannot be written. Returns True if the notice was sent now."""
    path = path or (db_file(db) if db is not None else None)
    label = path or "(in-memory database)"
    marker = _marker(path)
    identity = _identity(db, path)
    if identity in _STORE_REPORTED or (marker is not None and marker.exists()):
        return False
    _STORE_REPORTED.add(identity)
    if marker is not None:
        try:
            marker.touch()
        except OSError as exc:
            log.error("cannot create %s: %s", marker, exc)
    error = router.redact(error)
    note = (
        f"Sunset Watch cannot write its database {label}: {error}. Fetching, deciding and "
        "delivering stop until it can (nothing already decided is lost)."
    )
    item = AlertItem(kind="ops", provider="sunset-watch", model=label, status="store", note=note)
    sent = False
    for channel in ("slack", "email"):
        if sent:
            break
        alert = Alert(
            team=OPS_TEAM,
            channel=channel,  # type: ignore[arg-type]
            kind="ops",
            title="Sunset Watch cannot write its database",
            items=(item,),
        )
        try:
            _, notifier = router.route(alert)
            notifier.send(alert, now=now)
            sent = True
        except DeliveryError as exc:
            log.error("store notice by %s not sent: %s", channel, router.redact(str(exc)))
    log.error("database %s cannot be written: %s", label, error)
    return sent


def tell_ops_unwritable(
    teams: TeamsFile | None, path: str, exc: BaseException, now: dt.datetime
) -> None:
    """For commands and jobs: if `exc` means the store cannot be written, tell ops (once)."""
    if teams is not None and is_write_failure(exc):
        error = f"{type(exc).__name__}: {exc}"
        store_unwritable(build_notifiers(teams), None, path, error, now)


def store_writable(db: sqlite_utils.Database, router: Router, now: dt.datetime) -> bool:
    """After a write succeeded: if the store was reported unwritable, say it recovered."""
    path = db_file(db)
    label = path or "(in-memory database)"
    marker = _marker(path)
    identity = _identity(db, path)
    if identity not in _STORE_REPORTED and (marker is None or not marker.exists()):
        return False
    item = AlertItem(
        kind="ops",
        provider="sunset-watch",
        model=label,
        status="store-ok",
        note=f"Sunset Watch can write its database {label} again.",
    )
    _enqueue(
        db,
        router,
        avoid="",
        title="Sunset Watch can write its database again",
        item=item,
        key=f"store-ok:{label}:{iso(now)}",
        now=now,
    )
    _STORE_REPORTED.discard(identity)
    if marker is not None:
        marker.unlink(missing_ok=True)
    return True
