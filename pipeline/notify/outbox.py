"""Delivering the outbox: route each due alert to its notifier, retry with backoff, give up.

Each alert is isolated: a failure is recorded on its row (exponential backoff from one minute,
capped at six hours, or a longer Retry-After) and the loop moves on. A destination that is
down or rate limiting is skipped for the rest of the run without using up attempts. After
`max_attempts` (or a permanent error) the alert is dead and one ops alert (`dead:<id>`) says
so. Secrets are read from the environment at send time and scrubbed from every stored or
logged error.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from pipeline.clock import iso
from pipeline.config import ConfigError, TeamsFile, secret, slack_api_url
from pipeline.decide import OPS_TEAM, enqueue_ops_alert
from pipeline.models import Alert, AlertItem
from pipeline.notify.base import DeliveryError, Notifier
from pipeline.notify.email import EmailNotifier
from pipeline.notify.slack import SlackNotifier
from storage import alerts as outbox
from storage.db import transaction

log = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    dead: int
    skipped: int


def _need(env: str, what: str) -> str:
    value = secret(env)
    if value is None:
        raise DeliveryError(f"environment variable {env} is not set ({what})")
    return value


class Router:
    """Resolves an alert to (destination key, notifier) from teams.yml, reading secrets now."""

    def __init__(self, teams: TeamsFile, *, timeout: float = 10, rate_limit_retries: int = 1):
        self.teams = teams
        self.timeout = timeout
        self.rate_limit_retries = rate_limit_retries

    @property
    def max_attempts(self) -> int:
        return self.teams.delivery.max_attempts

    def route(self, alert: Alert) -> tuple[str, Notifier]:
        delivery = self.teams.delivery
        if alert.team == OPS_TEAM:
            ops = delivery.ops
            slack_channel, webhook_env, emails = ops.slack_channel, ops.webhook_env, ops.email
        else:
            try:
                team = self.teams.team(alert.team)
            except ConfigError:
                raise DeliveryError(
                    f"team {alert.team} is not in teams.yml", permanent=True
                ) from None
            slack_channel, webhook_env, emails = team.slack_channel, team.webhook_env, team.email
        if alert.channel == "email":
            if not emails:
                raise DeliveryError(f"team {alert.team} has no e-mail address", permanent=True)
            mail = delivery.email
            username = _need(mail.username_env, "SMTP username") if mail.username_env else None
            password = _need(mail.password_env, "SMTP password") if mail.password_env else None
            notifier = EmailNotifier(
                delivery=mail, recipients=emails, username=username, password=password
            )
            return f"smtp:{mail.smtp_host}:{mail.smtp_port}", notifier
        if alert.channel != "slack":
            raise DeliveryError(f"unknown channel {alert.channel!r}", permanent=True)
        if webhook_env:
            url = _need(webhook_env, f"Slack webhook for {alert.team}")
            return f"slack:webhook:{webhook_env}", self._slack(webhook_url=url)
        if slack_channel:
            token = _need(delivery.slack.token_env, "Slack bot token")
            return "slack:api", self._slack(token=token, channel=slack_channel)
        raise DeliveryError(f"team {alert.team} has no Slack destination", permanent=True)

    def _slack(self, **kwargs: Any) -> SlackNotifier:
        return SlackNotifier(
            token=kwargs.get("token"),
            api_url=slack_api_url(self.teams.delivery),
            webhook_url=kwargs.get("webhook_url"),
            channel=kwargs.get("channel"),
            timeout=self.timeout,
            rate_limit_retries=self.rate_limit_retries,
        )

    def ops_destination(self, avoid: str) -> tuple[str, str] | None:
        """Where to report a dead alert, preferring the channel that did not just fail."""
        ops = self.teams.delivery.ops
        options = []
        if ops.slack_channel or ops.webhook_env:
            options.append(("slack", ops.slack_channel or f"webhook:{ops.webhook_env}"))
        if ops.email:
            options.append(("email", ", ".join(ops.email)))
        options.sort(key=lambda option: option[0] == avoid)
        return options[0] if options else None

    def redact(self, text: str) -> str:
        d = self.teams.delivery
        names = [d.slack.token_env, d.email.username_env, d.email.password_env, d.ops.webhook_env]
        names += [team.webhook_env for team in self.teams.teams]
        for name in filter(None, names):
            value = os.environ.get(name)
            if value and len(value) >= 4:
                text = text.replace(value, f"<{name}>")
        return text


def build_notifiers(teams: TeamsFile, **options: Any) -> Router:
    return Router(teams, **options)


def backoff(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Delay before the next try after `attempts` failures: 1, 2, 4 ... minutes, capped."""
    delay = min(BACKOFF_BASE * 2 ** min(attempts - 1, 20), BACKOFF_CAP)
    if retry_after is not None and retry_after > delay.total_seconds():
        delay = dt.timedelta(seconds=retry_after)
    return delay


