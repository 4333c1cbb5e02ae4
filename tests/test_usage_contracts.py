"""Contract tests: each puller against a stand-in that behaves as the real service documents
(tests/usage_standins.py) and fixtures written from the services' published schemas
(tests/fixtures/usage_contracts/, each naming its spec and version). The edge cases are the
ones where the code and the service once disagreed: LiteLLM's capped count, OpenAI's null
model, the Collector's zstd files, the Analytics API's beta and date bounds, deprecated
OpenTelemetry token attributes, provider names that never met."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import zstandard
from werkzeug import Response

from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, Record
from pipeline.fetch.settings import FetchSettings
from pipeline.sources.reference.catalogue import parse_catalogue
from pipeline.sources.reference.compare import cross_check
from pipeline.usage.pullers.pull import pull_source
from tests.usage_standins import AnthropicUsage, LiteLLMSpendLogs, OpenAIUsage, spend_log

FIXTURES = Path(__file__).parent / "fixtures" / "usage_contracts"
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(
    attempts=3, backoff_initial=0.01, backoff_max=0.01, backoff_jitter=0, retry_after_cap=0.05
)
KEY = "sk-contract-test-0123456789abcdef"  # not the other usage tests' key: redaction is global
ENV = {
    "openai_usage": "OPENAI_ADMIN_KEY",
    "anthropic_usage": "ANTHROPIC_ADMIN_KEY",
    "litellm": "LITELLM_MASTER_KEY",
}


@pytest.fixture(autouse=True)
def key(monkeypatch):
    for name in ENV.values():
        monkeypatch.setenv(name, KEY)
    return KEY


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def config(kind: str, url: str, **extra) -> TeamsFile:
    entry = {"id": "src", "kind": kind, "base_url": url, "key_env": ENV[kind], **extra}
    return TeamsFile.model_validate(
        {
            "delivery": {"ops": {"slack_channel": "#ops"}},
            "teams": [{"name": "payments", "slack_channel": "#pay"}],
            "usage_sources": [entry],
        }
    )


def pull(db, teams: TeamsFile, now: dt.datetime = NOW):
    return pull_source(db, teams.usage_sources[0], now=now, teams=teams, settings=FAST)


def buckets(db):
    return [
        (r["unit"], r["provider"], r["model"], r["day"], r["requests"], r["tokens"])
        for r in db.query("SELECT * FROM usage_buckets WHERE origin = 'src' ORDER BY day, model")
    ]


# --------------------------------------------------------------------------- LiteLLM


def test_litellm_a_capped_window_is_split_until_every_log_is_counted(db, httpserver):
    """10,050 logs in the window: the proxy counts 10,000, says `total_is_capped`, and its
    `total_pages` (100) would leave out the 50 oldest, the only calls of a deprecated model."""
    recent = [
        spend_log("2026-11-23", _clock(n), "checkout", "gpt-4o-2024-08-06", 10)
        for n in range(10_000)
    ]
    oldest = [spend_log("2026-11-19", _clock(n), "checkout", "gpt-4-0613", 10) for n in range(50)]
    api = LiteLLMSpendLogs(key=KEY, logs_given=recent + oldest)
    answers: list[tuple[int, bool]] = []

    def handler(request):
        response = api(request)
        body = json.loads(response.get_data())
        answers.append((int(request.args["page"]), body["total_is_capped"]))
        return response

    httpserver.expect_request("/spend/logs/v2").respond_with_handler(handler)
    report = pull(db, config("litellm", httpserver.url_for("/")))
    assert report.ok, report.error
    assert buckets(db) == [
        ("checkout", "openai", "gpt-4-0613", "2026-11-19", 50, 500),
        ("checkout", "openai", "gpt-4o-2024-08-06", "2026-11-23", 10_000, 100_000),
    ]
    assert api.refused == []
    assert (1, True) in answers  # the whole window was capped
    assert not [page for page, capped in answers if capped and page > 1]  # split, not paged


def test_litellm_a_capped_second_is_paged_past_total_pages_until_an_empty_page(db, httpserver):
    """10,050 logs in one second cannot be split further: the proxy's pages go on past its
    capped `total_pages`, so they are read until one comes back empty."""
    logs = [spend_log("2026-11-23", "10:00:00", "checkout", "gpt-4o", 1) for _ in range(10_050)]
    api = LiteLLMSpendLogs(key=KEY, logs_given=logs)
    httpserver.expect_request("/spend/logs/v2").respond_with_handler(api)
    report = pull(db, config("litellm", httpserver.url_for("/")))
    assert report.ok, report.error
    assert buckets(db) == [("checkout", "openai", "gpt-4o", "2026-11-23", 10_050, 10_050)]
    windows = {(r.args["start_date"], r.args["end_date"]) for r in api.seen}
    assert ("2026-11-23 10:00:00", "2026-11-23 10:00:01") in windows
    assert max(int(r.args["page"]) for r in api.seen) == 102  # 101 full pages, then empty


def _clock(n: int) -> str:
    return (dt.datetime(2026, 1, 1, 8) + dt.timedelta(seconds=n)).strftime("%H:%M:%S")


def test_litellm_standin_answers_a_capped_count_in_the_documented_shape():
    from werkzeug.test import EnvironBuilder

    logs = [spend_log("2026-11-23", _clock(n), "u", "m", 1) for n in range(10_001)]
    api = LiteLLMSpendLogs(key=KEY, logs_given=logs)
    query = {"start_date": "2026-11-23 00:00:00", "end_date": "2026-11-23 23:59:59", "page": "1"}
    request = EnvironBuilder(
        path="/spend/logs/v2",
        query_string={**query, "page_size": "100"},
        headers={"Authorization": f"Bearer {KEY}"},
    ).get_request()
    body = json.loads(api(request).get_data())
    expected = fixture("litellm_spend_logs_capped.json")
    assert set(body) == set(expected) - {"_spec"}
    assert {k: body[k] for k in ("total", "total_pages", "total_is_capped")} == {
        k: expected[k] for k in ("total", "total_pages", "total_is_capped")
    }


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ({"start_date": "2026-11-23T00:00:00Z", "end_date": "2026-11-24 00:00:00"}, "HH:MM:SS"),
        ({"end_date": "2026-11-24 00:00:00"}, "start_date is required"),
        (
            {"start_date": "2026-11-23 00:00:00", "end_date": "2026-11-24 00:00:00", "page": "0"},
            "page >= 1",
        ),
    ],
)
def test_litellm_standin_refuses_what_the_proxy_refuses(args, why):
    from werkzeug.test import EnvironBuilder

    api = LiteLLMSpendLogs(key=KEY)
    request = EnvironBuilder(
        path="/spend/logs/ui", query_string=args, headers={"Authorization": f"Bearer {KEY}"}
    ).get_request()
    response = api(request)
    assert response.status_code == 400 and why in api.refused[0]


def test_litellm_azure_ai_usage_meets_azure_foundry_records():
    from pipeline.core.usage_config import UsageSourceConfig
    from pipeline.usage.pullers.normalize import normalize, provider_id

    source = UsageSourceConfig.model_validate(
        {"id": "g", "kind": "litellm", "base_url": "http://x", "key_env": "K"}
    )
    assert normalize("Phi-3-mini-4k-instruct", source, provider_hint=provider_id("azure_ai")) == (
        "azure-foundry",
        "phi-3-mini-4k-instruct",
    )
    assert provider_id("azure.ai.inference") == "azure-foundry"


# --------------------------------------------------------------------------- OpenAI


def test_openai_a_null_model_is_counted_as_unattributed_and_the_rest_is_kept(db, httpserver):
    """The spec's own example page: a result with `model: null`, then `has_more`."""
    api = OpenAIUsage(key=KEY, now=dt.datetime(2024, 11, 2, 6, 0, tzinfo=dt.UTC))
    page = fixture("openai_usage_completions.json")

    def handler(request):
        if request.args.get("page"):  # the cursor the example page gave, the rest unchanged
            first = {k: v for k, v in api.seen[0].args.items(multi=True)}
            again = {k: v for k, v in request.args.items(multi=True) if k != "page"}
            assert again == first
            body = {"object": "page", "data": [], "has_more": False, "next_page": None}
            return Response(json.dumps(body), 200, content_type="application/json")
        checked = api(request)  # the request must be one the API accepts
        if checked.status_code != 200:
            return checked
        body = {k: v for k, v in page.items() if k != "_spec"}
        return Response(json.dumps(body), 200, content_type="application/json")

    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(handler)
    teams = config("openai_usage", httpserver.url_for("/v1"), endpoints=["completions"])
    report = pull(db, teams, now=dt.datetime(2024, 11, 2, 6, 0, tzinfo=dt.UTC))
    assert report.ok, report.error
    assert buckets(db) == [
        ("", "openai", "(unattributed)", "2024-11-01", 5, 1500),
        ("proj_checkout_web", "openai", "gpt-4o-2024-05-13", "2024-11-01", 3, 300),
    ]
    assert [r.args.get("page") for r in api.seen] == [None]


