"""What one fact about one exposure says: the `AlertItem` (the record as the team matched it,
days left, pulled volume), a changed field in words, and the order items are told in (the
soonest shutdown first, then the most calls). Shared by deciding and the digest."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pipeline.core.models import AlertItem
from pipeline.core.scope import API, product_name, product_of
from storage import records as record_store
from storage import volume


def exposure_item(
    kind: str,
    record: dict[str, Any],
    usage_model: str,
    usage_provider: str,
    **extra: Any,
) -> AlertItem:
    """An alert item about `record` (a records row; list fields decoded or JSON text) as
    matched by a team's usage."""
    replacements = record["replacements"]
    if isinstance(replacements, str):
        replacements = json.loads(replacements or "[]")
    product = product_of(usage_model)
    if product is not None:
        matched_as = f"{product_name(product)} (a product you use)"
    else:
        matched_as = usage_model + ("" if usage_provider == "*" else f" ({usage_provider})")
    return AlertItem(
        kind=kind,
        provider=record["provider"],
        model=record["model"],
        shutdown_date=record["shutdown_date"],
        shutdown_kind=record["shutdown_kind"],
        replacements=tuple(replacements),
        status=record["status"],
        evidence=record["evidence"] or "",
        url=record["url"],
        matched_as=matched_as,
        scope=record.get("scope") or API,
        **extra,
    )


def volume_fields(exposure: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """An exposure row's pulled volume as `AlertItem` fields (empty without pulled usage)."""
    if not exposure.get("has_calls"):
        return {}
    return {
        "requests_7d": exposure.get("requests_7d"),
        "tokens_7d": exposure.get("tokens_7d"),
        "last_call": exposure.get("last_call"),
        "quiet": volume.quiet(exposure, today),
    }


def urgency(item: AlertItem) -> tuple[int, int]:
    """Sort key: fewest days left first (no date last), then the most calls."""
    days = item.days_left if item.days_left is not None else 10**6
    return days, -(item.requests_7d or item.tokens_7d or 0)


def describe_change(field: str, old: Any, new: Any) -> str:
    label = field.replace("_", " ")
    if field in record_store.JSON_FIELDS:
        old = ", ".join(json.loads(old or "[]")) or "none"
        new = ", ".join(json.loads(new or "[]")) or "none"
    return f"{label} {old or 'none'} -> {new or 'none'}"