def deliver_due(
    db: sqlite_utils.Database,
    router: Router,
    *,
    now: dt.datetime,
    max_attempts: int | None = None,
    limit: int = 500,
) -> DeliveryReport:
    """Send every due alert once; `max_attempts` defaults to teams.yml delivery.max_attempts."""
    attempts_allowed = max_attempts or router.max_attempts
    down: set[str] = set()
    outcomes: Counter[str] = Counter()
    for row in outbox.due(db, iso(now), limit):
        outcomes[_deliver_one(db, router, row, now, attempts_allowed, down)] += 1
    report = DeliveryReport(
        sent=outcomes["sent"],
        failed=outcomes["failed"],
        dead=outcomes["dead"],
        skipped=outcomes["skipped"],
    )
    if sum(outcomes.values()):
        log.info("delivery: %s", report)
    return report


def _deliver_one(
    db: sqlite_utils.Database,
    router: Router,
    row: dict[str, Any],
    now: dt.datetime,
    max_attempts: int,
    down: set[str],
) -> str:
    try:
        alert = Alert.from_payload(row["payload"])
    except Exception as exc:
        error = DeliveryError(f"undecodable payload: {type(exc).__name__}", permanent=True)
        return _failed(db, router, row, None, error, now, max_attempts)
    key = None
    try:
        key, notifier = router.route(alert)
        if key in down:
            return "skipped"
        notifier.send(alert, now=now)
    except DeliveryError as exc:
        if exc.outage and key:
            down.add(key)
        return _failed(db, router, row, alert, exc, now, max_attempts)
    except Exception as exc:  # a rendering bug in one alert must not stop the others
        error = DeliveryError(f"unexpected {type(exc).__name__}: {exc}")
        return _failed(db, router, row, alert, error, now, max_attempts)
    outbox.mark_sent(db, row["id"], iso(now))
    log.info("%s sent", _name(row))
    return "sent"


def _name(row: dict[str, Any]) -> str:
    return f"alert {row['id']} (team {row['team']}, {row['channel']}, {row['kind']})"


def _failed(
    db: sqlite_utils.Database,
    router: Router,
    row: dict[str, Any],
    alert: Alert | None,
    exc: DeliveryError,
    now: dt.datetime,
    max_attempts: int,
) -> str:
    error = router.redact(str(exc))
    attempts = row["attempts"] + 1
    if alert is not None and exc.delivered_items:
        return _split(db, row, alert, exc.delivered_items, error, now)
    if exc.permanent or attempts >= max_attempts:
        with transaction(db):
            outbox.mark_failed(db, row["id"], error=error, next_attempt=iso(now), dead=True)
            _report_dead(db, router, row, attempts, error, now)
        log.error("%s dead after %d attempts: %s", _name(row), attempts, error)
        return "dead"
    retry_at = now + backoff(attempts, exc.retry_after)
    outbox.mark_failed(db, row["id"], error=error, next_attempt=iso(retry_at), dead=False)
    log.warning(
        "%s failed (attempt %d, retry at %s): %s", _name(row), attempts, iso(retry_at), error
    )
    return "failed"


def _split(
    db: sqlite_utils.Database,
    row: dict[str, Any],
    alert: Alert,
    delivered: int,
    error: str,
    now: dt.datetime,
) -> str:
    """Some Slack parts went out: the row is sent, the rest becomes a new row to retry, so
    a retry never repeats the parts already delivered."""
    rest = replace(alert, items=alert.items[delivered:])
    key = f"rest:{row['id']}:{delivered}"
    with transaction(db):
        outbox.enqueue(
            db,
            team=row["team"],
            kind=row["kind"],
            channel=row["channel"],
            idempotency_key=key,
            payload=rest.to_payload(),
            now=iso(now),
            record_id=row["record_id"],
        )
        rest_id = db.execute("SELECT id FROM alerts WHERE idempotency_key = ?", [key]).fetchone()[0]
        outbox.mark_sent(db, row["id"], iso(now))
        outbox.mark_failed(db, rest_id, error=error, next_attempt=iso(now + backoff(1)), dead=False)
    log.warning(
        "%s partly sent; %d items moved to alert %s: %s",
        _name(row),
        len(rest.items),
        rest_id,
        error,
    )
    return "failed"


def _report_dead(
    db: sqlite_utils.Database,
    router: Router,
    row: dict[str, Any],
    attempts: int,
    error: str,
    now: dt.datetime,
) -> None:
    if row["team"] == OPS_TEAM or row["kind"] == "ops":
        return  # an ops alert about a dead ops alert could loop; the log line says it
    destination = router.ops_destination(avoid=row["channel"])
    if destination is None:
        log.error("no ops destination configured to report dead alert %s", row["id"])
        return
    channel, where = destination
    note = (
        f"Alert {row['id']} for team {row['team']} ({row['channel']}, {row['kind']}) is dead "
        f"after {attempts} attempts: {error}"
    )
    item = AlertItem(
        kind="ops", provider="sunset-watch", model=f"alert {row['id']}", status="dead", note=note
    )
    enqueue_ops_alert(
        db,
        channel=channel,
        destination=where,
        title=f"Alert delivery failed for team {row['team']}",
        item=item,
        idempotency_key=f"dead:{row['id']}",
        now=now,
        record_id=row["record_id"],
    )