def test_openai_todays_bucket_is_read(db, httpserver):
    """Buckets that end after `end_time` are not returned: a pull must not end at "now"."""
    api = OpenAIUsage(key=KEY, rows=[("2026-11-24", "proj_a", "gpt-4o", 4, 40)], now=NOW)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    report = pull(db, config("openai_usage", httpserver.url_for("/v1"), endpoints=["completions"]))
    assert report.ok, report.error
    assert buckets(db) == [("proj_a", "openai", "gpt-4o", "2026-11-24", 4, 40)]


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("bucket_width=1d", "start_time is required"),
        ("start_time=1&group_by=workspace_id", "group_by"),
        ("start_time=1&limit=32", "limit"),
    ],
)
def test_openai_standin_refuses_what_the_api_refuses(query, why):
    from werkzeug.test import EnvironBuilder

    api = OpenAIUsage(key=KEY)
    request = EnvironBuilder(
        path="/v1/organization/usage/completions",
        query_string=query,
        headers={"Authorization": f"Bearer {KEY}"},
    ).get_request()
    assert api(request).status_code == 400 and why in api.refused[0]


# --------------------------------------------------------------------------- Anthropic


def test_anthropic_analytics_is_called_as_the_beta_it_is_and_within_its_date_bounds(db, httpserver):
    """The Analytics API takes no start before 2026-01-01: a 7-day window on Jan 3 is cut."""
    now = dt.datetime(2026, 1, 3, 6, 0, tzinfo=dt.UTC)
    rows = [("2026-01-02", "chat", "claude-sonnet-4-5-20250929", 12, 1200)]
    api = AnthropicUsage(key=KEY, rows=rows, analytics=True, now=now)
    httpserver.expect_request("/v1/organizations/analytics/usage_report").respond_with_handler(api)
    teams = config("anthropic_usage", httpserver.url_for("/"), report="analytics")
    report = pull(db, teams, now=now)
    assert report.ok, report.error
    assert api.refused == []
    assert api.seen[0].args["starting_at"] == "2026-01-01T00:00:00Z"
    assert buckets(db) == [
        ("chat", "anthropic", "claude-sonnet-4-5-20250929", "2026-01-02", 12, 1200)
    ]


