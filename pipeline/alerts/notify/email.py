"""E-mail delivery: alerts (and digests) as multipart text + HTML over stdlib smtplib.

HTML comes from autoescaped Jinja2 templates in `templates/`; subjects are forced onto one
line. SMTP credentials are read from the environment by the router and never appear in
errors or logs.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import asdict
from email.message import EmailMessage

from pipeline.alerts.notify import digest
from pipeline.alerts.notify.base import (
    DeliveryError,
    by_urgency,
    compose,
    heading,
    item_view,
    templates,
)
from pipeline.alerts.notify.escape import one_line, truncate
from pipeline.core.config import EmailDelivery
from pipeline.core.models import Alert
from pipeline.core.redact import Redactor, redact_registered

log = logging.getLogger(__name__)


def render_alert_email(
    alert: Alert, *, now: dt.datetime, sender: str, recipients: Sequence[str]
) -> EmailMessage:
    """An immediate alert, or a digest alert (rendered from its items at send time)."""
    if alert.kind == "digest":
        subject, text, html = digest.render_digest_parts(
            alert.team, digest.data_from_alert(alert), now
        )
    else:
        subject = heading(alert)
        context = {
            "title": subject,
            "team": one_line(alert.team, 80),
            "views": [asdict(item_view(item, now)) for item in by_urgency(alert.items, now)],
        }
        text = templates().get_template("alert.txt.j2").render(context)
        html = templates().get_template("alert.html.j2").render(context)
    models = {(item.provider, item.model) for item in alert.items if item.kind != "ops"}
    thread = None
    if alert.kind != "digest" and len(models) == 1:
        ((provider, model),) = models
        thread = f"{alert.team}\x00{provider}\x00{model}"
    return compose(
        subject=subject,
        text=text,
        html=html,
        sender=sender,
        recipients=recipients,
        now=now,
        team=alert.team,
        thread=thread,
    )


class EmailNotifier:
    """Sends alerts through one SMTP server to a fixed list of recipients."""

    def __init__(
        self,
        *,
        delivery: EmailDelivery,
        recipients: Sequence[str],
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        if not recipients:
            raise ValueError("EmailNotifier needs at least one recipient")
        self._delivery = delivery
        self._recipients = list(recipients)
        self._username = username
        self._password = password

    def send(self, alert: Alert, *, now: dt.datetime) -> None:
        message = render_alert_email(
            alert, now=now, sender=self._delivery.sender, recipients=self._recipients
        )
        self.send_message(message)

    def send_message(self, message: EmailMessage) -> None:
        d = self._delivery
        where = f"SMTP {d.smtp_host}:{d.smtp_port}"
        try:
            if d.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    d.smtp_host,
                    d.smtp_port,
                    timeout=d.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(d.smtp_host, d.smtp_port, timeout=d.timeout)
            with smtp:
                if d.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self._username and self._password:
                    smtp.login(self._username, self._password)
                smtp.send_message(message, to_addrs=self._recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                self._redact(f"{where}: recipients refused ({codes})"),
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            auth = isinstance(exc, smtplib.SMTPAuthenticationError)
            raise DeliveryError(
                f"{where}: {type(exc).__name__} {exc.smtp_code} "
                + truncate(self._redact(text), 200),
                permanent=not auth and exc.smtp_code >= 500,
                outage=auth or exc.smtp_code < 500,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"{where}: {type(exc).__name__}: {truncate(self._redact(str(exc)), 200)}",
                outage=True,
            ) from None

    def _redact(self, text: str) -> str:
        """Every form of the password (raw, base64 as AUTH echoes it, hex, ...) and of every
        registered secret out of a server's reply, before anything cuts it."""
        if self._password:
            text = Redactor({"SMTP password": self._password})(text)
        return redact_registered(text)
