"""LiteLLM proxy spend logs: one row per request, counted per unit, model and day.

`GET {base_url}/spend/logs/v2` with `Authorization: Bearer <master key>`, `start_date` and
`end_date` (`YYYY-MM-DD HH:MM:SS`, UTC), `page` (from 1) and `page_size`; the answer is
`{data, total, page, page_size, total_pages}` and pages are read until `total_pages`. A proxy
without `/spend/logs/v2` (404) is read from `/spend/logs/ui`, which pages the same way.
Fields relied on per log: `model`, `custom_llm_provider` (when present), `startTime`,
`total_tokens`, and for the unit (`unit:` in the source) `team`: `metadata.
user_api_key_team_alias`, else `team_id`; `key_alias`: `metadata.user_api_key_alias`;
`end_user`: `end_user`; `user`: `user`. Hashed `api_key` values are never read or stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pipeline.usage_sources.config import UsageSourceConfig
from pipeline.usage_sources.http import ApiClient
from pipeline.usage_sources.normalize import normalize, provider_id
from pipeline.usage_sources.rows import (
    PullError,
    UsageRow,
    aggregate,
    iso_time,
    malformed,
    optional_int,
)

PATH = "spend/logs/v2"
OLD_PATH = "spend/logs/ui"
PAGE_SIZE = 100
MAX_PAGES = 100_000


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def pull(
    client: ApiClient, source: UsageSourceConfig, *, start: dt.datetime, end: dt.datetime
) -> list[UsageRow]:
    rows: list[UsageRow] = []
    page_number = 1
    path = PATH
    while page_number <= MAX_PAGES:
        params = {
            "start_date": _stamp(start),
            "end_date": _stamp(end),
            "page": page_number,
            "page_size": PAGE_SIZE,
        }
        try:
            page = client.get_json(path, params)
        except PullError as exc:
            if exc.status != 404 or path == OLD_PATH or page_number != 1:
                raise
            path = OLD_PATH  # proxies before /spend/logs/v2 serve the same pages here
            page = client.get_json(path, params)
        logs = page.get("data")
        if not isinstance(logs, list):
            raise malformed("spend/logs: 'data' is not a list")
        rows.extend(_rows(logs, source, start, end))
        total_pages = page.get("total_pages")
        if not isinstance(total_pages, int) or isinstance(total_pages, bool):
            raise malformed("spend/logs: 'total_pages' is not a number")
        if page_number >= total_pages or not logs:
            # Aggregating per page keeps memory at one page of logs plus the buckets.
            return aggregate(rows)
        page_number += 1
        if len(rows) > 10_000:
            rows = aggregate(rows)
    raise malformed(f"spend/logs: more than {MAX_PAGES} pages")


def _unit(log: dict[str, Any], field: str) -> str | None:
    metadata = log.get("metadata") if isinstance(log.get("metadata"), dict) else {}
    if field == "team":
        value = metadata.get("user_api_key_team_alias") or log.get("team_id")
    elif field == "key_alias":
        value = metadata.get("user_api_key_alias")
    else:
        value = log.get(field)
    return value if isinstance(value, str) and value else None


def _time(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise malformed("spend/logs: a log without startTime")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(f"spend/logs: startTime {value!r} is not a time") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _rows(
    logs: list[Any], source: UsageSourceConfig, start: dt.datetime, end: dt.datetime
) -> Iterator[UsageRow]:
    field = source.unit or "team"
    for log in logs:
        if not isinstance(log, dict):
            raise malformed("spend/logs: a log that is not an object")
        model = log.get("model")
        if not isinstance(model, str) or not model.strip():
            continue  # a request refused before a model was chosen
        moment = _time(log.get("startTime"))
        if not start <= moment < end:
            continue
        provider, canonical = normalize(
            model, source, provider_hint=provider_id(log.get("custom_llm_provider"))
        )
        when = iso_time(moment)
        yield UsageRow(
            unit=_unit(log, field),
            provider=provider,
            model=canonical,
            raw_model=model,
            day=moment.date().isoformat(),
            requests=1,
            tokens=optional_int(log.get("total_tokens"), "spend/logs: total_tokens"),
            first_seen=when,
            last_seen=when,
        )
