"""Local stand-ins for the usage APIs (served by pytest-httpserver): they check the auth
header and query parameters the providers document, paginate with their cursors, and can
answer 429 with Retry-After or 401 first. Data are (day, unit, model, requests, tokens)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from werkzeug import Request, Response

Row = tuple[str, str | None, str, int, int]  # day, unit, model, requests, tokens


def _json(data: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data), status, headers, content_type="application/json")


@dataclass
class StandIn:
    """Common behaviour: auth check, scripted failures, a log of requests seen."""

    key: str
    rows: list[Row] = field(default_factory=list)
    fail_first: list[tuple[int, dict]] = field(default_factory=list)  # (status, headers)
    seen: list[Request] = field(default_factory=list)
    malformed: bool = False

    def authorized(self, request: Request) -> bool:
        raise NotImplementedError

    def __call__(self, request: Request) -> Response:
        self.seen.append(request)
        if self.fail_first:
            status, headers = self.fail_first.pop(0)
            return _json({"error": {"message": "slow down"}}, status, headers)
        if not self.authorized(request):
            return _json({"error": {"message": "invalid key", "type": "authentication"}}, 401)
        if self.malformed:
            return _json({"object": "page", "data": "oops"})
        return self.answer(request)

    def answer(self, request: Request) -> Response:
        raise NotImplementedError


@dataclass
class OpenAIUsage(StandIn):
    """`GET /v1/organization/usage/<kind>`: daily buckets, `page` cursor, one bucket a page."""

    endpoint_rows: dict[str, list[Row]] = field(default_factory=dict)

    def authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.key}"

    def answer(self, request: Request) -> Response:
        args = request.args
        assert args.get("bucket_width") == "1d"
        assert sorted(args.getlist("group_by")) == ["model", "project_id"]
        start = int(args["start_time"])
        end = int(args["end_time"])
        kind = request.path.rsplit("/", 1)[-1]
        rows = self.endpoint_rows.get(kind, self.rows if kind == "completions" else [])
        days = sorted({r[0] for r in rows})
        days = [d for d in days if start <= _epoch(d) < end]
        index = int(args.get("page") or 0)
        page_days = days[index : index + 1]
        data = [
            {
                "object": "bucket",
                "start_time": _epoch(day),
                "end_time": _epoch(day) + 86400,
                "results": [
                    {
                        "object": f"organization.usage.{kind}.result",
                        "input_tokens": tokens // 2,
                        "output_tokens": tokens - tokens // 2,
                        "input_cached_tokens": 0,
                        "num_model_requests": requests,
                        "project_id": unit,
                        "user_id": None,
                        "api_key_id": None,
                        "model": model,
                        "batch": None,
                    }
                    for d, unit, model, requests, tokens in rows
                    if d == day
                ],
            }
            for day in page_days
        ]
        more = index + 1 < len(days)
        return _json(
            {
                "object": "page",
                "data": data,
                "has_more": more,
                "next_page": str(index + 1) if more else None,
            }
        )


@dataclass
class AnthropicUsage(StandIn):
    """`GET /v1/organizations/usage_report/messages`: token totals, `page` cursor; with
    `analytics`, `GET /v1/organizations/analytics/usage_report` (by product, with requests)."""

    analytics: bool = False

    def authorized(self, request: Request) -> bool:
        return (
            request.headers.get("x-api-key") == self.key
            and request.headers.get("anthropic-version") == "2023-06-01"
        )

    def answer(self, request: Request) -> Response:
        args = request.args
        assert args.get("bucket_width") == "1d"
        unit_field = "product" if self.analytics else "workspace_id"
        assert sorted(args.getlist("group_by[]")) == sorted(["model", unit_field])
        start = dt.datetime.fromisoformat(args["starting_at"].replace("Z", "+00:00"))
        days = sorted({r[0] for r in self.rows if dt.date.fromisoformat(r[0]) >= start.date()})
        index = int((args.get("page") or "page_0").removeprefix("page_"))
        page_days = days[index : index + 1]
        data = [
            {
                "starting_at": f"{day}T00:00:00Z",
                "ending_at": f"{dt.date.fromisoformat(day) + dt.timedelta(days=1)}T00:00:00Z",
                "results": [
                    {
                        "uncached_input_tokens": tokens // 2,
                        "cache_creation": {
                            "ephemeral_1h_input_tokens": 0,
                            "ephemeral_5m_input_tokens": 0,
                        },
                        "cache_read_input_tokens": 0,
                        "output_tokens": tokens - tokens // 2,
                        "server_tool_use": {"web_search_requests": 0},
                        "api_key_id": None,
                        unit_field: unit,
                        "model": model,
                        "context_window": None,
                        **({"requests": requests} if self.analytics else {"service_tier": None}),
                    }
                    for d, unit, model, requests, tokens in self.rows
                    if d == day
                ],
            }
            for day in page_days
        ]
        more = index + 1 < len(days)
        return _json(
            {"data": data, "has_more": more, "next_page": f"page_{index + 1}" if more else None}
        )


@dataclass
class LiteLLMSpendLogs(StandIn):
    """`GET /spend/logs/v2`: one log per request, `page`/`page_size`, `total_pages`."""

    def authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.key}"

    def logs(self) -> list[dict]:
        logs = []
        for day, unit, model, requests, tokens in self.rows:
            for n in range(requests):
                logs.append(
                    {
                        "request_id": f"req-{day}-{model}-{n}",
                        "call_type": "acompletion",
                        "api_key": "88dc28d0f030c55ed4ab77ed8faf0981",  # hashed
                        "spend": 0.0001,
                        "total_tokens": tokens // requests,
                        "prompt_tokens": 1,
                        "completion_tokens": 1,
                        "startTime": f"{day}T09:{n % 60:02d}:00Z",
                        "endTime": f"{day}T09:{n % 60:02d}:01Z",
                        "model": model,
                        "model_group": model,
                        "custom_llm_provider": "openai",
                        "user": "",
                        "team_id": f"id-{unit}",
                        "end_user": None,
                        "status": "success",
                        "metadata": {"user_api_key_alias": "k", "user_api_key_team_alias": unit},
                    }
                )
        return logs

    def answer(self, request: Request) -> Response:
        args = request.args
        start = dt.datetime.strptime(args["start_date"], "%Y-%m-%d %H:%M:%S")
        end = dt.datetime.strptime(args["end_date"], "%Y-%m-%d %H:%M:%S")
        logs = [
            log
            for log in self.logs()
            if start <= dt.datetime.fromisoformat(log["startTime"][:-1]) <= end
        ]
        page, size = int(args["page"]), int(args["page_size"])
        total_pages = max(1, -(-len(logs) // size))
        return _json(
            {
                "data": logs[(page - 1) * size : page * size],
                "total": len(logs),
                "page": page,
                "page_size": size,
                "total_pages": total_pages,
            }
        )


def _epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())
