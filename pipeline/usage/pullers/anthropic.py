"""Anthropic usage: the Admin API's usage reports, or the Enterprise Analytics API.

Every request sends `x-api-key: <key>` and `anthropic-version: 2023-06-01`; pages follow
`has_more` / `next_page` (passed back as `page`). Spec followed: Anthropic's Admin API
reference ("Get Messages Usage Report", "Get Claude Code Usage Report") and the Claude
Enterprise Analytics API reference ("Get Token Usage Over Time"), API version 2023-06-01.

`report: messages` (default): `GET /v1/organizations/usage_report/messages` (Admin key) with
`starting_at` (RFC 3339), `bucket_width=1d`, `group_by[]=model&group_by[]=workspace_id`,
`limit=31`. No `ending_at`: the report returns only buckets that end before it, so one set
to "now" would leave out today; without it the buckets run to today. Fields relied on:
`data[].starting_at`, `data[].results[].model`, `.workspace_id` (null for the default
workspace), `.uncached_input_tokens`, `.cache_read_input_tokens`, `.cache_creation.*` and
`.output_tokens`. Tokens only: rows carry a request count of None; the unit is the
workspace id ("default" for the default workspace).

`report: claude_code`: `GET /v1/organizations/usage_report/claude_code` (Admin key), one UTC
day per request (`starting_at=YYYY-MM-DD`), `limit=1000`. Fields relied on: `data[].date`,
`.actor` (`email_address` of a `user_actor`, `api_key_name` of an `api_actor`: the unit),
`.model_breakdown[].model` and `.tokens.{input, output, cache_read, cache_creation}`.
Claude Code used through a subscription appears here and nowhere else.

`report: analytics`: `GET /v1/organizations/analytics/usage_report?beta=true` (Claude
Enterprise; a key with the `read:analytics` scope, not an Admin key), `group_by[]=model&
group_by[]=product`, `bucket_width=1d`, `limit=31`; the same token fields plus `.requests`.
The API is a beta: the official SDKs call it with `beta=true`. It accepts no `starting_at`
earlier than 2026-01-01T00:00:00Z or more than 365 days back, so the window is cut to that
(a window wholly before it asks nothing). The unit is the product ("chat", "claude_code",
..., "other" when unattributed).

A result with tokens but no model (the schema allows null) is counted as unattributed
usage (`UNATTRIBUTED`), never dropped and never a failed pull.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pipeline.core.usage_config import UsageSourceConfig
from pipeline.fetch.api_client import ApiClient
from pipeline.fetch.errors import malformed
from pipeline.usage.pullers.normalize import normalize
from pipeline.usage.pullers.rows import UNATTRIBUTED, UsageRow, optional_int

PATH = "v1/organizations/usage_report/messages"
CLAUDE_CODE_PATH = "v1/organizations/usage_report/claude_code"
ANALYTICS_PATH = "v1/organizations/analytics/usage_report"
API_VERSION = "2023-06-01"
ANALYTICS_EARLIEST = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ANALYTICS_LOOKBACK = dt.timedelta(days=365)
DEFAULT_WORKSPACE = "default"
_NO_UNIT = {False: DEFAULT_WORKSPACE, True: "other"}
MAX_PAGES = 1000
_TOKEN_FIELDS = ("uncached_input_tokens", "cache_read_input_tokens", "output_tokens")
_CLAUDE_CODE_TOKENS = ("input", "output", "cache_read", "cache_creation")


def headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION}


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pull(
    client: ApiClient, source: UsageSourceConfig, *, start: dt.datetime, end: dt.datetime
) -> Iterator[UsageRow]:
    """Rows page by page (a row per bucket, unit and model; the caller merges)."""
    if source.report == "claude_code":
        yield from _claude_code(client, source, start, end)
        return
    analytics = source.report == "analytics"
    params: dict[str, Any] = {
        "bucket_width": "1d",
        "group_by[]": ["model", "product" if analytics else "workspace_id"],
        "limit": 31,
    }
    if analytics:
        start = max(start, ANALYTICS_EARLIEST, end - ANALYTICS_LOOKBACK)
        start = start.replace(microsecond=0) + dt.timedelta(seconds=bool(start.microsecond))
        if start >= end:
            return
        params["beta"] = "true"
    params["starting_at"] = _rfc3339(start)
    for page in _pages(client, ANALYTICS_PATH if analytics else PATH, params):
        yield from _rows(page, source, analytics, start, end)


def _pages(client: ApiClient, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = client.get_json(path, {**params, "page": cursor} if cursor else params)
        yield page
        if not page.get("has_more"):
            return
        cursor = page.get("next_page")
        if not isinstance(cursor, str) or not cursor:
            raise malformed(f"{path.rsplit('/', 1)[-1]}: has_more without a next_page cursor")
    raise malformed(f"{path.rsplit('/', 1)[-1]}: more than {MAX_PAGES} pages")


def _moment(value: Any, what: str) -> dt.datetime:
    if not isinstance(value, str):
        raise malformed(f"{what}: missing")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(f"{what}: {value!r} is not a time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


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


def _model(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _rows(
    page: dict[str, Any],
    source: UsageSourceConfig,
    analytics: bool,
    start: dt.datetime,
    end: dt.datetime,
) -> Iterator[UsageRow]:
    buckets = page.get("data")
    if not isinstance(buckets, list):
        raise malformed("usage_report: 'data' is not a list")
    for bucket in buckets:
        if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
            raise malformed("usage_report: a bucket without a 'results' list")
        moment = _moment(bucket.get("starting_at"), "usage_report: a bucket's starting_at")
        if not start.replace(hour=0, minute=0, second=0) <= moment < end:
            continue  # a bucket of a day after the window (the report runs to today)
        day = moment.date().isoformat()
        for result in bucket["results"]:
            if not isinstance(result, dict):
                raise malformed("usage_report: a result that is not an object")
            tokens = _tokens(result)
            requests = (
                optional_int(result.get("requests"), "usage_report: requests")
                if analytics
                else None
            )
            model = _model(result.get("model"))
            if model is None and not (tokens or requests):
                continue
            unit = result.get("product" if analytics else "workspace_id")
            yield _row(
                source,
                model,
                unit=unit if isinstance(unit, str) and unit else _NO_UNIT[analytics],
                day=day,
                requests=requests,
                tokens=tokens,
            )


def _row(
    source: UsageSourceConfig,
    model: str | None,
    *,
    unit: str,
    day: str,
    requests: int | None,
    tokens: int,
) -> UsageRow:
    if model is None:
        provider, canonical, raw = source.provider or "anthropic", UNATTRIBUTED, ""
    else:
        provider, canonical = normalize(model, source, provider_hint="anthropic")
        raw = model
    return UsageRow(
        unit=unit,
        provider=provider,
        model=canonical,
        raw_model=raw,
        day=day,
        requests=requests,
        tokens=tokens,
        last_seen=day if tokens or requests else None,
    )


def _claude_code(
    client: ApiClient, source: UsageSourceConfig, start: dt.datetime, end: dt.datetime
) -> Iterator[UsageRow]:
    day = start.astimezone(dt.UTC).date()
    last = end.astimezone(dt.UTC).date()
    while day <= last:
        params = {"starting_at": day.isoformat(), "limit": 1000}
        for page in _pages(client, CLAUDE_CODE_PATH, params):
            yield from _claude_code_rows(page, source)
        day += dt.timedelta(days=1)


def _actor(record: dict[str, Any]) -> str | None:
    actor = record.get("actor")
    if not isinstance(actor, dict):
        raise malformed("claude_code: a record without an actor")
    for field in ("email_address", "api_key_name"):
        value = actor.get(field)
        if isinstance(value, str) and value:
            return value
    return None


def _claude_code_rows(page: dict[str, Any], source: UsageSourceConfig) -> Iterator[UsageRow]:
    records = page.get("data")
    if not isinstance(records, list):
        raise malformed("claude_code: 'data' is not a list")
    for record in records:
        if not isinstance(record, dict):
            raise malformed("claude_code: a record that is not an object")
        day = _moment(record.get("date"), "claude_code: a record's date").date().isoformat()
        unit = _actor(record)
        breakdown = record.get("model_breakdown") or []
        if not isinstance(breakdown, list):
            raise malformed("claude_code: model_breakdown is not a list")
        for item in breakdown:
            if not isinstance(item, dict) or not isinstance(item.get("tokens", {}), dict):
                raise malformed("claude_code: a model_breakdown entry without tokens")
            counts = item.get("tokens") or {}
            tokens = sum(
                optional_int(counts.get(f), f"claude_code: tokens.{f}") or 0
                for f in _CLAUDE_CODE_TOKENS
            )
            model = _model(item.get("model"))
            if model is None and not tokens:
                continue
            yield _row(
                source, model, unit=unit or "(no actor)", day=day, requests=None, tokens=tokens
            )
