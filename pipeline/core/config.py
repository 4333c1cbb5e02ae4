"""Configuration: strict pydantic models for sources.yml and teams.yml.

Unknown keys are rejected, duplicate ids and repeated YAML keys refused; every problem is
reported as one `ConfigError` naming the file, the entry and the field (never a traceback).
Secrets are never in these files: they name environment variables (`token_env`,
`webhook_env`, `password_env`) that are read only at delivery time
(`pipeline.alerts.notify.router`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from pipeline.core.config_load import read_yaml, validated
from pipeline.core.errors import ConfigError
from pipeline.core.usage_config import UsageSourceConfig, check_usage_sources

__all__ = ["ConfigError", "TeamsFile", "load_sources", "load_teams"]

DEFAULT_LEAD_DAYS = (90, 30, 7, 1)
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9, _)")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]

_SLACK_CHANNEL = re.compile(r"^#?[a-z0-9_-]{1,80}$|^[CGD][A-Z0-9]{6,}$")


def _slack_channel(value: str) -> str:
    """`#name` (Slack: lowercase letters, digits, `-`, `_`, up to 80) or a channel ID."""
    if not _SLACK_CHANNEL.match(value):
        raise ValueError(
            f"{value[:40]!r} is not a Slack channel: use #name (lowercase letters, digits, "
            "- and _) or a channel ID such as C0123456789"
        )
    return value


SlackChannel = Annotated[str, AfterValidator(_slack_channel)]


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a real date (YYYY-MM-DD)") from None
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# ---------------------------------------------------------------- sources.yml


ProviderId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]


class ReviewConfig(Strict):
    """When a source's records wait for an operator (or a second source) before teams hear."""

    min_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0, description="records below this confidence are reviewed"
    )


PageContent = Literal["deprecations", "models", "changelog", "feed"]


