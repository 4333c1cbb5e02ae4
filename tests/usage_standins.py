"""Local stand-ins for the usage APIs (served by pytest-httpserver), written from each
service's published specification, not from the pullers' code:

- OpenAI: the OpenAPI document (openai-openapi, `Usage` tag: `GET /organization/usage/*`,
  `UsageResponse`, `UsageTimeBucket`, the per-endpoint result schemas);
- Anthropic: the Admin API reference (API version 2023-06-01: "Get Messages Usage Report",
  "Get Claude Code Usage Report") and the Claude Enterprise Analytics API reference ("Get
  Token Usage Over Time", a beta the official SDKs call with `?beta=true`);
- LiteLLM: the proxy's `spend_management_endpoints.py` (`ui_view_spend_logs`, v1.93.0+:
  the count capped at `SPEND_LOGS_PAGINATION_COUNT_CAP`, `total_is_capped`) and its
  spend-tracking docs for `/spend/logs/v2`.

Each refuses what its service refuses: a wrong or missing key (401), a missing version
header, a missing or malformed required parameter, an unknown `group_by`, a `limit` past
the documented maximum, a date outside the documented bounds (400, with the service's error
body). Each answers as its service does: buckets only up to `now` and only those that end
before an `ending_at`/`end_time`; LiteLLM newest first with a capped count. They can answer
429 with Retry-After or a malformed page first. Data are (day, unit, model, requests,
tokens); a model of None is usage the service reports without one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from werkzeug import Request, Response

Row = tuple[str, str | None, str | None, int, int]  # day, unit, model, requests, tokens
STANDIN_NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _json(data: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data), status, headers, content_type="application/json")


class Refused(Exception):
    """A request the real service answers with 400."""


@dataclass
class StandIn:
    """Common behaviour: auth check, scripted failures, a log of requests seen."""

    key: str
    rows: list[Row] = field(default_factory=list)
    fail_first: list[tuple[int, dict]] = field(default_factory=list)  # (status, headers)
    seen: list[Request] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why each 400 was sent
    malformed: bool = False
    forbidden: bool = False  # the key is known but lacks the permission (403)
    now: dt.datetime = STANDIN_NOW
    per_page: int | None = None  # buckets a page (None: as many as `limit` allows)

    def authorized(self, request: Request) -> bool:
        raise NotImplementedError

    def error(self, status: int, message: str) -> Response:
        raise NotImplementedError

    def __call__(self, request: Request) -> Response:
        self.seen.append(request)
        if self.fail_first:
            status, headers = self.fail_first.pop(0)
            response = self.error(status, "slow down")
            response.headers.update(headers)
            return response
        if not self.authorized(request):
            return self.error(401, "invalid x-api-key / bearer token")
        if self.forbidden:
            return self.error(403, "this key does not have permission to read usage")
        if self.malformed:
            return _json({"object": "page", "data": "oops"})
        try:
            return self.answer(request)
        except Refused as exc:
            self.refused.append(str(exc))
            return self.error(400, str(exc))

    def answer(self, request: Request) -> Response:
        raise NotImplementedError


def _int(args: Any, name: str, *, required: bool = False, default: int | None = None) -> int | None:
    value = args.get(name)
    if value is None:
        if required:
            raise Refused(f"{name} is required")
        return default
    try:
        return int(value)
    except ValueError:
        raise Refused(f"{name} must be an integer, not {value!r}") from None


def _rfc3339(args: Any, name: str, *, required: bool = False) -> dt.datetime | None:
    value = args.get(name)
    if value is None:
        if required:
            raise Refused(f"{name} is required")
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(f"{name}: {value!r} is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise Refused(f"{name}: {value!r} has no time zone")
    return moment.astimezone(dt.UTC)


def _group_by(values: list[str], allowed: set[str]) -> list[str]:
    for value in values:
        if value not in allowed:
            raise Refused(f"group_by: {value!r} is not one of {sorted(allowed)}")
    return values


def _midnight(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _day_buckets(start: dt.datetime, end: dt.datetime | None, now: dt.datetime) -> list[str]:
    """Daily buckets from the one `start` falls in: each that has begun by `now`, and (with
    an end) only those that end before it, as both usage APIs document."""
    days = []
    bucket = _midnight(start)
    while bucket <= now and (end is None or bucket + DAY <= end):
        days.append(bucket.date().isoformat())
        bucket += DAY
    return days


def _epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


@dataclass
class OpenAIUsage(StandIn):
    """`GET /v1/organization/usage/<kind>`: daily buckets, `page` cursor."""

    endpoint_rows: dict[str, list[Row]] = field(default_factory=dict)

    GROUPS: ClassVar[dict[str, set[str]]] = {
        "completions": {"project_id", "user_id", "api_key_id", "model", "batch", "service_tier"},
        "embeddings": {"project_id", "user_id", "api_key_id", "model"},
        "images": {"project_id", "user_id", "api_key_id", "model", "size", "source"},
        "audio_speeches": {"project_id", "user_id", "api_key_id", "model"},
        "audio_transcriptions": {"project_id", "user_id", "api_key_id", "model"},
    }

    def authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.key}"

    def error(self, status: int, message: str) -> Response:
        kind = "invalid_request_error" if status != 429 else "rate_limit_exceeded"
        return _json({"error": {"message": message, "type": kind, "param": None}}, status)

    def answer(self, request: Request) -> Response:
        args = request.args
        kind = request.path.rsplit("/", 1)[-1]
        if kind not in self.GROUPS:
            return self.error(404, f"unknown usage endpoint {kind}")
        start = _int(args, "start_time", required=True) or 0
        end = _int(args, "end_time")
        if end is not None and end <= start:
            raise Refused("end_time must be after start_time")
        if args.get("bucket_width", "1d") != "1d":
            raise Refused("this stand-in serves bucket_width=1d only")
        limit = _int(args, "limit", default=7) or 0
        if not 1 <= limit <= 31:
            raise Refused("limit must be between 1 and 31 for bucket_width=1d")
        groups = _group_by(args.getlist("group_by"), self.GROUPS[kind])
        rows = self.endpoint_rows.get(kind, self.rows if kind == "completions" else [])
        start_at = dt.datetime.fromtimestamp(start, dt.UTC)
        end_at = dt.datetime.fromtimestamp(end, dt.UTC) if end is not None else None
        days = _day_buckets(start_at, end_at, self.now)
        index = int(args.get("page") or 0)
        size = min(limit, self.per_page or limit)
        data = [
            {
                "object": "bucket",
                "start_time": _epoch(day),
                "end_time": _epoch(day) + 86400,
                "results": [
                    _openai_result(kind, row, groups) for row in _grouped(rows, day, groups)
                ],
            }
            for day in days[index : index + size]
        ]
        more = index + size < len(days)
        return _json(
            {
                "object": "page",
                "data": data,
                "has_more": more,
                "next_page": str(index + size) if more else None,
            }
        )


def _grouped(rows: list[Row], day: str, groups: list[str]) -> list[Row]:
    """The day's rows summed over the dimensions not grouped by (None where not grouped)."""
    merged: dict[tuple, list[int]] = {}
    for d, unit, model, requests, tokens in rows:
        if d != day:
            continue
        key = (
            unit if "project_id" in groups or "workspace_id" in groups else None,
            model if "model" in groups else None,
        )
        slot = merged.setdefault(key, [0, 0])
        slot[0] += requests
        slot[1] += tokens
    return [(day, unit, model, r, t) for (unit, model), (r, t) in merged.items()]


