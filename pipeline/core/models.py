"""The plain frozen dataclasses that flow between pipeline stages.

Fetch yields `FetchResult`, extract yields `Record`s in an `Extraction`, usage comes in as
`UsageEntry`s (declared, scanned, imported, pulled), and the decider
turns exposures and stored record changes into `Alert`s (each holding `AlertItem`s) for the
notifiers. Storage speaks plain dicts; an alert travels through the outbox as its payload
(`Alert.to_payload` / `Alert.from_payload`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

ShutdownKind = Literal["firm", "earliest", "region", "none"]
RecordStatus = Literal["deprecated", "legacy", "retired"]
RecordKind = Literal["model", "feature"]
FetchOutcome = Literal["ok", "not_modified", "unchanged", "error", "skipped"]
Origin = Literal["declared", "scan", "import", "pull"]  # pull: from the usage pullers
# Plausible record dates (the publish gate and review corrections): years before EARLIEST_YEAR
# or more than LATEST_YEARS_AHEAD ahead are a misread, never a shutdown.
EARLIEST_YEAR = 2015
LATEST_YEARS_AHEAD = 10


@dataclass(frozen=True)
class SourceState:
    """What fetch needs to know about a source from the last successful fetch."""

    id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one source. `body` is set only when outcome is "ok"."""

    source_id: str
    url: str
    outcome: FetchOutcome
    started: str
    duration_ms: float
    status: int | None = None
    final_url: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    size: int = 0
    tries: int = 1
    error_type: str | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "error"


@dataclass(frozen=True)
class Record:
    """One deprecation record as extracted from one page: a model (or non-model feature)."""

    provider: str
    model: str
    kind: RecordKind = "model"
    aliases: tuple[str, ...] = ()
    shutdown_date: str | None = None
    shutdown_kind: ShutdownKind = "none"
    announced_date: str | None = None
    replacements: tuple[str, ...] = ()
    status: RecordStatus = "deprecated"
    evidence: str = ""
    url: str | None = None
    scope: str = "api"  # "api", or "product:<name>" for a change in a product (ChatGPT)
    confidence: float = 1.0  # 0..1: how sure extraction is that this is a deprecated model
    why: tuple[str, ...] = ()  # the cues that fired, for review and `sunset extract --explain`

    def to_json(self) -> dict[str, Any]:
        """The stable `sunset extract --json` shape."""
        return {
            "model": self.model,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "shutdown_date": self.shutdown_date,
            "shutdown_kind": self.shutdown_kind,
            "announced_date": self.announced_date,
            "replacements": list(self.replacements),
            "status": self.status,
            "evidence": self.evidence,
            "url": self.url,
            "scope": self.scope,
            "confidence": self.confidence,
            "why": list(self.why),
        }


def record_of(row: dict[str, Any]) -> Record:
    """A stored `records` row (its list fields decoded) as a `Record`."""
    return Record(
        provider=row["provider"],
        model=row["model"],
        kind=row["kind"],
        aliases=tuple(row["aliases"]),
        shutdown_date=row["shutdown_date"],
        shutdown_kind=row["shutdown_kind"],
        announced_date=row["announced_date"],
        replacements=tuple(row["replacements"]),
        status=row["status"],
        evidence=row["evidence"] or "",
        url=row["url"],
        scope=row.get("scope") or "api",
    )


@dataclass(frozen=True)
class UsageEntry:
    """One team's use of a model (exact ID or fnmatch glob, lowercased): the input of matching,
    whether declared in teams.yml, scanned, imported or pulled."""

    team: str
    model: str
    provider: str = "*"
    origin: Origin = "declared"
    where: str | None = None  # "path/to/file.py:12" for scans, file name for imports
    last_seen: str | None = None  # ISO date/time
    volume: int | None = None  # requests, for imports


@dataclass(frozen=True)
class ReferenceEntry:
    """One model's lifecycle dates as a reference catalogue states them.

    `provider` is already mapped to Sunset Watch's provider ids; `shutdown_kind` is "firm"
    or "earliest" (a "not before" date), "none" without a shutdown date. `deprecated_date`
    is when the deprecation was announced, never a shutdown date.
    """

    provider: str
    model: str
    aliases: tuple[str, ...] = ()
    shutdown_date: str | None = None
    shutdown_kind: ShutdownKind = "none"
    deprecated_date: str | None = None
    replacements: tuple[str, ...] = ()
    status: str | None = None


@dataclass(frozen=True)
class Extraction:
    """What extracting one document produced: records plus non-fatal warnings."""

    records: tuple[Record, ...]
    warnings: tuple[str, ...] = ()
    # The page's structural features (`pipeline.structure`), None when not computed: a
    # change against the last good snapshot sends new and changed records to review.
    structure: tuple[str, ...] | None = None
    # The page's text for diffs and whether it was cut (`pagediff.text.page_text`), when the
    # extraction process computed it beside the records; None: the cycle computes it.
    page_text: tuple[str, bool] | None = None


@dataclass(frozen=True)
class AlertItem:
    """One model inside an alert message."""

    kind: str  # new | changed | reminder | past | ops | recovery
    provider: str
    model: str
    shutdown_date: str | None = None
    shutdown_kind: str = "none"
    days_left: int | None = None
    replacements: tuple[str, ...] = ()
    status: str = "deprecated"
    evidence: str = ""
    url: str | None = None
    change: str | None = None  # human text such as "shutdown date 2026-01-01 -> 2026-02-01"
    matched_as: str | None = None  # the team's usage entry that matched
    note: str | None = None  # ops alerts: what is wrong with the source
    scope: str = "api"  # or "product:<name>": the model leaves that product, not the API
    # Pulled usage of the matched model (None when only declared, scanned or imported):
    requests_7d: int | None = None  # requests in the last 7 days
    tokens_7d: int | None = None  # tokens in the last 7 days (sources that count no requests)
    last_call: str | None = None  # ISO date (daily sources) or time of the last call
    quiet: bool = False  # pulled usage shows no call for 30 days: "no recent calls"

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["replacements"] = list(self.replacements)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlertItem:
        data = dict(data)
        data["replacements"] = tuple(data.get("replacements") or ())
        return cls(**data)


@dataclass(frozen=True)
class Alert:
    """One message to one team on one channel: the payload of an outbox row."""

    team: str
    channel: Literal["slack", "email"]
    kind: str  # new | changed | reminder | past | ops | digest
    title: str
    items: tuple[AlertItem, ...] = field(default_factory=tuple)
    destination: str | None = None  # channel name or e-mail list, never a secret

    def to_payload(self) -> str:
        return json.dumps(
            {
                "team": self.team,
                "channel": self.channel,
                "kind": self.kind,
                "title": self.title,
                "destination": self.destination,
                "items": [item.to_dict() for item in self.items],
            },
            sort_keys=True,
        )

    @classmethod
    def from_payload(cls, payload: str) -> Alert:
        data = json.loads(payload)
        data["items"] = tuple(AlertItem.from_dict(i) for i in data.get("items", []))
        return cls(**data)