class SourceConfig(Strict):
    """One watched URL. `kind: page` (the default) is a provider page whose records alert
    teams; `content` says what the page is (deprecations, models, changelog, feed), which
    `sunset doctor` checks the response against. `kind: reference` is a deprecation
    catalogue (LiteLLM's model list, modeldeprecations.dev) that only confirms records or
    disagrees with them: its shape is sniffed from the content, `provider` (optional) keeps
    only that provider's entries and `provider_map` renames the catalogue's provider names
    to ours. `kind: model_list` is a provider's list-models endpoint
    (`pipeline.sources.model_lists`):
    `key_env` names the environment variable holding the API key (read at pull time,
    never stored), `api` the request and response convention (`openai`: Bearer key and
    `{"object": "list", "data": [...]}`; `anthropic`: `x-api-key` and cursor pages; `gemini`:
    `x-goog-api-key` and `{"models": [...], "nextPageToken"}`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Literal["page", "reference", "model_list"] = "page"
    provider: ProviderId | None = None
    url: HttpUrl
    format: Literal["html", "markdown", "rss", "atom", "json", "text", "auto"] | None = None
    content: PageContent | None = None
    key_env: EnvName | None = None
    api: Literal["openai", "anthropic", "gemini"] | None = None
    interval: int = Field(default=360, ge=5, le=7 * 24 * 60, description="minutes")
    enabled: bool = True
    description: str | None = None
    review: ReviewConfig = ReviewConfig()
    provider_map: dict[str, ProviderId] = Field(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _page_fields(cls, data: Any, handler: Any) -> SourceConfig:
        """A page needs `provider` and `format`: report them missing like any required
        field, together with the entry's other problems."""
        missing = []
        required = {"page": ("provider", "format"), "model_list": ("provider",)}
        if isinstance(data, dict) and isinstance(data.get("kind", "page"), str):
            missing = [
                InitErrorDetails(type="missing", loc=(name,), input=data)
                for name in required.get(data.get("kind", "page"), ())
                if data.get(name) is None
            ]
        try:
            model = handler(data)
        except ValidationError as exc:
            if not missing:
                raise
            found = [
                InitErrorDetails(
                    type=e["type"], loc=e["loc"], input=e["input"], ctx=e.get("ctx", {})
                )
                for e in exc.errors()
            ]
            raise ValidationError.from_exception_data(cls.__name__, found + missing) from None
        if missing:
            raise ValidationError.from_exception_data(cls.__name__, missing)
        return model

    @model_validator(mode="after")
    def _kind_fields(self) -> SourceConfig:
        if self.kind != "model_list":
            for name in ("key_env", "api"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is only for sources of kind model_list")
        if self.kind != "page" and self.content is not None:
            raise ValueError("content is only for sources of kind page")
        if self.kind != "reference" and self.provider_map:
            raise ValueError("provider_map is only for sources of kind reference")
        if self.kind == "model_list" and self.format not in (None, "json"):
            raise ValueError("a model list is JSON: leave format out")
        if self.kind == "reference" and self.format not in (None, "json"):
            raise ValueError(
                "a reference source's shape is sniffed from its content (JSON or YAML): "
                "leave format out"
            )
        return self

    @property
    def provider_id(self) -> str:
        """The provider stored for the source: a reference without one says "*" (any)."""
        return self.provider or "*"

    @property
    def parser_format(self) -> str:
        return self.format or "json"

    @property
    def list_api(self) -> str:
        """A model list's convention: `api`, else by host (api.anthropic.com: "anthropic",
        generativelanguage.googleapis.com: "gemini"), else "openai"."""
        if self.api:
            return self.api
        host = self.url.host or ""
        if host.endswith("anthropic.com"):
            return "anthropic"
        return "gemini" if host == "generativelanguage.googleapis.com" else "openai"


class SourcesFile(Strict):
    defaults: dict[str, Any] = Field(default_factory=dict)
    sources: list[SourceConfig]

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for index, source in enumerate(self.sources):
            if source.id in seen:
                raise ValueError(f"sources[{index}] (id: {source.id}): duplicate id")
            seen.add(source.id)
        return self


# ---------------------------------------------------------------- teams.yml


class SlackDelivery(Strict):
    token_env: EnvName = "SLACK_BOT_TOKEN"
    api_url: HttpUrl = HttpUrl("https://slack.com/api/")
    # Buttons on bot-token alerts, answered by `sunset serve --slack-port` or `sunset
    # slack-listen` (pipeline/alerts/slack_actions): the Slack app's secrets are named, never given.
    buttons: bool = False
    signing_secret_env: EnvName = "SLACK_SIGNING_SECRET"
    app_token_env: EnvName = "SLACK_APP_TOKEN"


class EmailDelivery(Strict):
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    tls: Literal["none", "starttls", "ssl"] = "none"
    sender: str = "sunset@example.com"
    username_env: EnvName | None = None
    password_env: EnvName | None = None
    timeout: float = 20.0


class OpsDelivery(Strict):
    slack_channel: SlackChannel | None = None
    webhook_env: EnvName | None = None
    email: list[str] = Field(default_factory=list)


class Delivery(Strict):
    slack: SlackDelivery = SlackDelivery()
    email: EmailDelivery = EmailDelivery()
    ops: OpsDelivery = OpsDelivery()
    max_attempts: int = Field(default=8, ge=1, le=50)
    send_empty_digest: bool = False


class DigestConfig(Strict):
    time: str = "08:00"
    timezone: str = "UTC"

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            dt.time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time like 08:00") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


class UseConfig(Strict):
    model: str = Field(min_length=1)
    provider: str = "*"


class WaiverConfig(Strict):
    model: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    until: IsoDate


# A product a team uses through its own interface (ChatGPT), matched to records whose scope
# is "product:<name>"; never to the same model's API record.
ProductName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]

RESERVED_TEAM_NAMES = ("ops",)  # operator alerts use this team name


class TeamConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.lower() in RESERVED_TEAM_NAMES:
            raise ValueError(f"{value!r} is reserved for operator alerts (delivery.ops)")
        return value

    slack_channel: SlackChannel | None = None
    webhook_env: EnvName | None = None
    email: list[str] = Field(default_factory=list)
    digest: DigestConfig | None = DigestConfig()
    lead_days: list[int] = Field(default_factory=lambda: list(DEFAULT_LEAD_DAYS))
    uses: list[UseConfig] = Field(default_factory=list)
    products: list[ProductName] = Field(default_factory=list)
    waivers: list[WaiverConfig] = Field(default_factory=list)

    @field_validator("products")
    @classmethod
    def _products(cls, value: list[str]) -> list[str]:
        names = [name.lower() for name in value]
        if len(set(names)) != len(names):
            raise ValueError("a product is listed twice")
        return names

    @field_validator("digest", mode="before")
    @classmethod
    def _digest_off(cls, value: Any) -> Any:
        # YAML reads a bare `off` as False.
        if value is False or value in ("off", "none"):
            return None
        return value

    @field_validator("lead_days")
    @classmethod
    def _lead_days(cls, value: list[int]) -> list[int]:
        if any(day < 0 or day > 3650 for day in value):
            raise ValueError("lead days must be between 0 and 3650")
        return sorted(set(value), reverse=True)

    @field_validator("email")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _one_slack_destination(self) -> TeamConfig:
        if self.slack_channel and self.webhook_env:
            raise ValueError("give slack_channel or webhook_env, not both")
        return self


def destinations(target: TeamConfig | OpsDelivery) -> list[tuple[str, str]]:
    """(channel, destination) pairs of a team or of the operator: Slack (a channel, or a
    webhook named by its environment variable) first, then e-mail."""
    found = []
    if target.slack_channel or target.webhook_env:
        found.append(("slack", target.slack_channel or f"webhook:{target.webhook_env}"))
    if target.email:
        found.append(("email", ", ".join(target.email)))
    return found


class TeamsFile(Strict):
    delivery: Delivery = Delivery()
    teams: list[TeamConfig] = Field(default_factory=list)
    usage_sources: list[UsageSourceConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> TeamsFile:
        seen: set[str] = set()
        for index, team in enumerate(self.teams):
            if team.name in seen:
                raise ValueError(f"teams[{index}] (name: {team.name}): duplicate team name")
            seen.add(team.name)
        check_usage_sources(self.usage_sources, seen)
        return self

    def team(self, name: str) -> TeamConfig:
        for team in self.teams:
            if team.name == name:
                return team
        raise ConfigError(f"no team named {name!r} (known: {', '.join(self.team_names())})")

    def team_names(self) -> list[str]:
        return [team.name for team in self.teams]


# ---------------------------------------------------------------- loading


def load_sources(path: str | Path) -> SourcesFile:
    path = Path(path)
    data = read_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("defaults"), dict):
        defaults = data["defaults"]
        entries = data.get("sources")
        if isinstance(entries, list):
            data = dict(data)
            data["sources"] = [
                {**defaults, **entry} if isinstance(entry, dict) else entry for entry in entries
            ]
    return validated(path, SourcesFile, data)


def load_teams(path: str | Path) -> TeamsFile:
    """teams.yml, validated; a relative usage-source `path` is relative to the file's own
    folder (not the working directory), `~` is the home folder."""
    path = Path(path)
    teams = validated(path, TeamsFile, read_yaml(path))
    fixed = []
    for source in teams.usage_sources:
        if source.path:
            given = Path(source.path).expanduser()
            where = given if given.is_absolute() else path.parent / given
            source = source.model_copy(update={"path": str(where)})
        fixed.append(source)
    return teams.model_copy(update={"usage_sources": fixed})


def slack_api_url(delivery: Delivery) -> str:
    """`SUNSET_SLACK_API_URL` overrides the configured Slack Web API base URL."""
    url = os.environ.get("SUNSET_SLACK_API_URL") or str(delivery.slack.api_url)
    return url if url.endswith("/") else url + "/"
