"""Delivering the outbox: route each due alert, claim it, send it, record the outcome.

- Each alert is isolated: a failure is recorded on its row (exponential backoff from one
  minute, capped at six hours, or a longer Retry-After) and the loop moves on; a
  destination that fails with an outage is skipped for the rest of the run.
- An alert is claimed (`sending`, committed) before it is sent. If the store then cannot
  record `sent` (disk full, read-only), the send ledger (`ledger.py`) remembers it, so the
  alert is settled as sent later and never sent again; a claim left by a deliverer that
  died mid-send is retried (at most one duplicate per crash).
- None lost, for an outage of any length: after `max_attempts` outage failures an alert is
  `dead` but keeps its destination; the destination is marked down (one ops notice), probed
  every few minutes up to hourly with its oldest waiting alert, and the first success marks
  it up (one ops notice) and revives every alert that died waiting on it. A missing or
  malformed secret is an outage of its destination too. An alert that fails for its own
  sake (permanent error, or non-outage errors until `max_attempts`) dies with a `dead:<id>`
  notice.
- When the store cannot be written, the run stops (nothing is sent unclaimed) and ops is
  told once, directly (`notices.store_unwritable`); the first run that can write says so.
- A send whose request went out but whose answer never came (a timeout after sending, or
  a claim left by a killed deliverer) is "maybe sent" and never re-posted blindly: with a
  bot token the channel's history is read for the message's metadata key first
  (`slack_confirm`), and only the parts not found are posted; a webhook (or a token that
  may not read history) re-posts it at most once, then settles it as sent and says so in
  the log and the row's `last_error`.
- Secrets are read at send time and redacted from every stored or logged error.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import sqlite_utils

from pipeline.alerts.notify import notices
from pipeline.alerts.notify.base import DeliveryError, KeyedNotifier, by_urgency
from pipeline.alerts.notify.ledger import SendLedger
from pipeline.alerts.notify.router import Router, build_notifiers
from pipeline.alerts.notify.slack_confirm import HistoryUnavailable
from pipeline.core.clock import iso
from pipeline.core.models import Alert
from storage import alerts as outbox
from storage import destinations
from storage.db import is_write_failure, transaction

__all__ = ["DeliveryReport", "Router", "backoff", "build_notifiers", "deliver_due"]

log = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
PROBE_FIRST = dt.timedelta(minutes=5)
PROBE_CAP = dt.timedelta(hours=1)
RETRY_AFTER_MAX = dt.timedelta(hours=1)  # the longest wait a server may ask for


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    dead: int
    skipped: int
    store_error: str | None = field(default=None, compare=False)


def backoff(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Delay before the next try after `attempts` failures: 1, 2, 4 ... minutes, capped; a
    longer Retry-After is honoured up to `RETRY_AFTER_MAX`, never more."""
    delay = min(BACKOFF_BASE * 2 ** min(attempts - 1, 20), BACKOFF_CAP)
    if retry_after is not None and retry_after > delay.total_seconds():
        delay = max(delay, min(dt.timedelta(seconds=retry_after), RETRY_AFTER_MAX))
    return delay


def probe_delay(probes: int) -> dt.timedelta:
    """Time between probes of a down destination: 5, 10, 20, 40 minutes, then hourly."""
    return min(PROBE_FIRST * 2 ** min(probes, 10), PROBE_CAP)


def deliver_due(
    db: sqlite_utils.Database,
    router: Router,
    *,
    now: dt.datetime,
    max_attempts: int | None = None,
    limit: int = 500,
    team: str | None = None,
) -> DeliveryReport:
    """Send every due alert once (only `team`'s when given: `sunset digest --team T` must
    not deliver other teams' alerts); `max_attempts` defaults to teams.yml
    delivery.max_attempts."""
    run = _Run(db, router, now, max_attempts or router.max_attempts, team)
    outcomes: Counter[str] = Counter()
    store_error = None
    try:
        run.prepare()
        for row in run.rows(limit):
            outcomes[run.deliver(row)] += 1
    except sqlite3.Error as exc:
        if not is_write_failure(exc):
            raise
        store_error = f"{type(exc).__name__}: {exc}"
        notices.store_unwritable(router, db, None, store_error, now)
        log.error("delivery stopped: the database cannot be written: %s", exc)
    report = DeliveryReport(
        sent=outcomes["sent"],
        failed=outcomes["failed"],
        dead=outcomes["dead"],
        skipped=outcomes["skipped"],
        store_error=store_error,
    )
    if sum(outcomes.values()):
        log.info(
            "delivery: %d sent, %d to retry, %d dead, %d waiting on a destination that is down",
            report.sent,
            report.failed,
            report.dead,
            report.skipped,
        )
    return report


