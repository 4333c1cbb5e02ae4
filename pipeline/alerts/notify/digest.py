"""The daily digest per team: what to say (`collect_digest`) and how it reads (`render_digest`).

A digest travels through the outbox like any alert: `enqueue_digest` stores an `Alert` with
kind "digest", channel "email" and one `AlertItem` per line, whose `kind` names its section
(new, changed, upcoming, past, waived, source). The e-mail is rendered from those items at
send time, so days-left counts are as of delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from fnmatch import fnmatchcase
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from pipeline.alerts.items import describe_change, exposure_item, urgency, volume_fields
from pipeline.alerts.notify.base import compose, days_until, item_view, templates
from pipeline.alerts.notify.escape import one_line
from pipeline.core.clock import iso
from pipeline.core.config import TeamConfig, TeamsFile
from pipeline.core.models import Alert, AlertItem
from pipeline.core.scope import product_of
from storage import alerts as outbox
from storage import volume

log = logging.getLogger(__name__)

UPCOMING_DAYS = 90
CHANGE_FIELDS = ("shutdown_date", "shutdown_kind", "announced_date", "replacements", "status")
SECTIONS = (
    ("new", "New deprecations affecting you"),
    ("changed", "Changed"),
    ("upcoming", f"Upcoming shutdowns (next {UPCOMING_DAYS} days)"),
    ("past", "Past shutdown and still in use"),
    ("waived", "Waived"),
)


@dataclass(frozen=True)
class DigestData:
    since: str
    new: tuple[AlertItem, ...] = ()
    changed: tuple[AlertItem, ...] = ()
    upcoming: tuple[AlertItem, ...] = ()
    past: tuple[AlertItem, ...] = ()
    waived: tuple[AlertItem, ...] = ()
    failing_sources: tuple[AlertItem, ...] = ()

    @property
    def has_news(self) -> bool:
        """Waivers and failing sources alone do not make a digest worth sending."""
        return bool(self.new or self.changed or self.upcoming or self.past)

    def items(self) -> tuple[AlertItem, ...]:
        return (
            self.new + self.changed + self.upcoming + self.past + self.waived + self.failing_sources
        )


def _previous_digest(db: sqlite_utils.Database, team: str, now: dt.datetime) -> str:
    row = db.execute(
        "SELECT MAX(created_at) FROM alerts WHERE team = ? AND kind = 'digest' AND created_at < ?",
        [team, iso(now)],
    ).fetchone()
    return row[0] if row and row[0] else iso(now - dt.timedelta(hours=24))


def _waivers(db: sqlite_utils.Database, team: TeamConfig, today: str) -> list[tuple[str, str, str]]:
    rows = db.query("SELECT model, reason, until FROM waivers WHERE team = ?", [team.name])
    found = {(r["model"], r["reason"], r["until"]) for r in rows}
    found |= {(w.model, w.reason, w.until.isoformat()) for w in team.waivers}
    return sorted(w for w in found if w[2] >= today)


def _item(kind: str, row: dict[str, Any], **extra: Any) -> AlertItem:
    return exposure_item(kind, row, row["usage_model"], row["usage_provider"], **extra)


def _with_volume(row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Pulled volume fields of a row, with days left for ordering by urgency."""
    today = now.astimezone(dt.UTC).date()
    return {"days_left": days_until(row["shutdown_date"], now), **volume_fields(row, today)}


def collect_digest(db: sqlite_utils.Database, team: TeamConfig, now: dt.datetime) -> DigestData:
    """Query the store for one team's digest since its previous digest (or 24 hours)."""
    since = _previous_digest(db, team.name, now)
    today = now.astimezone(dt.UTC).date().isoformat()
    waivers = _waivers(db, team, today)
    rows = list(
        db.query(
            """SELECT e.usage_model, e.usage_provider, e.first_seen AS exposed_since,
                      e.requests_7d, e.tokens_7d, e.last_call, e.has_calls, r.*
               FROM exposures e JOIN records r ON r.id = e.record_id
               WHERE e.team = ? AND e.active = 1 AND r.review_state IN ('ok', 'confirmed')
               ORDER BY r.shutdown_date IS NULL, r.shutdown_date, r.provider, r.model""",
            [team.name],
        )
    )
    changes: dict[int, list[str]] = {}
    marks = ",".join("?" * len(CHANGE_FIELDS))
    for change in db.query(
        f"""SELECT record_id, field, old_value, new_value FROM record_changes
            WHERE changed_at > ? AND field IN ({marks}) ORDER BY id""",
        [since, *CHANGE_FIELDS],
    ):
        changes.setdefault(change["record_id"], []).append(
            describe_change(change["field"], change["old_value"], change["new_value"])
        )
    sections: dict[str, list[AlertItem]] = {kind: [] for kind, _ in SECTIONS}
    for row in rows:
        waiver = next(
            (
                w
                for w in waivers
                if fnmatchcase(row["model"], w[0]) or fnmatchcase(row["usage_model"], w[0])
            ),
            None,
        )
        extra = _with_volume(row, now)
        if waiver:
            note = f"waived until {waiver[2]}: {waiver[1]}"
            sections["waived"].append(_item("waived", row, note=note, **extra))
            continue
        listed = False  # shown once: a new or changed model is not repeated as upcoming
        if row["exposed_since"] > since:
            sections["new"].append(_item("new", row, **extra))
            listed = True
        if row["id"] in changes:
            change = "; ".join(changes[row["id"]])
            sections["changed"].append(_item("changed", row, change=change, **extra))
            listed = True
        days = extra["days_left"]
        if listed:
            pass
        elif days is not None and 0 <= days <= UPCOMING_DAYS:
            sections["upcoming"].append(_item("upcoming", row, **extra))
        elif (
            days is not None
            and days < 0
            and row["shutdown_kind"] != "earliest"
            and product_of(row["scope"]) is None
            and volume.still_called(row, row["shutdown_date"], now.astimezone(dt.UTC).date())
        ):
            # A passed "not before" date is not a shutdown, so it is not "past" either; nor is
            # a product change (the team declared the product, not the model); and with pulled
            # usage, only real calls since the shutdown make it "still in use".
            sections["past"].append(_item("past", row, **extra))
    for items in sections.values():
        items.sort(key=urgency)
    failing = tuple(
        AlertItem(
            kind="source",
            provider=s["provider"],
            model=s["id"],
            status=s["health"],
            note=s["health_reason"] or s["last_error"] or s["health"],
            url=s["url"],
        )
        for s in db.query("SELECT * FROM sources WHERE health != 'ok' ORDER BY id")
    ) + tuple(
        AlertItem(
            kind="source",
            provider=u["kind"],
            model=f"usage:{u['id']}",
            status=u["health"],
            note=f"call volumes may be stale: {u['health_reason'] or u['last_error']}",
        )
        for u in db.query("SELECT * FROM usage_sources WHERE health != 'ok' ORDER BY id")
    )
    return DigestData(
        since=since,
        **{kind: tuple(items) for kind, items in sections.items()},
        failing_sources=failing,
    )


