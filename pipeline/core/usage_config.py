"""The `usage_sources:` section of teams.yml: strict models and the unit -> team rules.

Kept apart from `pipeline.core.config` (which embeds these models in `TeamsFile`) so the pullers
can use them without importing the rest of the configuration. Keys are never in the file:
`key_env` names the environment variable read at pull time.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

KINDS = ("openai_usage", "anthropic_usage", "litellm", "otel_files")
OPENAI_ENDPOINTS = ("completions", "embeddings", "images", "audio_speeches", "audio_transcriptions")
DEFAULT_BASE_URLS = {
    "openai_usage": "https://api.openai.com/v1",
    "anthropic_usage": "https://api.anthropic.com",
}
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_GLOB_CHARS = ("*", "?", "[")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitRule(_Strict):
    """A unit (project id, workspace id, LiteLLM team/key alias, service.name) -> team."""

    match: str = Field(min_length=1, description="exact unit or fnmatch glob")
    team: str = Field(min_length=1)

    @property
    def is_glob(self) -> bool:
        return any(c in self.match for c in _GLOB_CHARS)

    def matches(self, unit: str) -> bool:
        return fnmatchcase(unit, self.match) if self.is_glob else unit == self.match


class UsageSourceConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Literal["openai_usage", "anthropic_usage", "litellm", "otel_files"]
    base_url: HttpUrl | None = None
    key_env: str | None = None
    path: str | None = None
    window_days: int = Field(default=7, ge=1, le=31)
    interval_hours: int = Field(default=24, ge=1, le=7 * 24, description="hours between pulls")
    enabled: bool = True
    provider: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="provider of every row (default: the API's own, or read from the data)",
    )
    model_map: dict[str, str] = Field(
        default_factory=dict, description="deployment name (Azure) or alias -> model id"
    )
    unit: Literal["team", "key_alias", "end_user", "user"] | None = Field(
        default=None, description="litellm only: which field is the unit (default team)"
    )
    report: Literal["messages", "claude_code", "analytics"] | None = Field(
        default=None,
        description="anthropic_usage only: the Admin messages usage report (default), the"
        " Admin Claude Code usage report, or the Enterprise Usage and Cost Analytics API",
    )
    endpoints: (
        list[
            Literal["completions", "embeddings", "images", "audio_speeches", "audio_transcriptions"]
        ]
        | None
    ) = Field(default=None, description="openai_usage only (default: all of them)")
    teams: list[UnitRule] = Field(default_factory=list)

    @field_validator("key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9, _)")
        return value

    @model_validator(mode="after")
    def _fields_for_kind(self) -> UsageSourceConfig:
        if self.kind == "otel_files":
            if not self.path:
                raise ValueError("kind otel_files needs path (the collector's output directory)")
            for name in ("key_env", "base_url"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is not used by kind otel_files")
        else:
            if self.path is not None:
                raise ValueError(f"path is only for kind otel_files, not {self.kind}")
            if not self.key_env:
                raise ValueError(f"kind {self.kind} needs key_env (the variable holding the key)")
        if self.kind == "litellm" and self.base_url is None:
            raise ValueError("kind litellm needs base_url (the proxy's address)")
        if self.base_url is not None and (self.base_url.username or self.base_url.password):
            raise ValueError(
                "base_url carries credentials (user:password@): give the key in key_env, "
                "it is sent only in a request header"
            )
        if self.unit is not None and self.kind != "litellm":
            raise ValueError("unit is only for kind litellm")
        if self.report is not None and self.kind != "anthropic_usage":
            raise ValueError("report is only for kind anthropic_usage")
        if self.endpoints is not None and self.kind != "openai_usage":
            raise ValueError("endpoints is only for kind openai_usage")
        return self

    @property
    def url(self) -> str:
        base = str(self.base_url) if self.base_url else DEFAULT_BASE_URLS.get(self.kind, "")
        return base.rstrip("/")

    def team_for(self, unit: str | None) -> str | None:
        """The team of a unit: the first rule that matches wins; None when none does."""
        if unit is None:
            return None
        for rule in self.teams:
            if rule.matches(unit):
                return rule.team
        return None


def rule_conflicts(rules: list[UnitRule]) -> list[str]:
    """Rules that make one unit belong to two teams: an exact unit that an earlier glob (or
    the same exact rule) gives to another team. Globs overlapping globs are fine: the first
    match wins, and that is what the order says."""
    problems = []
    for index, rule in enumerate(rules):
        if rule.is_glob:
            continue
        for earlier_index, earlier in enumerate(rules[:index]):
            if earlier.matches(rule.match) and earlier.team != rule.team:
                problems.append(
                    f"unit {rule.match!r} matches two teams: {earlier.team} "
                    f"(teams[{earlier_index}] {earlier.match!r}) and {rule.team} "
                    f"(teams[{index}] {rule.match!r})"
                )
                break
    return problems


def check_usage_sources(sources: list[UsageSourceConfig], team_names: set[str]) -> None:
    """Unique ids, known teams, no unit given to two teams; raises ValueError naming them."""
    seen: set[str] = set()
    for index, source in enumerate(sources):
        where = f"usage_sources[{index}] (id: {source.id})"
        if source.id in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(source.id)
        for rule_index, rule in enumerate(source.teams):
            if rule.team not in team_names:
                known = ", ".join(sorted(team_names)) or "none"
                raise ValueError(
                    f"{where}: teams[{rule_index}]: no team named {rule.team!r} (known: {known})"
                )
        problems = rule_conflicts(source.teams)
        if problems:
            raise ValueError(f"{where}: {problems[0]}")


def usage_source_gaps(sources: list[UsageSourceConfig]) -> list[str]:
    """One line per enabled usage source that cannot pull as configured here: its key's
    environment variable unset (never a value), or its OpenTelemetry folder missing."""
    import os

    gaps = []
    for source in sources:
        if not source.enabled:
            continue
        if source.key_env and not (os.environ.get(source.key_env) or "").strip():
            gaps.append(
                f"environment variable {source.key_env} is not set (the key of usage source "
                f"{source.id}): its pulls fail until it is"
            )
        if source.kind == "otel_files" and source.path and not os.path.isdir(source.path):
            gaps.append(
                f"usage source {source.id}: {source.path} is not a directory: "
                "its pulls fail until it is"
            )
    return gaps


def usage_source_warnings(sources: list[UsageSourceConfig]) -> list[str]:
    """One line per enabled usage source that would send its key in clear text: a plain
    http:// base_url to a host other than this machine."""
    warnings = []
    for source in sources:
        url = source.base_url
        if not source.enabled or url is None or url.scheme != "http":
            continue
        if (url.host or "").strip("[]") not in ("localhost", "127.0.0.1", "::1"):
            warnings.append(
                f"usage source {source.id}: base_url is plain http:// to {url.host}: its key "
                f"({source.key_env}) travels unencrypted; use https://"
            )
    return warnings