def _openai_result(kind: str, row: Row, groups: list[str]) -> dict[str, Any]:
    _, unit, model, requests, tokens = row
    result: dict[str, Any] = {
        "object": f"organization.usage.{kind}.result",
        "num_model_requests": requests,
        "project_id": unit,
        "user_id": None,
        "api_key_id": None,
        "model": model,
    }
    if kind == "completions":
        result.update(
            input_tokens=tokens // 2,
            output_tokens=tokens - tokens // 2,
            input_cached_tokens=0,
            input_audio_tokens=0,
            output_audio_tokens=0,
            batch=None,
        )
    elif kind == "embeddings":
        result["input_tokens"] = tokens
    return result


@dataclass
class AnthropicUsage(StandIn):
    """`GET /v1/organizations/usage_report/messages` (tokens by workspace); with
    `analytics`, `GET /v1/organizations/analytics/usage_report` (by product, with requests);
    `GET /v1/organizations/usage_report/claude_code` (one day per request, by actor: a unit
    with "@" is a user's e-mail, any other an API key's name)."""

    analytics: bool = False

    MESSAGES_GROUPS: ClassVar[set[str]] = {
        "api_key_id",
        "workspace_id",
        "model",
        "service_tier",
        "context_window",
    }
    ANALYTICS_GROUPS: ClassVar[set[str]] = {
        "product",
        "model",
        "context_window",
        "inference_geo",
        "speed",
    }
    ANALYTICS_EARLIEST: ClassVar[dt.datetime] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def authorized(self, request: Request) -> bool:
        return request.headers.get("x-api-key") == self.key

    def error(self, status: int, message: str) -> Response:
        kind = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
        }.get(status, "api_error")
        return _json({"type": "error", "error": {"type": kind, "message": message}}, status)

    def answer(self, request: Request) -> Response:
        if request.headers.get("anthropic-version") != "2023-06-01":
            raise Refused("anthropic-version: header is required (2023-06-01)")
        if request.path.endswith("/usage_report/claude_code"):
            return self.claude_code(request)
        if self.analytics != request.path.endswith("/analytics/usage_report"):
            return self.error(404, f"{request.path} is not served by this stand-in")
        args = request.args
        start = _rfc3339(args, "starting_at", required=True)
        end = _rfc3339(args, "ending_at")
        assert start is not None
        if args.get("bucket_width", "1d") != "1d":
            raise Refused("this stand-in serves bucket_width=1d only")
        limit = _int(args, "limit", default=7) or 0
        if not 1 <= limit <= 31:
            raise Refused("limit must be between 1 and 31 for bucket_width=1d")
        if self.analytics:
            if args.get("beta") != "true" and not request.headers.get("anthropic-beta"):
                raise Refused("the Analytics API is a beta: call it with beta=true")
            if start < self.ANALYTICS_EARLIEST:
                raise Refused("starting_at must be no earlier than 2026-01-01T00:00:00Z")
            if start < self.now - dt.timedelta(days=365):
                raise Refused("starting_at must be within the last 365 days")
            if end is not None and end - start > 31 * DAY:
                raise Refused("the range may span at most 31 days")
            if end is None:
                end = min(self.now, start + 31 * DAY) + DAY  # today's bucket is served
        unit_field = "product" if self.analytics else "workspace_id"
        groups = _group_by(
            args.getlist("group_by[]"),
            self.ANALYTICS_GROUPS if self.analytics else self.MESSAGES_GROUPS,
        )
        groups = ["workspace_id" if g == "product" else g for g in groups]
        days = _day_buckets(start, end, self.now)
        index = int((args.get("page") or "page_0").removeprefix("page_"))
        size = min(limit, self.per_page or limit)
        data = [
            {
                "starting_at": f"{day}T00:00:00Z",
                "ending_at": f"{dt.date.fromisoformat(day) + DAY}T00:00:00Z",
                "results": [
                    self.result(row, unit_field) for row in _grouped(self.rows, day, groups)
                ],
            }
            for day in days[index : index + size]
        ]
        more = index + size < len(days)
        return _json(
            {"data": data, "has_more": more, "next_page": f"page_{index + size}" if more else None}
        )

    def result(self, row: Row, unit_field: str) -> dict[str, Any]:
        _, unit, model, requests, tokens = row
        return {
            "uncached_input_tokens": tokens // 2,
            "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            "cache_read_input_tokens": 0,
            "output_tokens": tokens - tokens // 2,
            "server_tool_use": {"web_search_requests": 0},
            unit_field: unit,
            "model": model,
            "context_window": None,
            **(
                {"requests": requests, "inference_geo": None, "speed": None}
                if self.analytics
                else {"api_key_id": None, "service_tier": None}
            ),
        }

    def claude_code(self, request: Request) -> Response:
        args = request.args
        value = args.get("starting_at")
        if value is None:
            raise Refused("starting_at is required")
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            day = None
        if day is None or len(value) != 10:
            raise Refused(f"starting_at: {value!r} is not a UTC date in YYYY-MM-DD format")
        limit = _int(args, "limit", default=20) or 0
        if not 1 <= limit <= 1000:
            raise Refused("limit must be between 1 and 1000")
        actors: dict[str, list[Row]] = {}
        for row in self.rows:
            if row[0] == day.isoformat():
                actors.setdefault(row[1] or "", []).append(row)
        records = [self.claude_code_record(day, actor, rows) for actor, rows in actors.items()]
        index = int(args.get("page") or 0)
        size = min(limit, self.per_page or limit)
        more = index + size < len(records)
        return _json(
            {
                "data": records[index : index + size],
                "has_more": more,
                "next_page": str(index + size) if more else None,
            }
        )

    @staticmethod
    def claude_code_record(day: dt.date, actor: str, rows: list[Row]) -> dict[str, Any]:
        return {
            "date": f"{day.isoformat()}T00:00:00Z",
            "actor": (
                {"type": "user_actor", "email_address": actor}
                if "@" in actor
                else {"type": "api_actor", "api_key_name": actor}
            ),
            "organization_id": "12345678-1234-5678-1234-567812345678",
            "customer_type": "subscription" if "@" in actor else "api",
            "terminal_type": "vscode",
            "core_metrics": {
                "num_sessions": 3,
                "lines_of_code": {"added": 120, "removed": 30},
                "commits_by_claude_code": 1,
                "pull_requests_by_claude_code": 0,
            },
            "tool_actions": {"edit_tool": {"accepted": 5, "rejected": 1}},
            "model_breakdown": [
                {
                    "model": model,
                    "tokens": {
                        "input": tokens // 2,
                        "output": tokens - tokens // 2,
                        "cache_read": 0,
                        "cache_creation": 0,
                    },
                    "estimated_cost": {"currency": "USD", "amount": 12},
                }
                for _, _, model, _, tokens in rows
            ],
        }


