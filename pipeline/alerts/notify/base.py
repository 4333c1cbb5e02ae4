"""What Slack and e-mail share: the delivery error, the notifier protocol, and the wording.

`item_view` turns an `AlertItem` into cleaned, truncated plain strings (not yet escaped for
any channel) with kind-specific wording, so both channels say the same thing.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import jinja2
import markupsafe

from pipeline.alerts.notify.escape import html_keep_whole, one_line, readable, safe_url, short
from pipeline.core.models import Alert, AlertItem
from pipeline.core.page_links import changes_url
from pipeline.core.scope import product_name, product_of
from pipeline.core.wording import describe_volume

MODEL_MAX = 200
PROVIDER_MAX = 80
EVIDENCE_MAX = 300
NOTE_MAX = 600
TITLE_MAX = 200
OPS_KINDS = ("ops", "recovery", "source")

LABELS = {
    "new": "New deprecation",
    "changed": "Changed",
    "reminder": "Reminder",
    "past": "Past shutdown, still in use",
    "upcoming": "Upcoming",
    "waived": "Waived",
    "source": "Failing source",
    "recovery": "Source recovered",
}
OPS_LABELS = {
    "failing": "Source failing",
    "cliff": "Source parsed far fewer records",
    "recovered": "Source recovered",
    "dead": "Alert delivery failed",
    "review": "Needs review",
    "down": "Alert delivery down",
    "up": "Alert delivery recovered",
    "store": "Database not writable",
    "store-ok": "Database writable again",
    "disagreement": "Reference disagrees",
    "unowned": "Unowned usage",
    "test": "Test notification",
}


class DeliveryError(Exception):
    """A send failed. `retry_after` (seconds) comes from a 429; `permanent` means retrying the
    same payload cannot help; `delivered_items` counts items already sent in earlier parts."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        outage: bool = False,
        delivered_items: int = 0,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.outage = outage  # the destination is down or rate limited: skip it this run
        self.delivered_items = delivered_items
        # The request went out but no answer came (a timeout after sending): the message may
        # be in the channel. Never re-posted blindly (see `outbox`).
        self.maybe_sent = maybe_sent


class Notifier(Protocol):
    def send(self, alert: Alert, *, now: dt.datetime) -> None:
        """Deliver the alert or raise `DeliveryError`."""


@runtime_checkable
class KeyedNotifier(Protocol):
    """A notifier that can tell whether an alert may already be out (Slack).

    `confirms` is True when it can look its messages up (a bot token reading channel
    history); `send_keyed` with `maybe_sent_since` skips the parts already posted since then.
    """

    confirms: bool

    def send_keyed(
        self, alert: Alert, *, now: dt.datetime, maybe_sent_since: dt.datetime | None
    ) -> None: ...


@dataclass(frozen=True)
class ItemView:
    """One alert item as cleaned plain text, ready for a channel's own escaping."""

    label: str
    model: str
    provider: str
    when: str
    replacements: str
    evidence: str
    url: str | None  # only a safe http(s) URL
    url_text: str  # an unsafe URL, shown as text
    change: str
    note: str
    matched_as: str
    usage: str  # pulled volume: "41,230 requests in the last 7 days, last call ..." or ""
    days_left: int | None
    ops: bool  # an operator notice about a source or delivery, not a model date
    date: str = ""  # the shutdown date as printed, "" when none
    kind: str = "none"  # firm | earliest | region | none
    days_text: str = ""  # "in 5 days", "today", "3 days ago"
    urgency: str = "none"  # past | week (<= 7 days) | month (<= 30) | later | none
    product: bool = False  # the record is about a product (ChatGPT), not the API
    changes_url: str | None = None  # "what changed on the provider's page" (Datasette)

    @property
    def summary(self) -> str:
        tail = self.change or self.note or self.when
        calls = f"; {self.usage}" if self.usage else ""
        return f"{self.label}: {self.model} ({self.provider}) - {tail}{calls}"


