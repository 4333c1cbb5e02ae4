"""Routing an alert to its destination and notifier, reading secrets at send time.

A destination key names where an alert goes without naming a secret: `slack:api` (the bot
token), `slack:webhook:<ENV_NAME>`, `smtp:<host>:<port>`. Delivery tracks each key's
health. Every configured secret is registered for redaction (`pipeline.core.redact`) the moment
a router is built, and a malformed one is refused instead of used.
"""

from __future__ import annotations

from typing import Any

from pipeline.alerts.notify.base import DeliveryError, Notifier
from pipeline.alerts.notify.email import EmailNotifier
from pipeline.alerts.notify.slack import SlackNotifier
from pipeline.core.config import ConfigError, TeamsFile, destinations, slack_api_url
from pipeline.core.models import Alert
from pipeline.core.redact import Redactor, env_secrets, problem, protect
from pipeline.ops_alerts import OPS_TEAM


def secret_names(teams: TeamsFile) -> dict[str, str]:
    """Environment variable names that hold secrets -> their kind (token, password, url)."""
    d = teams.delivery
    names: dict[str, str] = {d.slack.token_env: "token"}
    names[d.slack.signing_secret_env] = names[d.slack.app_token_env] = "token"  # Slack app
    if d.email.password_env:
        names[d.email.password_env] = "password"
    for env in [d.ops.webhook_env, *(team.webhook_env for team in teams.teams)]:
        if env:
            names[env] = "url"
    for source in teams.usage_sources:  # usage API keys: redacted like every other secret
        if source.key_env:
            names[source.key_env] = "token"
    return names


def secret_problems(teams: TeamsFile) -> list[str]:
    """One line per set-but-malformed secret, naming the variable and never its value."""
    found = []
    for name, kind in secret_names(teams).items():
        value = env_secrets([name]).get(name)
        if value is not None and (why := problem(value, kind=kind)):
            found.append(f"environment variable {name} {why}")
    return found


def missing_secrets(teams: TeamsFile) -> list[str]:
    """One line per environment variable that teams.yml names for a destination in use but
    that is unset (or blank): what it blocks, never a value."""
    d = teams.delivery
    needs: dict[str, list[str]] = {}
    channels = [t.slack_channel for t in teams.teams if t.slack_channel]
    if d.ops.slack_channel:
        channels.append(d.ops.slack_channel)
    if channels:
        needs.setdefault(d.slack.token_env, []).append(
            "the Slack bot token for " + ", ".join(dict.fromkeys(channels))
        )
    for owner, env in [("ops", d.ops.webhook_env), *((t.name, t.webhook_env) for t in teams.teams)]:
        if env:
            needs.setdefault(env, []).append(f"the Slack webhook of {owner}")
    if any(t.email for t in teams.teams) or d.ops.email:
        for env, what in ((d.email.username_env, "user"), (d.email.password_env, "password")):
            if env:
                needs.setdefault(env, []).append(f"the SMTP {what}")
    values = env_secrets(list(needs))
    return [
        f"environment variable {name} is not set ({'; '.join(uses)}): those alerts wait until it is"
        for name, uses in needs.items()
        if not (values.get(name) or "").strip()
    ]


class Router:
    """Resolves an alert to (destination key, notifier) from teams.yml, reading secrets now."""

    def __init__(self, teams: TeamsFile, *, timeout: float = 10, rate_limit_retries: int = 1):
        self.teams = teams
        self.timeout = timeout
        self.rate_limit_retries = rate_limit_retries
        names = secret_names(teams)
        self.redact = Redactor(env_secrets(names))
        protect(env_secrets(names))

    @property
    def max_attempts(self) -> int:
        return self.teams.delivery.max_attempts

    def _targets(self, alert: Alert) -> tuple[str | None, str | None, list[str]]:
        if alert.team == OPS_TEAM:
            ops = self.teams.delivery.ops
            return ops.slack_channel, ops.webhook_env, list(ops.email)
        try:
            team = self.teams.team(alert.team)
        except ConfigError:
            raise DeliveryError(f"team {alert.team} is not in teams.yml", permanent=True) from None
        return team.slack_channel, team.webhook_env, list(team.email)

    def destination(self, alert: Alert) -> str:
        """The alert's destination key (no secret is read); permanent error if it has none."""
        slack_channel, webhook_env, emails = self._targets(alert)
        if alert.channel == "email":
            if not emails:
                raise DeliveryError(f"team {alert.team} has no e-mail address", permanent=True)
            mail = self.teams.delivery.email
            return f"smtp:{mail.smtp_host}:{mail.smtp_port}"
        if alert.channel != "slack":
            raise DeliveryError(f"unknown channel {alert.channel!r}", permanent=True)
        if webhook_env:
            return f"slack:webhook:{webhook_env}"
        if slack_channel:
            return "slack:api"
        raise DeliveryError(f"team {alert.team} has no Slack destination", permanent=True)

    def route(self, alert: Alert) -> tuple[str, Notifier]:
        key = self.destination(alert)
        slack_channel, webhook_env, emails = self._targets(alert)
        delivery = self.teams.delivery
        if alert.channel == "email":
            mail = delivery.email
            username = self._need(mail.username_env, "SMTP username", kind="password")
            password = self._need(mail.password_env, "SMTP password", kind="password")
            notifier = EmailNotifier(
                delivery=mail, recipients=emails, username=username, password=password
            )
            return key, notifier
        if webhook_env:
            url = self._need(webhook_env, f"Slack webhook for {alert.team}", kind="url")
            return key, self._slack(webhook_url=url)
        token = self._need(delivery.slack.token_env, "Slack bot token", kind="token")
        return key, self._slack(token=token, channel=slack_channel)

    @staticmethod
    def _need(env: str | None, what: str, *, kind: str) -> str | None:
        """The variable's value, stripped; a missing or malformed one is an outage of its
        destination (it may be fixed later), reported without the value."""
        if env is None:
            return None
        value = env_secrets([env]).get(env)
        if value is None or not value.strip():
            raise DeliveryError(f"environment variable {env} is not set ({what})", outage=True)
        if why := problem(value, kind=kind):
            raise DeliveryError(f"environment variable {env} {why} ({what})", outage=True)
        return value.strip()

    def _slack(self, **kwargs: Any) -> SlackNotifier:
        return SlackNotifier(
            token=kwargs.get("token"),
            api_url=slack_api_url(self.teams.delivery),
            webhook_url=kwargs.get("webhook_url"),
            channel=kwargs.get("channel"),
            timeout=self.timeout,
            rate_limit_retries=self.rate_limit_retries,
            redact=self.redact,
            buttons=self.teams.delivery.slack.buttons,
        )

    def ops_destination(self, avoid: str) -> tuple[str, str] | None:
        """Where to send an operator alert, preferring the channel `avoid` is not."""
        options = destinations(self.teams.delivery.ops)
        options.sort(key=lambda option: option[0] == avoid)
        return options[0] if options else None


def build_notifiers(teams: TeamsFile, **options: Any) -> Router:
    return Router(teams, **options)