def _parse_time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _name(row: dict[str, Any]) -> str:
    return f"alert {row['id']} (team {row['team']}, {row['channel']}, {row['kind']})"


class _Run:
    """One delivery run: which destinations failed in it and which are being probed."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        router: Router,
        now: dt.datetime,
        max_attempts: int,
        team: str | None = None,
    ) -> None:
        self.db = db
        self.team = team
        self.router = router
        self.now = now
        self.max_attempts = max_attempts
        self.ledger = SendLedger(db)
        self.down: set[str] = set()  # failed with an outage during this run
        self.probes: set[str] = set()  # down destinations to probe in this run
        self.probed: set[str] = set()

    def prepare(self) -> None:
        """Settle sends the store could not record, retry claims of a dead deliverer, and
        announce a store that can be written again."""
        stamp = iso(self.now)
        self.ledger.settle(self.db, stamp)
        stale = outbox.sending(self.db)
        if stale:
            log.warning("alerts %s were being sent when a deliverer stopped: retrying", stale)
            outbox.release(self.db, stale, stamp)
        notices.store_writable(self.db, self.router, self.now)
        self.probes = set(destinations.probes_due(self.db, stamp))

    def rows(self, limit: int) -> list[dict[str, Any]]:
        rows = outbox.due(self.db, iso(self.now), limit, self.team)
        waiting = {row["destination"] for row in rows}
        for key in sorted(self.probes - waiting):
            if (dead := outbox.oldest_dead(self.db, key, self.team)) is not None:
                rows.insert(0, dead)
        return rows

    def deliver(self, row: dict[str, Any]) -> str:
        try:
            alert = Alert.from_payload(row["payload"])
        except Exception as exc:
            error = DeliveryError(f"undecodable payload: {type(exc).__name__}", permanent=True)
            return self._failed(row, None, error, None, probing=False)
        try:
            key = self.router.destination(alert)
        except DeliveryError as exc:
            return self._failed(row, alert, exc, None, probing=False)
        if key in self.down:
            return "skipped"
        probing = False
        if destinations.is_down(self.db, key):
            if key not in self.probes or key in self.probed:
                if row["destination"] != key:
                    outbox.set_destination(self.db, row["id"], key)
                return "skipped"
            self.probed.add(key)
            probing = True
        if not outbox.claim(self.db, row["id"], iso(self.now)):
            return "skipped"
        try:
            _, notifier = self.router.route(alert)
            if not isinstance(notifier, KeyedNotifier):
                notifier.send(alert, now=self.now)
            elif not self._send_keyed(row, alert, notifier):
                return "sent"  # settled without posting again (see `_send_keyed`)
        except DeliveryError as exc:
            if exc.outage:
                self.down.add(key)
            if exc.maybe_sent:
                outbox.mark_maybe_sent(self.db, row["id"], at=iso(self.now))
            return self._failed(row, alert, exc, key, probing=probing)
        except Exception as exc:  # a rendering bug in one alert must not stop the others
            error = DeliveryError(f"unexpected {type(exc).__name__}: {exc}")
            return self._failed(row, alert, error, key, probing=probing)
        self._sent(row, key)
        return "sent"

    def _send_keyed(self, row: dict[str, Any], alert: Alert, notifier: KeyedNotifier) -> bool:
        """Send an alert that may already be out without posting it twice: a notifier that
        can confirm looks for it first; one that cannot (a webhook, or a token that may not
        read history) posts it again at most once. False: settled as sent, not re-posted."""
        if not row.get("maybe_sent"):
            notifier.send_keyed(alert, now=self.now, maybe_sent_since=None)
            return True
        since = _parse_time(row.get("maybe_sent_at")) or self.now
        if notifier.confirms:
            try:
                notifier.send_keyed(alert, now=self.now, maybe_sent_since=since)
                return True
            except HistoryUnavailable as exc:
                why = f"cannot read the channel's history ({exc})"
        else:
            why = "a webhook cannot look its messages up"
        if row["maybe_sent"] >= 2:
            note = f"maybe sent; not posted again: {why}, and it was re-posted once already"
            outbox.mark_sent(self.db, row["id"], iso(self.now), note=note)
            log.warning("%s: %s", _name(row), note)
            return False
        log.warning("%s may already be out; %s: posting it again, once", _name(row), why)
        outbox.mark_maybe_sent(self.db, row["id"], at=iso(self.now), reposting=True)
        notifier.send_keyed(alert, now=self.now, maybe_sent_since=None)
        return True

    def _sent(self, row: dict[str, Any], key: str) -> None:
        stamp = iso(self.now)
        try:
            outbox.mark_sent(self.db, row["id"], stamp)
        except sqlite3.Error as exc:
            if is_write_failure(exc):
                self.ledger.record(row["id"])
            raise
        log.info("%s sent", _name(row))
        with transaction(self.db):
            since = destinations.mark_up(self.db, key, now=stamp)
            if since is not None:
                revived = outbox.revive(self.db, key, stamp)
                notices.destination_up(self.db, self.router, key, since, revived, self.now)
        if since is not None:
            log.warning("%s works again; %d waiting alerts revived", key, revived)

    def _failed(
        self,
        row: dict[str, Any],
        alert: Alert | None,
        exc: DeliveryError,
        key: str | None,
        *,
        probing: bool,
    ) -> str:
        error = self.router.redact(str(exc))
        attempts = row["attempts"] + 1
        now = self.now
        if alert is not None and exc.delivered_items:
            return self._split(row, alert, exc.delivered_items, error, exc.maybe_sent)
        waits_on = key if exc.outage and not exc.permanent else None
        # A server asking for more than RETRY_AFTER_MAX is down for our purposes: the alert
        # waits on its destination (probed, revived on recovery) and ops hears of it once.
        overlong = (
            exc.retry_after is not None
            and exc.retry_after > RETRY_AFTER_MAX.total_seconds()
            and key is not None
            and not exc.permanent
        )
        if overlong:
            waits_on = key
            error = (
                f"{error}; Retry-After of {exc.retry_after:.0f} s is over the 1 h cap: an outage"
            )
        if probing and key is not None:
            state = destinations.get(self.db, key) or {"probes": 0}
            dead = row["status"] == "dead" or attempts >= self.max_attempts
            with transaction(self.db):
                outbox.mark_failed(
                    self.db,
                    row["id"],
                    error=error,
                    next_attempt=iso(now + backoff(attempts, exc.retry_after)),
                    dead=dead,
                    destination=key,
                )
                destinations.probe_failed(
                    self.db,
                    key,
                    error=error,
                    next_probe=iso(now + probe_delay(state["probes"] + 1)),
                )
            log.warning("%s is still down (probe with %s): %s", key, _name(row), error)
            return "failed"
        if exc.permanent or overlong or attempts >= self.max_attempts:
            with transaction(self.db):
                outbox.mark_failed(
                    self.db,
                    row["id"],
                    error=error,
                    next_attempt=iso(now),
                    dead=True,
                    destination=waits_on,
                )
                if waits_on is None:
                    notices.alert_dead(self.db, self.router, row, attempts, error, now)
                elif destinations.mark_down(
                    self.db,
                    waits_on,
                    now=iso(now),
                    error=error,
                    next_probe=iso(now + probe_delay(0)),
                ):
                    notices.destination_down(self.db, self.router, waits_on, row, error, now)
            if waits_on is None:
                log.error("%s dead after %d attempts: %s", _name(row), attempts, error)
            else:
                log.error(
                    "%s waits for %s to work again (%d attempts): %s",
                    _name(row),
                    waits_on,
                    attempts,
                    error,
                )
            return "dead"
        retry_at = now + backoff(attempts, exc.retry_after)
        outbox.mark_failed(
            self.db,
            row["id"],
            error=error,
            next_attempt=iso(retry_at),
            dead=False,
            destination=waits_on,
        )
        log.warning(
            "%s failed (attempt %d, retry at %s): %s", _name(row), attempts, iso(retry_at), error
        )
        return "failed"

    def _split(
        self, row: dict[str, Any], alert: Alert, delivered: int, error: str, maybe_sent: bool
    ) -> str:
        """Some Slack parts went out: the row is sent, the rest becomes a new row to retry,
        so a retry never repeats the parts already delivered."""
        db, now = self.db, self.now
        # Slack renders the items most urgent first: the parts sent were the first of those.
        rest = replace(alert, items=tuple(by_urgency(alert.items, now)[delivered:]))
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
            rest_id = db.execute(
                "SELECT id FROM alerts WHERE idempotency_key = ?", [key]
            ).fetchone()[0]
            outbox.mark_sent(db, row["id"], iso(now))
            outbox.mark_failed(
                db, rest_id, error=error, next_attempt=iso(now + backoff(1)), dead=False
            )
            if maybe_sent:  # the part that timed out may be in the channel
                outbox.mark_maybe_sent(db, rest_id, at=iso(now))
        log.warning(
            "%s partly sent; %d items moved to alert %s: %s",
            _name(row),
            len(rest.items),
            rest_id,
            error,
        )
        return "failed"