def test_anthropic_analytics_standin_refuses_a_call_without_the_beta():
    from werkzeug.test import EnvironBuilder

    api = AnthropicUsage(key=KEY, analytics=True)
    request = EnvironBuilder(
        path="/v1/organizations/analytics/usage_report",
        query_string="starting_at=2026-11-20T00:00:00Z",
        headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"},
    ).get_request()
    assert api(request).status_code == 400 and "beta" in api.refused[0]


def test_anthropic_standin_refuses_a_call_without_the_version_header():
    from werkzeug.test import EnvironBuilder

    api = AnthropicUsage(key=KEY)
    request = EnvironBuilder(
        path="/v1/organizations/usage_report/messages",
        query_string="starting_at=2026-11-20T00:00:00Z",
        headers={"x-api-key": KEY},
    ).get_request()
    response = api(request)
    assert response.status_code == 400
    assert json.loads(response.get_data())["error"]["type"] == "invalid_request_error"


def test_anthropic_claude_code_usage_is_read_day_by_day(db, httpserver):
    page = fixture("anthropic_claude_code_report.json")
    api = AnthropicUsage(key=KEY)

    def handler(request):
        checked = api(request)
        if checked.status_code != 200:
            return checked
        day = request.args["starting_at"]
        body = {**page, "data": [r for r in page["data"] if r["date"].startswith(day)]}
        body.pop("_spec")
        return Response(json.dumps(body), 200, content_type="application/json")

    path = "/v1/organizations/usage_report/claude_code"
    httpserver.expect_request(path).respond_with_handler(handler)
    teams = config("anthropic_usage", httpserver.url_for("/"), report="claude_code", window_days=3)
    report = pull(db, teams)
    assert report.ok, report.error
    assert [r.args["starting_at"] for r in api.seen] == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert buckets(db) == [
        ("ci-bot", "anthropic", "claude-3-5-haiku-20241022", "2026-11-23", None, 500),
        (
            "dev@checkout.example",
            "anthropic",
            "claude-sonnet-4-5-20250929",
            "2026-11-23",
            None,
            150_000,
        ),
    ]


