"""E-mail alerts against a real aiosmtpd server: multipart, escaping, subjects, secrets."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

import pytest

from pipeline.alerts.notify.base import DeliveryError
from pipeline.alerts.notify.email import EmailNotifier, render_alert_email
from pipeline.core.config import EmailDelivery
from pipeline.core.models import Alert, AlertItem
from tests.slack_stub import SmtpSink, free_port

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
PASSWORD = "pw-SENTINEL-7f3a9c"
HOSTILE = '<script>alert(1)</script> <!channel> <@U123> \u202egnp.exe\u2069 nul\x00 & "q"'


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def delivery(port: int, **fields: Any) -> EmailDelivery:
    return EmailDelivery(smtp_host="127.0.0.1", smtp_port=port, timeout=5, **fields)


def hostile_alert() -> Alert:
    item = AlertItem(
        kind="reminder",
        provider="openai",
        model=HOSTILE,
        shutdown_date="2026-12-24",
        shutdown_kind="earliest",
        replacements=("gpt-5",),
        evidence=HOSTILE,
        url="javascript:alert(document.cookie)",
        note="30-day reminder",
    )
    safe = AlertItem(kind="new", provider="openai", model="gpt-4o", url="https://ex.com/d?a=1&b=2")
    return Alert(
        team="payments",
        channel="email",
        kind="reminder",
        title="Reminder\r\nBcc: victim@example.com " + HOSTILE,
        items=(item, safe),
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_alert_email_is_multipart_and_escaped(sink: SmtpSink) -> None:
    notifier = EmailNotifier(delivery=delivery(sink.port), recipients=["payments@example.com"])
    notifier.send(hostile_alert(), now=NOW)
    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert sink.envelopes[0] == ("sunset@example.com", ["payments@example.com"])
    assert message["To"] == "payments@example.com"
    assert message.get_content_type() == "multipart/alternative"
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Bcc"] is None
    text, html = parts(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and "javascript:alert" in html
    assert 'href="https://ex.com/d?a=1&amp;b=2"' in html
    assert "not before 2026-12-24 (in 30 days)" in text
    assert "gpt-4o (openai)" in text
    for part in (text, html, message["Subject"]):
        assert "\u202e" not in part and "\u2069" not in part and "\x00" not in part


def test_huge_names_are_truncated() -> None:
    item = AlertItem(kind="new", provider="p", model="m" * 10_000, evidence="e" * 10_000)
    alert = Alert(team="t", channel="email", kind="new", title="x" * 10_000, items=(item,))
    message = render_alert_email(alert, now=NOW, sender="s@example.com", recipients=["a@b.co"])
    text, html = parts(message)
    small = replace(alert, title="x", items=(replace(item, model="m", evidence="e"),))
    _, baseline = parts(
        render_alert_email(small, now=NOW, sender="s@example.com", recipients=["a@b.co"])
    )
    assert len(text) < 2000 and len(html) < len(baseline) + 1500 and "…" in text
    assert len(message["Subject"]) <= 200


def test_auth_failure_never_shows_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with SmtpSink(reject_auth=True) as sink:
        notifier = EmailNotifier(
            delivery=delivery(sink.port),
            recipients=["a@example.com"],
            username="sunset",
            password=PASSWORD,
        )
        with pytest.raises(DeliveryError) as caught:
            notifier.send(hostile_alert(), now=NOW)
    assert "SMTPAuthenticationError" in str(caught.value) and "535" in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert PASSWORD not in caplog.text
    assert not sink.messages


def test_starttls_unsupported_is_an_error_without_the_password(sink: SmtpSink) -> None:
    notifier = EmailNotifier(
        delivery=delivery(sink.port, tls="starttls"),
        recipients=["a@example.com"],
        username="sunset",
        password=PASSWORD,
    )
    with pytest.raises(DeliveryError) as caught:
        notifier.send(hostile_alert(), now=NOW)
    assert "STARTTLS" in str(caught.value) and PASSWORD not in str(caught.value)
    assert not sink.messages


def test_smtp_down_is_an_outage() -> None:
    notifier = EmailNotifier(delivery=delivery(free_port()), recipients=["a@example.com"])
    with pytest.raises(DeliveryError) as caught:
        notifier.send(hostile_alert(), now=NOW)
    assert caught.value.outage and not caught.value.permanent
    assert "127.0.0.1" in str(caught.value)


def test_every_email_has_date_and_message_id(sink: SmtpSink) -> None:
    notifier = EmailNotifier(delivery=delivery(sink.port), recipients=["payments@example.com"])
    notifier.send(hostile_alert(), now=NOW)
    notifier.send(hostile_alert(), now=NOW)
    first, second = sink.messages
    assert email.utils.parsedate_to_datetime(first["Date"]) == NOW
    assert first["Message-ID"].startswith("<") and first["Message-ID"].endswith("@example.com>")
    assert first["Message-ID"] != second["Message-ID"]


def test_email_evidence_from_a_markdown_table_reads_as_text() -> None:
    table = "| 2027-01-11 | `acme-chat-2-1106` | acme-chat-3 |"
    message = render_alert_email(
        Alert(
            team="payments",
            channel="email",
            kind="new",
            title="New",
            items=(
                AlertItem(kind="new", provider="acme", model="acme-chat-2-1106", evidence=table),
            ),
        ),
        now=NOW,
        sender="s@example.com",
        recipients=["p@example.com"],
    )
    text, html = parts(message)
    html = re.sub(r"<[^>]+>", "", html)  # dates and IDs sit in no-wrap spans
    for part in (text, html):
        assert "| 2027" not in part and "`" not in part
        assert "2027-01-11 · acme-chat-2-1106 · acme-chat-3" in part


def test_html_email_has_days_left_chips() -> None:
    items = tuple(
        AlertItem(kind="reminder", provider="acme", model=f"m-{days}", shutdown_date=date)
        for days, date in ((3, "2026-11-27"), (20, "2026-12-14"), (60, "2027-01-23"))
    )
    alert = Alert(team="t", channel="email", kind="reminder", title="Reminders", items=items)
    message = render_alert_email(alert, now=NOW, sender="s@example.com", recipients=["a@b.co"])
    text, html = parts(message)
    assert "Shuts down" in html and "Replacement:" in html
    assert "<link" not in html and "class=" in html  # inline styles; classes only for dark mode
    assert "prefers-color-scheme: dark" in html and 'name="color-scheme"' in html
    chips = re.findall(r"background:(#[0-9a-f]{6});color:#ffffff[^>]*>([^<]+)<", html)
    assert chips == [("#cf222e", "in 3 days"), ("#9a6700", "in 20 days"), ("#57606a", "in 60 days")]
    assert "m-3 (acme)" in text  # the text part stays
