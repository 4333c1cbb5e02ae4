"""Reference catalogues: bytes -> `ReferenceEntry`s, the shape sniffed from the content.

Pure (no I/O). The shapes read, with the field names the catalogues themselves publish:

- **LiteLLM** `model_prices_and_context_window.json`: an object keyed by model name, each value
  an object with `litellm_provider` and, for a model with an end date, `deprecation_date`
  (`YYYY-MM-DD`). LiteLLM records there the day the provider stops serving the model, so it
  is read as a firm shutdown date. The `sample_spec` key documents the schema and is skipped,
  as is every model without a `deprecation_date`.
- **modeldeprecations.dev**: its API catalogue (`/api/v1/models.json`: `{"models": [...]}`), a
  list of its records, or one record file (`models/<provider>/<model>.yaml`). A record has
  `provider`, `model`, `aliases`, `deprecated_on` (the announcement, never a shutdown),
  `shutdown_on` (a committed date) or `earliest_shutdown_on` (a "not before" date), `status`
  (the API's `computed_status` wins over it: it is worked out from the dates when served)
  and `replacements` (`[{provider, model, recommended}]`). Records without any lifecycle date
  are skipped.

JSON is tried first, then YAML (without aliases, and only for text that is not markup).
Anything else parses to no entries and a warning. A date that is not a real ISO date is
dropped with a warning: a date is never guessed. Catalogue provider names are mapped to
Sunset Watch's provider ids (the source's own `provider_map`, then the map every reader
shares, `pipeline.core.provider_names`); an
unknown name is kept as a slug.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from pipeline.core.models import ReferenceEntry
from pipeline.core.provider_names import provider_slug

LITELLM = "litellm"
MODELDEPRECATIONS = "modeldeprecations"

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MDD_DATES = ("shutdown_on", "earliest_shutdown_on", "deprecated_on")
_MDD_KEYS = (*_MDD_DATES, "status", "computed_status", "last_verified", "released_on")
MAX_WARNINGS = 20
MAX_YAML_CHARS = 2_000_000  # YAML is one model file or a small list; big catalogues are JSON


@dataclass(frozen=True)
class Catalogue:
    """What one reference snapshot holds: its sniffed shape, dated entries and warnings."""

    shape: str | None  # LITELLM | MODELDEPRECATIONS | None when not recognised
    entries: tuple[ReferenceEntry, ...]
    warnings: tuple[str, ...] = ()


class _Reader:
    """Collects warnings while reading one catalogue; maps provider names."""

    def __init__(self, provider_map: Mapping[str, str]) -> None:
        self.provider_map = {k.strip().lower(): v for k, v in provider_map.items()}
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def provider(self, name: Any) -> str | None:
        key = str(name or "").strip().lower()
        if not key:
            return None
        if key in self.provider_map:
            return self.provider_map[key]
        return provider_slug(key)

    def date(self, value: Any, where: str) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()  # YAML reads an unquoted 2026-01-05 as a date
        text = str(value).strip()
        if _ISO.match(text):
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                pass
        self.warn(f"{where}: {text[:40]!r} is not an ISO date (YYYY-MM-DD); ignored")
        return None


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases: a catalogue never needs them, and they make alias bombs."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not accepted in a reference catalogue")
        return super().compose_node(parent, index)


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    if len(text) > MAX_YAML_CHARS or text.lstrip().startswith("<"):
        return None  # markup, or too big to be one of the YAML shapes read here
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader subclass
    except yaml.YAMLError:
        return None


def _is_litellm(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    values = [v for v in data.values() if isinstance(v, dict)]
    routed = sum(1 for v in values if "litellm_provider" in v)
    return routed > 0 and routed * 2 >= len(values)


def _mdd_records(data: Any) -> list[Any] | None:
    if isinstance(data, dict) and isinstance(data.get("models"), list):
        items = data["models"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        items = [data]
    else:
        return None

    def is_record(item: Any) -> bool:
        return (
            isinstance(item, dict)
            and isinstance(item.get("provider"), str)
            and isinstance(item.get("model"), str)
            and any(key in item for key in _MDD_KEYS)
        )

    good = sum(1 for item in items if is_record(item))
    return items if good and good * 2 >= len(items) else None


def _litellm(data: dict[str, Any], reader: _Reader) -> list[ReferenceEntry]:
    entries = []
    for name, value in data.items():
        if name == "sample_spec" or not isinstance(value, dict):
            continue
        date = reader.date(value.get("deprecation_date"), f"{name}: deprecation_date")
        provider = reader.provider(value.get("litellm_provider"))
        if date is None or provider is None:
            continue
        entries.append(
            ReferenceEntry(
                provider=provider, model=str(name), shutdown_date=date, shutdown_kind="firm"
            )
        )
    return entries


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if isinstance(v, (str, int, float)) and str(v).strip())


def _replacements(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    items = [v for v in value if isinstance(v, dict) and isinstance(v.get("model"), str)]
    items.sort(key=lambda v: not v.get("recommended"))  # the provider's named successor first
    return tuple(v["model"] for v in items)


def _status(record: dict[str, Any]) -> str | None:
    """The API's `computed_status` (worked out from the dates on the day it was served) over
    the record file's stored `status`, which is only as fresh as the last edit."""
    for key in ("computed_status", "status"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _modeldeprecations(records: list[Any], reader: _Reader) -> list[ReferenceEntry]:
    entries = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("model"), str):
            continue
        where = f"{record.get('provider')}/{record['model']}"
        provider = reader.provider(record.get("provider"))
        dates = {key: reader.date(record.get(key), f"{where}: {key}") for key in _MDD_DATES}
        if provider is None or not any(dates.values()):
            continue
        firm, earliest = dates["shutdown_on"], dates["earliest_shutdown_on"]
        entries.append(
            ReferenceEntry(
                provider=provider,
                model=record["model"],
                aliases=_strings(record.get("aliases")),
                shutdown_date=firm or earliest,
                shutdown_kind="firm" if firm else "earliest" if earliest else "none",
                deprecated_date=dates["deprecated_on"],
                replacements=_replacements(record.get("replacements")),
                status=_status(record),
            )
        )
    return entries


def parse_catalogue(
    body: bytes | str,
    *,
    provider_map: Mapping[str, str] | None = None,
    only_provider: str | None = None,
) -> Catalogue:
    """Read a reference catalogue; `only_provider` keeps that provider's entries only."""
    text = body.decode("utf-8-sig", errors="replace") if isinstance(body, bytes) else body
    reader = _Reader(provider_map or {})
    data = _load(text)
    shape: str | None = None
    entries: list[ReferenceEntry] = []
    if _is_litellm(data):
        shape = LITELLM
        entries = _litellm(data, reader)
    elif (records := _mdd_records(data)) is not None:
        shape = MODELDEPRECATIONS
        entries = _modeldeprecations(records, reader)
    else:
        reader.warn(
            "not a reference catalogue this version reads (LiteLLM's model list or "
            "modeldeprecations.dev records)"
        )
    if only_provider and only_provider != "*":
        entries = [e for e in entries if e.provider == only_provider]
    entries.sort(key=lambda e: (e.provider, e.model))
    warnings = reader.warnings[:MAX_WARNINGS]
    if len(reader.warnings) > MAX_WARNINGS:
        warnings.append(f"... and {len(reader.warnings) - MAX_WARNINGS} more warnings")
    return Catalogue(shape=shape, entries=tuple(entries), warnings=tuple(warnings))