def test_anthropic_todays_bucket_is_read(db, httpserver):
    rows = [("2026-11-24", "wrkspc_a", "claude-3-haiku-20240307", 0, 70)]
    api = AnthropicUsage(key=KEY, rows=rows)
    httpserver.expect_request("/v1/organizations/usage_report/messages").respond_with_handler(api)
    report = pull(db, config("anthropic_usage", httpserver.url_for("/")))
    assert report.ok, report.error
    assert buckets(db) == [
        ("wrkspc_a", "anthropic", "claude-3-haiku-20240307", "2026-11-24", None, 70)
    ]


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("kind", ["openai_usage", "anthropic_usage", "litellm"])
@pytest.mark.parametrize("status", [401, 403, 429, 500, "malformed"])
def test_a_bad_answer_keeps_the_buckets_and_tells_ops_once_naming_source_and_env(
    db, httpserver, kind, status
):
    standin, path, base = {
        "openai_usage": (OpenAIUsage, "/v1/organization/usage/completions", "/v1"),
        "anthropic_usage": (AnthropicUsage, "/v1/organizations/usage_report/messages", "/"),
        "litellm": (LiteLLMSpendLogs, "/spend/logs/v2", "/"),
    }[kind]
    api = standin(key=KEY, rows=[("2026-11-23", "u", "gpt-4o", 2, 20)])
    httpserver.expect_request(path).respond_with_handler(api)
    extra = {"endpoints": ["completions"]} if kind == "openai_usage" else {}
    teams = config(kind, httpserver.url_for(base), **extra)
    assert pull(db, teams).ok
    kept = buckets(db)
    for hour in range(1, 5):
        if status == "malformed":
            api.malformed = True
        else:
            api.fail_first = [(status, {})] * 3  # every retry of this pull
        report = pull(db, teams, now=NOW + dt.timedelta(hours=hour))
        assert not report.ok
    assert buckets(db) == kept
    failing = [
        Alert.from_payload(r["payload"])
        for r in db.query("SELECT payload FROM alerts WHERE team = 'ops'")
    ]
    failing = [a for a in failing if a.items[0].status == "failing"]
    assert len(failing) == 1, [a.items[0].note for a in failing]
    assert "usage:src" in failing[0].title and ENV[kind] in failing[0].items[0].note


# --------------------------------------------------------------------------- OTel files


def _attr(key, value):
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}


def _nanos(text):
    return str(int(dt.datetime.fromisoformat(text).timestamp() * 1e9))


def _span(operation, model, when, **tokens):
    attributes = [_attr("gen_ai.request.model", model), _attr("gen_ai.provider.name", "openai")]
    if operation:
        attributes.append(_attr("gen_ai.operation.name", operation))
    attributes += [_attr(f"gen_ai.usage.{k}", v) for k, v in tokens.items()]
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": f"{operation} {model}",
        "kind": 3,
        "startTimeUnixNano": _nanos(when),
        "endTimeUnixNano": _nanos(when),
        "attributes": attributes,
    }


def _export(spans):
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "checkout-bot")]},
                "scopeSpans": [{"scope": {"name": "openai-instrumentation"}, "spans": spans}],
            }
        ]
    }


def _metric_export(points):
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": [_attr("service.name", "checkout-bot")]},
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": "gen_ai.client.operation.duration",
                                "unit": "s",
                                "histogram": {"aggregationTemporality": 1, "dataPoints": points},
                            }
                        ]
                    }
                ],
            }
        ]
    }


def _point(operation, model, when, count):
    return {
        "startTimeUnixNano": _nanos(when),
        "timeUnixNano": _nanos(when),
        "count": str(count),
        "sum": 1.5,
        "attributes": [
            _attr("gen_ai.operation.name", operation),
            _attr("gen_ai.request.model", model),
            _attr("gen_ai.provider.name", "openai"),
        ],
    }


def _zstd_file(path: Path, exports: list[dict]) -> None:
    """The Collector's file exporter with `compression: zstd`: each export request is one
    zstd frame after its length as a 4-byte big-endian integer."""
    compressor = zstandard.ZstdCompressor()
    with path.open("wb") as handle:
        for export in exports:
            frame = compressor.compress(json.dumps(export).encode())
            handle.write(len(frame).to_bytes(4, "big") + frame)