def relative_days(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def days_until(date_text: str | None, now: dt.datetime) -> int | None:
    try:
        return (dt.date.fromisoformat(date_text or "") - now.astimezone(dt.UTC).date()).days
    except ValueError:
        return None


def when_text(item: AlertItem, now: dt.datetime) -> str:
    """'shuts down 2026-03-01 (in 30 days)', 'not before 2026-03-01 (...)', ..., and for a
    product change 'leaves ChatGPT on 2026-03-01 (in 30 days); API unaffected'."""
    product = product_of(item.scope)
    if product is not None:
        return _product_when(item, product_name(one_line(product, 60)), now)
    if not item.shutdown_date:
        return "no shutdown date announced"
    date = one_line(item.shutdown_date, 40)
    days = days_until(item.shutdown_date, now)
    rel = f" ({relative_days(days)})" if days is not None else ""
    if item.shutdown_kind == "earliest":
        return f"not before {date}{rel}"
    if item.shutdown_kind == "region":
        return f"shuts down in some regions on {date}{rel}"
    if days is not None and days < 0:
        return f"shut down on {date}{rel}"
    return f"shuts down on {date}{rel}"


def _product_when(item: AlertItem, product: str, now: dt.datetime) -> str:
    if not item.shutdown_date:
        return f"leaves {product} (no date announced); API unaffected"
    date = one_line(item.shutdown_date, 40)
    days = days_until(item.shutdown_date, now)
    rel = f" ({relative_days(days)})" if days is not None else ""
    if item.shutdown_kind == "earliest":
        return f"leaves {product} not before {date}{rel}; API unaffected"
    verb = "left" if days is not None and days < 0 else "leaves"
    return f"{verb} {product} on {date}{rel}; API unaffected"


def item_label(item: AlertItem) -> str:
    if item.kind == "ops":
        return OPS_LABELS.get(item.status, "Operator notice")
    return LABELS.get(item.kind, item.kind.capitalize() or "Notice")


def item_view(item: AlertItem, now: dt.datetime) -> ItemView:
    url = safe_url(item.url)
    days = days_until(item.shutdown_date, now)
    return ItemView(
        label=item_label(item),
        model=one_line(item.model, MODEL_MAX),
        provider=one_line(item.provider, PROVIDER_MAX),
        when=when_text(item, now),
        replacements=one_line(", ".join(item.replacements), 300),
        evidence=short(readable(item.evidence), EVIDENCE_MAX),
        url=url,
        url_text="" if url or not item.url else one_line(item.url, 300),
        change=one_line(item.change, 300),
        note=short(item.note, NOTE_MAX),
        matched_as=one_line(item.matched_as, 200),
        usage=usage_text(item),
        days_left=days,
        ops=item.kind in OPS_KINDS,
        date=one_line(item.shutdown_date, 40),
        kind=item.shutdown_kind,
        days_text=relative_days(days) if days is not None else "",
        urgency=urgency(days),
        product=product_of(item.scope) is not None,
        changes_url=None if item.kind in OPS_KINDS else safe_url(changes_url(url)),
    )


def urgency(days: int | None) -> str:
    """How soon, for colouring: past, week (<= 7 days), month (<= 30), later, none."""
    if days is None:
        return "none"
    if days < 0:
        return "past"
    return "week" if days <= 7 else "month" if days <= 30 else "later"


def by_urgency(items: Sequence[AlertItem], now: dt.datetime) -> list[AlertItem]:
    """Most urgent first: operator notices, then past shutdowns, then the fewest days left,
    then the most calls in the last 7 days; items without a date last. Stable, so equal items
    keep the decider's order."""

    def key(item: AlertItem) -> tuple[int, int, int]:
        if item.kind in OPS_KINDS:
            return (0, 0, 0)
        days = days_until(item.shutdown_date, now)
        volume = -(item.requests_7d or item.tokens_7d or 0)
        return (2, 0, volume) if days is None else (1, days, volume)

    return sorted(items, key=key)


def usage_text(item: AlertItem) -> str:
    """The pulled volume of an item's model, or "" when usage was only declared or scanned."""
    if item.requests_7d is None and item.tokens_7d is None and not item.last_call:
        return "no recent calls" if item.quiet else ""
    return describe_volume(item.requests_7d, item.tokens_7d, item.last_call, item.quiet)


def heading(alert: Alert) -> str:
    """The alert's title as one clean line (the decider words it per kind)."""
    title = one_line(alert.title, TITLE_MAX)
    if title:
        return title
    labels = sorted({item_label(item) for item in alert.items}) or ["Notice"]
    return f"Sunset Watch: {', '.join(labels)}"


@cache
def templates() -> jinja2.Environment:
    """Jinja2 templates next to this module; HTML templates are autoescaped, text ones not."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # `text | whole`: escaped, with dates and model IDs kept on one line each.
    env.filters["whole"] = lambda text: markupsafe.Markup(html_keep_whole(str(text)))
    return env


def compose(
    *,
    subject: str,
    text: str,
    html: str,
    sender: str,
    recipients: Sequence[str],
    now: dt.datetime,
    team: str | None = None,
    thread: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message with the `Date` (RFC 5322 requires it, as of `now`,
    the send time) and a `Message-ID` in the sender's domain; the subject is one line.

    Machine-sent: `Auto-Submitted: auto-generated` (RFC 3834) so auto-responders stay quiet,
    and with a `team`, a `List-Id` (RFC 2919) per team that mail filters can sort on. With a
    `thread` key (one model's alerts), `In-Reply-To`/`References` name one stable id per
    key, so a client shows follow-ups of the same model as one conversation.
    `List-Unsubscribe` is not set: who gets the mail is teams.yml, not a link (the footer
    says so)."""
    message = EmailMessage()
    message["Subject"] = one_line(subject, TITLE_MAX)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = email.utils.formatdate(now.timestamp(), usegmt=True)
    domain = sender.rpartition("@")[2].strip(" >") or "sunset-watch.invalid"
    message["Message-ID"] = email.utils.make_msgid("sunset", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if team:
        label = re.sub(r"[^a-z0-9-]+", "-", team.lower()).strip("-") or "team"
        message["List-Id"] = (
            f"Sunset Watch for {one_line(team, 80)} <{label}.sunset-watch.{domain}>"
        )
    if thread:
        digest = hashlib.sha256(thread.encode()).hexdigest()[:24]
        root = f"<sunset-thread-{digest}@{domain}>"
        message["In-Reply-To"] = root
        message["References"] = root
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