def data_from_alert(alert: Alert) -> DigestData:
    """The inverse of `digest_alert`: regroup a stored digest's items into sections."""
    groups: dict[str, list[AlertItem]] = {}
    for item in alert.items:
        groups.setdefault(item.kind, []).append(item)
    return DigestData(
        since="",
        **{kind: tuple(groups.get(kind, ())) for kind, _ in SECTIONS},
        failing_sources=tuple(groups.get("source", ())),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def digest_subject(team: str, data: DigestData) -> str:
    parts = []
    if data.upcoming:
        parts.append(_plural(len(data.upcoming), "upcoming shutdown"))
    if data.past:
        parts.append(f"{_plural(len(data.past), 'model')} past shutdown still in use")
    if data.new:
        parts.append(f"{len(data.new)} new")
    if data.changed:
        parts.append(f"{len(data.changed)} changed")
    return f"Sunset Watch digest for {one_line(team, 80)}: {', '.join(parts) or 'nothing new'}"


def _views(items: Iterable[AlertItem], now: dt.datetime) -> list[dict[str, Any]]:
    return [asdict(item_view(item, now)) for item in items]


def render_digest_parts(team: str, data: DigestData, now: dt.datetime) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a digest."""
    subject = digest_subject(team, data)
    upcoming = sorted(data.upcoming, key=lambda item: (item.shutdown_date or "", urgency(item)))
    groups = {**{kind: getattr(data, kind) for kind, _ in SECTIONS}, "upcoming": upcoming}
    context = {
        "title": subject,
        "team": one_line(team, 80),
        "date": now.astimezone(dt.UTC).date().isoformat(),
        "sections": [
            {"title": title, "views": _views(groups[kind], now)}
            for kind, title in SECTIONS
            if groups[kind]
        ],
        "failing": _views(data.failing_sources, now),
    }
    text = templates().get_template("digest.txt.j2").render(context)
    html = templates().get_template("digest.html.j2").render(context)
    return subject, text, html


def render_digest(
    team: TeamConfig,
    data: DigestData,
    now: dt.datetime,
    *,
    send_empty: bool = False,
    sender: str = "sunset@example.com",
) -> EmailMessage | None:
    """The digest e-mail, or None when there is nothing to say (unless `send_empty`)."""
    if not data.has_news and not send_empty:
        return None
    subject, text, html = render_digest_parts(team.name, data, now)
    return compose(
        subject=subject,
        text=text,
        html=html,
        sender=sender,
        recipients=team.email,
        now=now,
        team=team.name,
    )


def digest_alert(team: TeamConfig, data: DigestData, *, send_empty: bool = False) -> Alert | None:
    if not data.has_news and not send_empty:
        return None
    return Alert(
        team=team.name,
        channel="email",
        kind="digest",
        title=digest_subject(team.name, data),
        items=data.items(),
        destination=", ".join(team.email),
    )


def enqueue_digest(
    db: sqlite_utils.Database, teams: TeamsFile, team_name: str, now: dt.datetime
) -> bool:
    """Put today's digest for one team in the outbox (once per local day); True if queued."""
    return queue_digest(db, teams, team_name, now=now)


def queue_digest(
    db: sqlite_utils.Database,
    teams: TeamsFile,
    team: TeamConfig | str,
    *,
    now: dt.datetime,
    force: bool = False,
) -> bool:
    """Queue one team's digest; `force` (an operator asked) queues it even when there is
    nothing new or today's digest was already queued."""
    config = teams.team(team) if isinstance(team, str) else team
    if not config.email:
        log.info("team %s: no e-mail address, no digest", config.name)
        return False
    data = collect_digest(db, config, now)
    alert = digest_alert(config, data, send_empty=force or teams.delivery.send_empty_digest)
    if alert is None:
        log.info("team %s: nothing for the digest", config.name)
        return False
    zone = ZoneInfo(config.digest.timezone if config.digest else "UTC")
    key = f"digest:{config.name}:{now.astimezone(zone).date().isoformat()}"
    if force and outbox.exists(db, key):
        key = f"{key}:{iso(now)}"
    return outbox.enqueue(
        db,
        team=config.name,
        kind="digest",
        channel="email",
        idempotency_key=key,
        payload=alert.to_payload(),
        now=iso(now),
    )
