"""LiteLLM proxy spend logs: one row per request, counted per unit, model and day.

Follows the proxy's source (`litellm/proxy/spend_tracking/spend_management_endpoints.py`,
`ui_view_spend_logs`, v1.93.0 and later) and its spend-tracking docs: `GET {base_url}/spend/
logs/v2` with `Authorization: Bearer <master key>`, `start_date` and `end_date` (both
required, `YYYY-MM-DD HH:MM:SS`, UTC), `page` (from 1) and `page_size` (at most 100 on the
older `/spend/logs/ui`, which a proxy without `/spend/logs/v2` (404) is read from). The
answer is `{data, total, page, page_size, total_pages, total_is_capped}`, newest first.

The proxy counts at most `SPEND_LOGS_PAGINATION_COUNT_CAP` (10,000) matching logs: past it
`total` reads 10,000, `total_pages` is worked out from that, and `total_is_capped` is true
(older proxies send no flag; a `total` at the cap is read the same way). Paging to
`total_pages` would drop the oldest logs, so a capped window is split in two, and again,
until no window is capped; only a window of one second that is still capped is paged past
`total_pages` until an empty page. Fields relied on per log: `model`,
`custom_llm_provider` (when present), `startTime`, `total_tokens`, and for the unit (`unit:`
in the source) `team`: `metadata.user_api_key_team_alias`, else `team_id`; `key_alias`:
`metadata.user_api_key_alias`; `end_user`: `end_user`; `user`: `user`. Hashed `api_key`
values are never read or stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pipeline.core.usage_config import UsageSourceConfig
from pipeline.fetch.api_client import ApiClient
from pipeline.fetch.errors import PullError, malformed
from pipeline.usage.pullers.normalize import normalize, provider_id
from pipeline.usage.pullers.rows import UsageRow, aggregate, iso_time, optional_int

PATH = "spend/logs/v2"
OLD_PATH = "spend/logs/ui"
PAGE_SIZE = 100
COUNT_CAP = 10_000  # SPEND_LOGS_PAGINATION_COUNT_CAP in the proxy's source
MAX_PAGES = 100_000  # over every window of one pull
MIN_SPLIT = dt.timedelta(seconds=1)  # the proxy's dates have one-second resolution


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


class _Reader:
    """One pull: the path that answers (v2, else ui), the rows so far, pages read."""

    def __init__(self, client: ApiClient, source: UsageSourceConfig) -> None:
        self.client = client
        self.source = source
        self.path = PATH
        self.pages = 0
        self.rows: list[UsageRow] = []

    def page(
        self, start: dt.datetime, end: dt.datetime, number: int
    ) -> tuple[dict[str, Any], list[UsageRow]]:
        self.pages += 1
        if self.pages > MAX_PAGES:
            raise malformed(f"spend/logs: more than {MAX_PAGES} pages")
        params = {
            "start_date": _stamp(start),
            "end_date": _stamp(end),
            "page": number,
            "page_size": PAGE_SIZE,
        }
        try:
            page = self.client.get_json(self.path, params)
        except PullError as exc:
            if exc.status != 404 or self.path == OLD_PATH or self.pages != 1:
                raise
            self.path = OLD_PATH  # proxies before /spend/logs/v2 serve the same pages here
            page = self.client.get_json(self.path, params)
        logs = page.get("data")
        if not isinstance(logs, list):
            raise malformed("spend/logs: 'data' is not a list")
        return page, list(_rows(logs, self.source, start, end))

    def keep(self, rows: list[UsageRow]) -> None:
        self.rows.extend(rows)
        if len(self.rows) > 10_000:
            # Aggregating as pages arrive keeps memory at one page of logs plus the buckets.
            self.rows = aggregate(self.rows)

    def window(self, start: dt.datetime, end: dt.datetime) -> None:
        """Every log of [start, end): split while the proxy's count is capped."""
        page, rows = self.page(start, end, 1)
        total_pages = _count(page, "total_pages")
        capped = _capped(page)
        if capped and end - start > MIN_SPLIT:
            middle = (start + (end - start) / 2).replace(microsecond=0)
            if middle <= start:
                middle = start + MIN_SPLIT
            self.window(start, middle)  # this page's logs are read again in the halves
            self.window(middle, end)
            return
        self.keep(rows)
        number = 1
        while page.get("data") and (capped or number < total_pages):
            number += 1
            page, rows = self.page(start, end, number)
            self.keep(rows)


def pull(
    client: ApiClient, source: UsageSourceConfig, *, start: dt.datetime, end: dt.datetime
) -> list[UsageRow]:
    reader = _Reader(client, source)
    reader.window(start, end)
    return aggregate(reader.rows)


def _count(page: dict[str, Any], field: str) -> int:
    value = page.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise malformed(f"spend/logs: '{field}' is not a number")
    return value


def _capped(page: dict[str, Any]) -> bool:
    """The proxy's count stopped at the cap: its flag, or (older proxies) a total at the cap."""
    flag = page.get("total_is_capped")
    if flag is not None and not isinstance(flag, bool):
        raise malformed("spend/logs: 'total_is_capped' is not true or false")
    total = page.get("total")
    at_cap = isinstance(total, int) and not isinstance(total, bool) and total >= COUNT_CAP
    return bool(flag) or (flag is None and at_cap)


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
