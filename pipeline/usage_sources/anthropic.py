"""Anthropic usage: the Admin API messages usage report, or the Usage and Cost Analytics API.

`report: messages` (default): `GET {base_url}/v1/organizations/usage_report/messages` with
`x-api-key: <admin key>` and `anthropic-version: 2023-06-01`; `starting_at`/`ending_at`
(RFC 3339), `bucket_width=1d`, `group_by[]=model&group_by[]=workspace_id`, `limit=31`; while
`has_more`, `page=<next_page>`. Fields relied on: `data[].starting_at`,
`data[].results[].model`, `.workspace_id` (null for the default workspace),
`.uncached_input_tokens`, `.cache_read_input_tokens`, `.cache_creation.{ephemeral_5m_input_
tokens, ephemeral_1h_input_tokens}` and `.output_tokens`. This report counts tokens, not
requests: rows carry tokens and a request count of None. The unit is the workspace id
("default" for the default workspace).

`report: analytics`: `GET {base_url}/v1/organizations/analytics/usage_report` (Claude
Enterprise; a key with the `read:analytics` scope, which is not an Admin key), same
parameters with `group_by[]=model&group_by[]=product`; the same token fields plus
`.requests`. It has no workspace breakdown: the unit is the product ("chat", "claude_code",
..., "other" when unattributed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pipeline.usage_sources.config import UsageSourceConfig
from pipeline.usage_sources.http import ApiClient
from pipeline.usage_sources.normalize import normalize
from pipeline.usage_sources.rows import UsageRow, malformed, optional_int

PATH = "v1/organizations/usage_report/messages"
ANALYTICS_PATH = "v1/organizations/analytics/usage_report"
API_VERSION = "2023-06-01"
DEFAULT_WORKSPACE = "default"
_NO_UNIT = {False: DEFAULT_WORKSPACE, True: "other"}
MAX_PAGES = 1000
_TOKEN_FIELDS = ("uncached_input_tokens", "cache_read_input_tokens", "output_tokens")


def headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION}


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pull(
    client: ApiClient, source: UsageSourceConfig, *, start: dt.datetime, end: dt.datetime
) -> Iterator[UsageRow]:
    """Rows page by page (a row per bucket, unit and model; the caller merges)."""
    analytics = source.report == "analytics"
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {
            "starting_at": _rfc3339(start),
            "ending_at": _rfc3339(end),
            "bucket_width": "1d",
            "group_by[]": ["model", "product" if analytics else "workspace_id"],
            "limit": 31,
        }
        if cursor:
            params["page"] = cursor
        page = client.get_json(ANALYTICS_PATH if analytics else PATH, params)
        yield from _rows(page, source, analytics)
        if not page.get("has_more"):
            return
        cursor = page.get("next_page")
        if not isinstance(cursor, str) or not cursor:
            raise malformed("usage_report: has_more without a next_page cursor")
    raise malformed(f"usage_report: more than {MAX_PAGES} pages")


def _day(value: Any) -> str:
    if not isinstance(value, str):
        raise malformed("usage_report: a bucket without starting_at")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(f"usage_report: starting_at {value!r} is not a time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).date().isoformat()


def _tokens(result: dict[str, Any]) -> int:
    total = 0
    for field in _TOKEN_FIELDS:
        total += optional_int(result.get(field), f"usage_report: {field}") or 0
    creation = result.get("cache_creation")
    if isinstance(creation, dict):
        for field, value in creation.items():
            total += optional_int(value, f"usage_report: cache_creation.{field}") or 0
    elif creation is not None:
        raise malformed("usage_report: cache_creation is not an object")
    return total


def _rows(page: dict[str, Any], source: UsageSourceConfig, analytics: bool) -> Iterator[UsageRow]:
    buckets = page.get("data")
    if not isinstance(buckets, list):
        raise malformed("usage_report: 'data' is not a list")
    for bucket in buckets:
        if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
            raise malformed("usage_report: a bucket without a 'results' list")
        day = _day(bucket.get("starting_at"))
        for result in bucket["results"]:
            if not isinstance(result, dict):
                raise malformed("usage_report: a result that is not an object")
            tokens = _tokens(result)
            model = result.get("model")
            if not isinstance(model, str) or not model.strip():
                if tokens == 0:
                    continue
                raise malformed("usage_report: a result without a model (group_by ignored?)")
            unit = result.get("product" if analytics else "workspace_id")
            requests = (
                optional_int(result.get("requests"), "usage_report: requests")
                if analytics
                else None
            )
            provider, canonical = normalize(model, source, provider_hint="anthropic")
            yield UsageRow(
                unit=unit if isinstance(unit, str) and unit else _NO_UNIT[analytics],
                provider=provider,
                model=canonical,
                raw_model=model,
                day=day,
                requests=requests,
                tokens=tokens,
                last_seen=day if tokens or requests else None,
            )
