"""OpenAI organization Usage API: daily buckets grouped by model and project.

Spec followed: OpenAI's OpenAPI document (openai-openapi, `Usage` tag, the
`UsageResponse` / `UsageTimeBucket` / `UsageCompletionsResult` schemas and their examples).
`GET {base_url}/organization/usage/{completions,embeddings,images,audio_speeches,
audio_transcriptions}` with `Authorization: Bearer <admin key>`, `start_time` (Unix seconds)
and no `end_time` (the API returns only buckets that end before it, so one set to "now"
would leave out today; without it the buckets run to today), `bucket_width=1d`,
`group_by=model` and `group_by=project_id` (an array parameter, repeated), `limit=31`;
while `has_more`, the next request passes `page=<next_page>`.
Fields relied on: `data[].start_time`, `data[].results[].num_model_requests`, `.model`,
`.project_id`, and `.input_tokens`/`.output_tokens` where given (embeddings give only input
tokens, images and audio none). The unit is the project id. A result whose `model` is null
(the schema allows it, and its own examples show it) is counted as unattributed usage
(`UNATTRIBUTED`): the rest of the pull is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pipeline.core.usage_config import OPENAI_ENDPOINTS, UsageSourceConfig
from pipeline.fetch.api_client import ApiClient
from pipeline.fetch.errors import malformed
from pipeline.usage.pullers.normalize import normalize
from pipeline.usage.pullers.rows import UNATTRIBUTED, UsageRow, as_int, optional_int

MAX_PAGES = 1000  # a cursor that never ends is a broken API, not more data


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def pull(
    client: ApiClient, source: UsageSourceConfig, *, start: dt.datetime, end: dt.datetime
) -> Iterator[UsageRow]:
    """Rows page by page (a row per bucket, project and model; the caller merges)."""
    for endpoint in source.endpoints or OPENAI_ENDPOINTS:
        for page in _pages(client, f"organization/usage/{endpoint}", start):
            yield from _rows(page, source, endpoint, end)


def _pages(client: ApiClient, path: str, start: dt.datetime) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {
            "start_time": int(start.timestamp()),
            "bucket_width": "1d",
            "group_by": ["model", "project_id"],
            "limit": 31,
        }
        if cursor:
            params["page"] = cursor
        page = client.get_json(path, params)
        yield page
        if not page.get("has_more"):
            return
        cursor = page.get("next_page")
        if not isinstance(cursor, str) or not cursor:
            raise malformed(f"{path}: has_more without a next_page cursor")
    raise malformed(f"{path}: more than {MAX_PAGES} pages")


def _rows(
    page: dict[str, Any], source: UsageSourceConfig, endpoint: str, end: dt.datetime
) -> Iterator[UsageRow]:
    buckets = page.get("data")
    if not isinstance(buckets, list):
        raise malformed(f"{endpoint}: 'data' is not a list")
    for bucket in buckets:
        if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
            raise malformed(f"{endpoint}: a bucket without a 'results' list")
        start = as_int(bucket.get("start_time"), f"{endpoint}: bucket start_time")
        moment = dt.datetime.fromtimestamp(start, dt.UTC)
        if moment >= end:
            continue  # a bucket after the window (the API runs to today)
        day = moment.date().isoformat()
        for result in bucket["results"]:
            if not isinstance(result, dict):
                raise malformed(f"{endpoint}: a result that is not an object")
            requests = as_int(result.get("num_model_requests"), f"{endpoint}: num_model_requests")
            model = result.get("model")
            if not isinstance(model, str) or not model.strip():
                model = None
                if requests == 0:
                    continue
            tokens_in = optional_int(result.get("input_tokens"), f"{endpoint}: input_tokens")
            tokens_out = optional_int(result.get("output_tokens"), f"{endpoint}: output_tokens")
            tokens = (
                None
                if tokens_in is None and tokens_out is None
                else (tokens_in or 0) + (tokens_out or 0)
            )
            if model is None:
                provider, canonical = source.provider or "openai", UNATTRIBUTED
            else:
                provider, canonical = normalize(model, source, provider_hint="openai")
            project = result.get("project_id")
            yield UsageRow(
                unit=project if isinstance(project, str) and project else None,
                provider=provider,
                model=canonical,
                raw_model=model or "",
                day=day,
                requests=requests,
                tokens=tokens,
                last_seen=day if requests else None,
            )