def otel_config(path: Path) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "teams": [{"name": "payments"}],
            "usage_sources": [{"id": "src", "kind": "otel_files", "path": str(path)}],
        }
    )


def test_otel_a_zstd_file_of_the_file_exporter_is_read_and_only_model_calls_count(db, tmp_path):
    at = "2026-11-23T10:00:00+00:00"
    spans = [
        _span("chat", "gpt-4o-2024-08-06", at, input_tokens=10, output_tokens=5),
        _span("invoke_workflow", "gpt-4o-2024-08-06", at),
        _span("retrieval", "gpt-4o-2024-08-06", at),
        _span("invoke_agent", "gpt-4o-2024-08-06", at),
        # an older instrumentation: the deprecated token attribute names
        _span(None, "gpt-3.5-turbo-0613", at, prompt_tokens=7, completion_tokens=3),
    ]
    metrics = [
        _point("chat", "text-embedding-3-small", at, 4),
        _point("execute_tool", "text-embedding-3-small", at, 9),
    ]
    _zstd_file(tmp_path / "traces.json", [_export(spans), _metric_export(metrics)])
    report = pull(db, otel_config(tmp_path))
    assert report.ok, report.error
    assert buckets(db) == [
        ("checkout-bot", "openai", "gpt-3.5-turbo-0613", "2026-11-23", 1, 10),
        ("checkout-bot", "openai", "gpt-4o-2024-08-06", "2026-11-23", 1, 15),
        ("checkout-bot", "openai", "text-embedding-3-small", "2026-11-23", 4, None),
    ]


def test_otel_plain_json_counts_only_model_calls_and_reads_deprecated_token_names(db, tmp_path):
    at = "2026-11-23T10:00:00+00:00"
    spans = [
        _span("chat", "gpt-4o-2024-08-06", at, input_tokens=10, output_tokens=5),
        _span("invoke_workflow", "gpt-4o-2024-08-06", at),
        _span("retrieval", "gpt-4o-2024-08-06", at),
        _span(None, "gpt-3.5-turbo-0613", at, prompt_tokens=7, completion_tokens=3),
    ]
    metrics = [_point("execute_tool", "text-embedding-3-small", at, 9)]
    lines = [json.dumps(_export(spans)), json.dumps(_metric_export(metrics))]
    (tmp_path / "traces.jsonl").write_text("\n".join(lines) + "\n")
    report = pull(db, otel_config(tmp_path))
    assert report.ok, report.error
    assert buckets(db) == [
        ("checkout-bot", "openai", "gpt-3.5-turbo-0613", "2026-11-23", 1, 10),
        ("checkout-bot", "openai", "gpt-4o-2024-08-06", "2026-11-23", 1, 15),
    ]


def test_otel_frames_without_a_content_size_are_read(db, tmp_path):
    """Go's zstd encoder may leave the frame's content size out; the size prefix is enough."""
    frame = zstandard.ZstdCompressor(write_content_size=False).compress(
        json.dumps(_export([_span("chat", "gpt-4o", "2026-11-23T10:00:00+00:00")])).encode()
    )
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "genai.json").write_bytes(len(frame).to_bytes(4, "big") + frame)
    report = pull(db, otel_config(tmp_path))
    assert report.ok, report.error
    assert buckets(db) == [("checkout-bot", "openai", "gpt-4o", "2026-11-23", 1, None)]


def test_otel_a_truncated_zstd_file_is_a_failed_pull_naming_the_file(db, tmp_path):
    _zstd_file(tmp_path / "traces.json", [_export([_span("chat", "gpt-4o", "2026-11-23")])])
    data = (tmp_path / "traces.json").read_bytes()
    (tmp_path / "traces.json").write_bytes(data[:-5])
    report = pull(db, otel_config(tmp_path))
    assert not report.ok and "traces.json" in report.error and "malformed" in report.error


# --------------------------------------------------------------------------- references


def _record(provider: str, model: str, date: str) -> Record:
    return Record(provider=provider, model=model, shutdown_date=date, shutdown_kind="firm")