@dataclass
class LiteLLMSpendLogs(StandIn):
    """`GET /spend/logs/v2` (and `/spend/logs/ui`): one log per request, newest first,
    `page`/`page_size`; the count stops at `COUNT_CAP` and says so (`total_is_capped`),
    `total_pages` comes from the capped count, and pages past it still return logs."""

    logs_given: list[dict] | None = None  # logs as given (else made from `rows`)
    COUNT_CAP: ClassVar[int] = 10_000  # SPEND_LOGS_PAGINATION_COUNT_CAP
    STAMP: ClassVar[str] = "%Y-%m-%d %H:%M:%S"
    _sorted: list[tuple[dt.datetime, dict]] | None = None

    def authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.key}"

    def error(self, status: int, message: str) -> Response:
        body = {"error": {"message": message, "type": "auth_error", "param": "None"}}
        return _json(body, status)

    def logs(self) -> list[dict]:
        if self.logs_given is not None:
            return self.logs_given
        logs = []
        for day, unit, model, requests, tokens in self.rows:
            for n in range(requests):
                logs.append(spend_log(day, f"09:{n % 60:02d}:00", unit, model, tokens // requests))
        return logs

    def by_time(self) -> list[tuple[dt.datetime, dict]]:
        if self._sorted is None:
            timed = [(_log_time(log), log) for log in self.logs()]
            self._sorted = sorted(timed, key=lambda item: item[0], reverse=True)
        return self._sorted

    def answer(self, request: Request) -> Response:
        args = request.args
        for name in ("start_date", "end_date"):
            if not args.get(name):
                raise Refused(f"{name} is required")
        try:
            start = dt.datetime.strptime(args["start_date"], self.STAMP)
            end = dt.datetime.strptime(args["end_date"], self.STAMP)
        except ValueError:
            raise Refused("start_date and end_date are YYYY-MM-DD HH:MM:SS") from None
        page = _int(args, "page", default=1) or 0
        size = _int(args, "page_size", default=50) or 0
        most = 100 if request.path.endswith("/ui") else 1000
        if page < 1 or not 1 <= size <= most:
            raise Refused(f"page >= 1 and 1 <= page_size <= {most}")
        start, end = start.replace(tzinfo=dt.UTC), end.replace(tzinfo=dt.UTC)
        logs = [log for moment, log in self.by_time() if start <= moment <= end]
        total = min(len(logs), self.COUNT_CAP)
        return _json(
            {
                "data": logs[(page - 1) * size : page * size],  # never truncated at the cap
                "total": total,
                "page": page,
                "page_size": size,
                "total_pages": -(-total // size),
                "total_is_capped": len(logs) > self.COUNT_CAP,
            }
        )


def spend_log(day: str, time: str, unit: str | None, model: str, tokens: int) -> dict:
    """One `LiteLLM_SpendLogs` row as the proxy serves it."""
    return {
        "request_id": f"req-{day}-{time}-{model}-{unit}",
        "call_type": "acompletion",
        "api_key": "88dc28d0f030c55ed4ab77ed8faf0981",  # hashed
        "spend": 0.0001,
        "total_tokens": tokens,
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "startTime": f"{day}T{time}Z",
        "endTime": f"{day}T{time}Z",
        "model": model,
        "model_group": model,
        "custom_llm_provider": "openai",
        "user": "",
        "team_id": f"id-{unit}",
        "end_user": None,
        "status": "success",
        "metadata": {"user_api_key_alias": "k", "user_api_key_team_alias": unit},
    }


def _log_time(log: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(log["startTime"].replace("Z", "+00:00"))