def test_modeldeprecations_vertex_and_litellm_azure_ai_meet_the_records_here():
    mdd = parse_catalogue(
        json.dumps(
            {
                "models": [
                    {
                        "provider": "vertex",
                        "model": "gemini-1.5-pro-002",
                        "shutdown_on": "2025-09-24",
                        "status": "deprecated",
                        "computed_status": "retired",
                    }
                ]
            }
        )
    )
    litellm = parse_catalogue(
        json.dumps(
            {
                "sample_spec": {
                    "litellm_provider": "one of https://docs.litellm.ai/docs/providers"
                },
                "azure_ai/Phi-3-mini-4k-instruct": {
                    "litellm_provider": "azure_ai",
                    "mode": "chat",
                    "deprecation_date": "2026-03-01",
                },
            }
        )
    )
    assert [(e.provider, e.status) for e in mdd.entries] == [("google-vertex", "retired")]
    assert [e.provider for e in litellm.entries] == ["azure-foundry"]
    records = [
        (1, _record("google-vertex", "gemini-1.5-pro-002", "2025-09-24")),
        (2, _record("azure-foundry", "Phi-3-mini-4k-instruct", "2026-04-01")),
    ]
    entries = [("mdd", e) for e in mdd.entries] + [("litellm", e) for e in litellm.entries]
    verdicts = {(v.record_id, v.reference): v.agrees for v in cross_check(records, entries)}
    assert verdicts == {(1, "mdd"): True, (2, "litellm"): False}  # confirmed, disputed


# --------------------------------------------------------------------------- doctor


@pytest.mark.parametrize(
    ("kind", "extra", "path", "needs"),
    [
        ("openai_usage", {}, "/v1/organization/usage/completions", "api.usage.read"),
        ("anthropic_usage", {}, "/v1/organizations/usage_report/messages", "Admin API key"),
        (
            "anthropic_usage",
            {"report": "analytics"},
            "/v1/organizations/analytics/usage_report",
            "read:analytics",
        ),
        (
            "anthropic_usage",
            {"report": "claude_code"},
            "/v1/organizations/usage_report/claude_code",
            "Admin API key",
        ),
        ("litellm", {}, "/spend/logs/v2", "master key"),
    ],
)
def test_probe_checks_the_key_with_one_request_and_names_the_missing_permission(
    httpserver, monkeypatch, kind, extra, path, needs
):
    from pipeline.usage.pullers.probe import probe

    standin = {"openai_usage": OpenAIUsage, "litellm": LiteLLMSpendLogs}.get(kind, AnthropicUsage)
    api = (
        standin(key=KEY, analytics=True) if extra.get("report") == "analytics" else standin(key=KEY)
    )
    httpserver.expect_request(path).respond_with_handler(api)
    base = httpserver.url_for("/v1" if kind == "openai_usage" else "/")
    source = config(kind, base, **extra).usage_sources[0]
    good = probe(source, now=NOW, settings=FAST)
    assert good.ok and api.refused == [] and len(api.seen) == 1, good.detail
    api.forbidden = True
    lacking = probe(source, now=NOW, settings=FAST)
    assert not lacking.ok and needs in lacking.detail and ENV[kind] in lacking.detail
    api.forbidden, api.key = False, "another-key"
    refused = probe(source, now=NOW, settings=FAST)
    assert not refused.ok and "401" in refused.detail and ENV[kind] in refused.detail
    assert len(api.seen) == 3  # one request each, no retries
    monkeypatch.delenv(ENV[kind])
    assert probe(source, now=NOW).detail == f"not tried: {ENV[kind]} is not set"


def test_doctor_reports_each_usage_source(tmp_path, httpserver):
    from click.testing import CliRunner

    from pipeline.cli import main

    api = OpenAIUsage(key=KEY, forbidden=True)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    (tmp_path / "sources.yml").write_text("sources: []\n")
    (tmp_path / "teams.yml").write_text(
        "teams: [{name: payments}]\nusage_sources:\n"
        f"  - {{id: openai-org, kind: openai_usage, base_url: '{httpserver.url_for('/v1')}',"
        " key_env: OPENAI_ADMIN_KEY}\n"
    )
    result = CliRunner().invoke(
        main,
        ["doctor", "--sources", str(tmp_path / "sources.yml"), "--teams",
         str(tmp_path / "teams.yml"), "--db", str(tmp_path / "sunset.db")],
    )  # fmt: skip
    line = next(x for x in result.output.splitlines() if "usage source openai-org" in x)
    assert line.startswith("FAIL") and "api.usage.read" in line and result.exit_code != 0
    assert KEY not in result.output
