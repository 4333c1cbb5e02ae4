"""Usage sources: config rules, each puller against a local stand-in server (or OTLP files),
storage as idempotent day buckets, failures that keep buckets, unowned units."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from pipeline.core.config import ConfigError, TeamsFile, load_teams
from pipeline.core.models import Alert
from pipeline.fetch.settings import FetchSettings
from pipeline.ops.pulls import pull_sources
from pipeline.usage.pullers.pull import pull_source
from tests.usage_standins import AnthropicUsage, LiteLLMSpendLogs, OpenAIUsage

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(
    attempts=3, backoff_initial=0.01, backoff_max=0.01, backoff_jitter=0, retry_after_cap=0.05
)
KEY = "sk-admin-test-0123456789abcdef"
ROWS = [
    ("2026-11-22", "proj_checkout_web", "gpt-4o-2024-05-13", 1200, 5000),
    ("2026-11-23", "proj_checkout_web", "gpt-4o-2024-05-13", 1300, 6000),
    ("2026-11-23", "proj_search", "gpt-4o-mini", 10, 100),
    ("2026-11-23", "proj_unknown", "gpt-4o-2024-05-13", 7, 70),
]


def teams(sources: list[dict], **extra) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {"ops": {"slack_channel": "#ops"}},
            "teams": [
                {"name": "payments", "slack_channel": "#pay"},
                {"name": "search", "slack_channel": "#search"},
            ],
            "usage_sources": sources,
            **extra,
        }
    )


def openai_source(url: str, **extra) -> dict:
    return {
        "id": "openai-org",
        "kind": "openai_usage",
        "base_url": url,
        "key_env": "OPENAI_ADMIN_KEY",
        "teams": [
            {"match": "proj_checkout*", "team": "payments"},
            {"match": "proj_search", "team": "search"},
        ],
        **extra,
    }


def buckets(db, origin="openai-org"):
    return [
        (r["team"], r["unit"], r["provider"], r["model"], r["day"], r["requests"], r["tokens"])
        for r in db.query(
            "SELECT * FROM usage_buckets WHERE origin = ? ORDER BY day, unit, model", [origin]
        )
    ]


def ops_alerts(db):
    return [
        Alert.from_payload(r["payload"])
        for r in db.query("SELECT payload FROM alerts WHERE team = 'ops' ORDER BY id")
    ]


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    return KEY


# --------------------------------------------------------------------------- config


def test_config_example_from_the_issue_loads(tmp_path):
    path = tmp_path / "teams.yml"
    path.write_text(
        """
teams:
  - name: payments
usage_sources:
  - id: openai-org
    kind: openai_usage
    base_url: https://api.openai.com/v1
    key_env: OPENAI_ADMIN_KEY
    window_days: 7
    teams:
      - {match: "proj_checkout*", team: payments}
  - id: otel
    kind: otel_files
    path: /var/lib/otel/genai
    teams:
      - {match: checkout-bot, team: payments}
"""
    )
    loaded = load_teams(path)
    source = loaded.usage_sources[0]
    assert source.team_for("proj_checkout_web") == "payments"
    assert source.team_for("proj_search") is None
    assert source.interval_hours == 24
    assert loaded.usage_sources[1].team_for("checkout-bot") == "payments"


def test_a_unit_rule_matching_two_teams_names_both(tmp_path):
    path = tmp_path / "teams.yml"
    path.write_text(
        """
teams: [{name: payments}, {name: search}]
usage_sources:
  - id: openai-org
    kind: openai_usage
    key_env: OPENAI_ADMIN_KEY
    teams:
      - {match: "proj_*", team: payments}
      - {match: proj_search, team: search}
"""
    )
    with pytest.raises(ConfigError) as error:
        load_teams(path)
    message = str(error.value)
    assert "usage_sources[0] (id: openai-org)" in message
    assert "'proj_search' matches two teams: payments" in message and "and search" in message


def test_overlapping_globs_are_first_match_wins_not_an_error():
    config = teams(
        [
            openai_source(
                "http://x.test/v1",
                teams=[
                    {"match": "proj_search*", "team": "search"},
                    {"match": "proj_*", "team": "payments"},
                ],
            )
        ]
    )
    source = config.usage_sources[0]
    assert source.team_for("proj_search_api") == "search"
    assert source.team_for("proj_other") == "payments"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"kind": "openai_usage"}, "needs key_env"),
        ({"kind": "otel_files"}, "needs path"),
        ({"kind": "litellm", "key_env": "K"}, "needs base_url"),
        ({"kind": "otel_files", "path": "/x", "key_env": "K"}, "key_env is not used"),
        (
            {"kind": "openai_usage", "key_env": "K", "teams": [{"match": "p", "team": "x"}]},
            "no team named 'x'",
        ),
        ({"kind": "openai_usage", "key_env": "K", "api_key": "sk-1"}, "api_key"),
        ({"kind": "openai_usage", "key_env": "not-an-env"}, "environment variable name"),
    ],
)
def test_bad_usage_sources_are_refused_naming_the_problem(tmp_path, entry, problem):
    path = tmp_path / "teams.yml"
    path.write_text(
        json.dumps({"teams": [{"name": "payments"}], "usage_sources": [{"id": "u", **entry}]})
    )
    with pytest.raises(ConfigError, match=problem):
        load_teams(path)


# --------------------------------------------------------------------------- OpenAI


def test_openai_pull_fills_buckets_follows_pages_and_is_idempotent(db, httpserver, key):
    api = OpenAIUsage(key=key, rows=ROWS, per_page=1)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    for kind in ("embeddings", "images", "audio_speeches", "audio_transcriptions"):
        httpserver.expect_request(f"/v1/organization/usage/{kind}").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"))])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok, report.error
    expected = [
        ("payments", "proj_checkout_web", "openai", "gpt-4o-2024-05-13", "2026-11-22", 1200, 5000),
        ("payments", "proj_checkout_web", "openai", "gpt-4o-2024-05-13", "2026-11-23", 1300, 6000),
        ("search", "proj_search", "openai", "gpt-4o-mini", "2026-11-23", 10, 100),
        (None, "proj_unknown", "openai", "gpt-4o-2024-05-13", "2026-11-23", 7, 70),
    ]
    assert buckets(db) == expected
    completions = [r for r in api.seen if r.path.endswith("/completions")]
    # seven days (today's included), one a page
    assert [r.args.get("page") for r in completions] == [None, "1", "2", "3", "4", "5", "6"]
    first = completions[0].args
    assert int(first["start_time"]) == int(dt.datetime(2026, 11, 18, tzinfo=dt.UTC).timestamp())
    assert "end_time" not in first  # one at "now" would leave today's bucket out
    assert {r.path.rsplit("/", 1)[-1] for r in api.seen} == {
        "completions",
        "embeddings",
        "images",
        "audio_speeches",
        "audio_transcriptions",
    }
    usage = list(db.query("SELECT team, provider, model, volume FROM usage WHERE origin='pull'"))
    assert sorted((u["team"], u["model"], u["volume"]) for u in usage) == [
        ("payments", "gpt-4o-2024-05-13", 2500),
        ("search", "gpt-4o-mini", 10),
    ]

    before = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    again = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert again.ok and buckets(db) == expected
    assert again.unowned == []  # the unowned unit was told once
    assert db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == before


def test_a_new_unowned_unit_raises_one_ops_notice_and_its_usage_is_kept(db, httpserver, key):
    api = OpenAIUsage(key=key, rows=ROWS)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"), endpoints=["completions"])])
    pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    notices = ops_alerts(db)
    assert [a.title for a in notices] == ["Unowned usage in openai-org: proj_unknown"]
    assert "7 requests to gpt-4o-2024-05-13" in notices[0].items[0].note
    unowned = list(db.query("SELECT * FROM unowned_usage"))
    assert [(u["unit"], u["model"], u["requests"]) for u in unowned] == [
        ("proj_unknown", "gpt-4o-2024-05-13", 7)
    ]


def test_openai_429_with_retry_after_is_retried_and_honoured(db, httpserver, key):
    api = OpenAIUsage(key=key, rows=ROWS[:1], fail_first=[(429, {"Retry-After": "7"})])
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"), endpoints=["completions"])])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok
    assert report.waits == [0.05]  # Retry-After 7 s, capped by retry_after_cap
    assert len(api.seen) == 2
    assert len(buckets(db)) == 1


def test_openai_401_keeps_buckets_and_tells_ops_once_naming_the_env_var(
    db, httpserver, key, monkeypatch, caplog
):
    api = OpenAIUsage(key=key, rows=ROWS)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"), endpoints=["completions"])])
    source = config.usage_sources[0]
    assert pull_source(db, source, now=NOW, teams=config, settings=FAST).ok
    kept = buckets(db)
    wrong = "sk-admin-wrong-key-9876543210"
    monkeypatch.setenv("OPENAI_ADMIN_KEY", wrong)
    later = NOW + dt.timedelta(days=1)
    for hours in (0, 1):
        report = pull_source(
            db, source, now=later + dt.timedelta(hours=hours), teams=config, settings=FAST
        )
        assert not report.ok and "HTTP 401" in report.error
    assert buckets(db) == kept
    failing = [a for a in ops_alerts(db) if a.items[0].status == "failing"]
    assert len(failing) == 1
    note = failing[0].items[0].note
    assert "usage:openai-org" in failing[0].title and "OPENAI_ADMIN_KEY" in note
    state = db["usage_sources"].get("openai-org")
    assert state["health"] == "failing" and state["last_status"] == "auth"
    everything = json.dumps([dict(r) for r in db.query("SELECT * FROM alerts")])
    everything += json.dumps([dict(r) for r in db.query("SELECT * FROM usage_sources")])
    assert wrong not in everything and wrong not in caplog.text and KEY not in everything

    monkeypatch.setenv("OPENAI_ADMIN_KEY", key)
    assert pull_source(
        db, source, now=later + dt.timedelta(hours=2), teams=config, settings=FAST
    ).ok
    assert [a.items[0].status for a in ops_alerts(db)][-1] == "recovered"


def test_a_malformed_page_keeps_the_previous_buckets(db, httpserver, key):
    api = OpenAIUsage(key=key, rows=ROWS)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"), endpoints=["completions"])])
    source = config.usage_sources[0]
    pull_source(db, source, now=NOW, teams=config, settings=FAST)
    kept = buckets(db)
    api.malformed = True
    report = pull_source(db, source, now=NOW, teams=config, settings=FAST)
    assert not report.ok and "malformed" in report.error
    assert buckets(db) == kept
    assert db["usage_sources"].get("openai-org")["health"] == "failing"


def test_a_missing_key_is_a_failed_pull_naming_the_variable(db, monkeypatch):
    monkeypatch.delenv("OPENAI_ADMIN_KEY", raising=False)
    config = teams([openai_source("http://127.0.0.1:9/v1")])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.error == "environment variable OPENAI_ADMIN_KEY is not set"


# --------------------------------------------------------------------------- Anthropic


def test_anthropic_pull_reads_token_totals_by_workspace(db, httpserver, key):
    rows = [
        ("2026-11-22", "wrkspc_checkout", "claude-3-5-sonnet-20241022", 0, 900),
        ("2026-11-23", None, "claude-3-haiku-20240307", 0, 50),
    ]
    api = AnthropicUsage(key=key, rows=rows, per_page=1)
    httpserver.expect_request("/v1/organizations/usage_report/messages").respond_with_handler(api)
    config = teams(
        [
            {
                "id": "anthropic-org",
                "kind": "anthropic_usage",
                "base_url": httpserver.url_for("/"),
                "key_env": "ANTHROPIC_ADMIN_KEY",
                "teams": [
                    {"match": "wrkspc_checkout", "team": "payments"},
                    {"match": "default", "team": "search"},
                ],
            }
        ]
    )
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok, report.error
    assert buckets(db, "anthropic-org") == [
        (
            "payments",
            "wrkspc_checkout",
            "anthropic",
            "claude-3-5-sonnet-20241022",
            "2026-11-22",
            None,
            900,
        ),
        ("search", "default", "anthropic", "claude-3-haiku-20240307", "2026-11-23", None, 50),
    ]
    assert [r.args.get("page") for r in api.seen] == [None] + [f"page_{n}" for n in range(1, 7)]
    assert api.seen[0].args["starting_at"] == "2026-11-18T00:00:00Z"
    assert "ending_at" not in api.seen[0].args  # one at "now" would leave today's bucket out


# --------------------------------------------------------------------------- LiteLLM


def test_litellm_pull_counts_requests_per_team_alias_over_pages(db, httpserver, key):
    rows = [
        ("2026-11-23", "checkout", "gpt-4o-2024-05-13", 150, 1500),
        ("2026-11-23", "search", "azure-prod-4o", 3, 30),
    ]
    api = LiteLLMSpendLogs(key=key, rows=rows)
    httpserver.expect_request("/spend/logs/v2").respond_with_handler(api)
    config = teams(
        [
            {
                "id": "gateway",
                "kind": "litellm",
                "base_url": httpserver.url_for("/"),
                "key_env": "LITELLM_MASTER_KEY",
                "model_map": {"azure-prod-4o": "gpt-4o-2024-08-06"},
                "teams": [
                    {"match": "checkout", "team": "payments"},
                    {"match": "search", "team": "search"},
                ],
            }
        ]
    )
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok, report.error
    assert buckets(db, "gateway") == [
        ("payments", "checkout", "openai", "gpt-4o-2024-05-13", "2026-11-23", 150, 1500),
        ("search", "search", "openai", "gpt-4o-2024-08-06", "2026-11-23", 3, 30),
    ]
    assert [r.args["page"] for r in api.seen] == ["1", "2"]  # 153 logs, 100 a page
    last = db.execute("SELECT last_seen FROM usage_buckets WHERE unit = 'checkout'").fetchone()
    assert last[0] == "2026-11-23T09:59:00Z"


# --------------------------------------------------------------------------- OTel files


def _attr(key, value):
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}


def _nanos(text):
    return str(int(dt.datetime.fromisoformat(text).timestamp() * 1e9))


def test_otel_files_read_spans_and_cumulative_metrics(db, tmp_path):
    spans = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "checkout-bot")]},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "name": "chat gpt-4o",
                                "startTimeUnixNano": _nanos(f"2026-11-23T09:{m:02d}:00+00:00"),
                                "attributes": [
                                    _attr("gen_ai.provider.name", "openai"),
                                    _attr("gen_ai.request.model", "gpt-4o-2024-05-13"),
                                    _attr("gen_ai.usage.input_tokens", 10),
                                    _attr("gen_ai.usage.output_tokens", 5),
                                ],
                            }
                            for m in (10, 14)
                        ]
                        + [{"name": "db query", "startTimeUnixNano": "1", "attributes": []}]
                        + [
                            {
                                "name": "invoke_agent checkout",
                                "startTimeUnixNano": _nanos("2026-11-23T09:10:00+00:00"),
                                "attributes": [
                                    _attr("gen_ai.operation.name", "invoke_agent"),
                                    _attr("gen_ai.request.model", "gpt-4o-2024-05-13"),
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    point_attrs = [
        _attr("gen_ai.system", "aws.bedrock"),
        _attr("gen_ai.request.model", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ]
    metrics = {
        "resourceMetrics": [
            {
                "resource": {"attributes": [_attr("service.name", "search-api")]},
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": "gen_ai.client.operation.duration",
                                "histogram": {
                                    "aggregationTemporality": 2,
                                    "dataPoints": [
                                        {
                                            "startTimeUnixNano": _nanos(
                                                "2026-11-20T00:00:00+00:00"
                                            ),
                                            "timeUnixNano": _nanos(t),
                                            "count": count,
                                            "sum": 1.5,
                                            "attributes": point_attrs,
                                        }
                                        for t, count in (
                                            ("2026-11-22T12:00:00+00:00", 40),
                                            ("2026-11-23T12:00:00+00:00", 45),
                                        )
                                    ],
                                },
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (tmp_path / "traces.json").write_text(json.dumps(spans) + "\n")
    with gzip.open(tmp_path / "metrics.jsonl.gz", "wt") as handle:
        handle.write(json.dumps(metrics) + "\n")
    config = teams(
        [
            {
                "id": "otel",
                "kind": "otel_files",
                "path": str(tmp_path),
                "teams": [
                    {"match": "checkout-*", "team": "payments"},
                    {"match": "search-api", "team": "search"},
                ],
            }
        ]
    )
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config)
    assert report.ok, report.error
    assert buckets(db, "otel") == [
        (
            "search",
            "search-api",
            "aws-bedrock",
            "claude-3-5-sonnet-20241022",
            "2026-11-22",
            40,
            None,
        ),
        ("payments", "checkout-bot", "openai", "gpt-4o-2024-05-13", "2026-11-23", 2, 30),
        (
            "search",
            "search-api",
            "aws-bedrock",
            "claude-3-5-sonnet-20241022",
            "2026-11-23",
            5,
            None,
        ),
    ]


def test_otel_a_line_that_is_not_json_keeps_the_buckets(db, tmp_path):
    (tmp_path / "a.json").write_text("{not json\n")
    config = teams([{"id": "otel", "kind": "otel_files", "path": str(tmp_path)}])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config)
    assert not report.ok and "a.json:1 is not JSON" in report.error


def test_pull_sources_refreshes_exposures(db, httpserver, key):
    from tests.test_decide import put_records

    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"}])
    api = OpenAIUsage(key=key, rows=ROWS)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"), endpoints=["completions"])])
    pull_sources(db, config, now=NOW, settings=FAST)
    rows = list(db.query("SELECT team, requests_7d, last_call, origin FROM exposures"))
    assert rows == [
        {"team": "payments", "requests_7d": 2500, "last_call": "2026-11-23", "origin": "pull"}
    ]


# --------------------------------------------------------------------------- CLI


def test_cli_usage_pull_fills_buckets_and_a_second_pull_changes_nothing(tmp_path, httpserver, key):
    from click.testing import CliRunner

    from pipeline.cli import main

    api = OpenAIUsage(key=key, rows=ROWS)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    teams_path = tmp_path / "teams.yml"
    teams_path.write_text(
        json.dumps(
            {
                "teams": [{"name": "payments"}, {"name": "search"}],
                "usage_sources": [
                    openai_source(httpserver.url_for("/v1"), endpoints=["completions"]),
                    {"id": "otel", "kind": "otel_files", "path": str(tmp_path / "missing")},
                ],
            }
        )
    )
    db_path = str(tmp_path / "sunset.db")
    args = ["usage", "pull", "--teams", str(teams_path), "--db", db_path]
    args += ["--now", "2026-11-24T06:00:00Z", "--source", "openai-org"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "openai-org: 4 buckets for payments, search; new unowned units: proj_unknown" in (
        first.output
    )
    from storage.db import open_db

    db = open_db(db_path)
    snapshot = buckets(db)
    db.close()
    second = CliRunner().invoke(main, args)
    assert "openai-org: 4 buckets for payments, search" in second.output
    assert "unowned" not in second.output
    db = open_db(db_path)
    assert buckets(db) == snapshot
    db.close()

    failing = CliRunner().invoke(main, [*args[:-2], "--source", "otel"])
    assert failing.exit_code == 1
    assert "otel: failed:" in failing.output and "previous buckets kept" in failing.output
    unknown = CliRunner().invoke(main, [*args[:-2], "--source", "nope"])
    assert unknown.exit_code == 2 and "no usage source 'nope'" in unknown.output


# --------------------------------------------------------------------------- shared behaviour


@pytest.mark.parametrize(
    ("raw", "config", "hint", "expected"),
    [
        ("openai/gpt-4o", {}, None, ("openai", "gpt-4o")),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            {},
            None,
            ("aws-bedrock", "claude-3-5-sonnet-20241022"),
        ),
        (
            "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            {},
            None,
            ("aws-bedrock", "claude-3-haiku-20240307"),
        ),
        (
            "prod-gpt4o",
            {"model_map": {"prod-gpt4o": "gpt-4o-2024-08-06"}},
            "azure-openai",
            ("azure-openai", "gpt-4o-2024-08-06"),
        ),
        (
            "claude-3-5-sonnet-v2@20241022",
            {},
            None,
            ("google-vertex", "claude-3-5-sonnet-20241022"),
        ),
        ("gpt-4o", {"provider": "azure-openai"}, "openai", ("azure-openai", "gpt-4o")),
        ("nimbus-large-1", {}, None, ("*", "nimbus-large-1")),
    ],
)
def test_model_ids_are_normalised_as_matching_does(raw, config, hint, expected):
    from pipeline.core.usage_config import UsageSourceConfig
    from pipeline.usage.pullers.normalize import normalize

    source = UsageSourceConfig.model_validate(
        {"id": "s", "kind": "otel_files", "path": "/x", **config}
    )
    assert normalize(raw, source, provider_hint=hint) == expected


def _http_source(kind: str, url: str) -> tuple[dict, object, str]:
    if kind == "anthropic_usage":
        return (
            {"id": "s", "kind": kind, "base_url": url, "key_env": "ANTHROPIC_ADMIN_KEY"},
            AnthropicUsage,
            "/v1/organizations/usage_report/messages",
        )
    return (
        {"id": "s", "kind": kind, "base_url": url, "key_env": "LITELLM_MASTER_KEY"},
        LiteLLMSpendLogs,
        "/spend/logs/v2",
    )


@pytest.mark.parametrize("kind", ["anthropic_usage", "litellm"])
def test_429_then_401_for_the_other_apis(db, httpserver, key, kind):
    entry, standin, path = _http_source(kind, httpserver.url_for("/"))
    rows = [("2026-11-23", "u", "claude-3-haiku-20240307", 2, 20)]
    api = standin(key=key, rows=rows, fail_first=[(429, {"Retry-After": "3"})])
    httpserver.expect_request(path).respond_with_handler(api)
    config = teams([entry])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok and report.waits == [0.05]
    api.key = "another-key-entirely"
    failed = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert not failed.ok and "HTTP 401" in failed.error and entry["key_env"] in failed.error
    assert len(buckets(db, "s")) == 1  # kept


def test_litellm_without_spend_logs_v2_is_read_from_the_ui_endpoint(db, httpserver, key):
    api = LiteLLMSpendLogs(key=key, rows=[("2026-11-23", "checkout", "gpt-4o-2024-05-13", 2, 20)])
    httpserver.expect_request("/spend/logs/v2").respond_with_data("Not Found", status=404)
    httpserver.expect_request("/spend/logs/ui").respond_with_handler(api)
    entry, _, _ = _http_source("litellm", httpserver.url_for("/"))
    config = teams([{**entry, "teams": [{"match": "checkout", "team": "payments"}]}])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok, report.error
    assert buckets(db, "s")[0][:2] == ("payments", "checkout")


def test_otel_spans_and_metrics_of_the_same_calls_are_not_counted_twice(db, tmp_path):
    attrs = [_attr("gen_ai.request.model", "gpt-4o-2024-05-13")]
    resource = {"attributes": [_attr("service.name", "checkout-bot")]}
    spans = {
        "resourceSpans": [
            {
                "resource": resource,
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "startTimeUnixNano": _nanos(f"2026-11-23T10:0{m}:00+00:00"),
                                "attributes": attrs,
                            }
                            for m in range(3)
                        ]
                    }
                ],
            }
        ]
    }
    point = {"timeUnixNano": _nanos("2026-11-23T10:05:00+00:00"), "count": "3", "attributes": attrs}
    metric = {
        "name": "gen_ai.client.operation.duration",
        "histogram": {"aggregationTemporality": 1, "dataPoints": [point]},
    }
    metrics = {"resourceMetrics": [{"resource": resource, "scopeMetrics": [{"metrics": [metric]}]}]}
    (tmp_path / "all.jsonl").write_text(json.dumps(spans) + "\n" + json.dumps(metrics) + "\n")
    config = teams(
        [
            {
                "id": "otel",
                "kind": "otel_files",
                "path": str(tmp_path),
                "teams": [{"match": "checkout-bot", "team": "payments"}],
            }
        ]
    )
    assert pull_source(db, config.usage_sources[0], now=NOW, teams=config).ok
    assert [b[5] for b in buckets(db, "otel")] == [3]


def test_a_crashing_source_fails_alone(db, tmp_path, monkeypatch):
    from pipeline.usage.pullers import otel

    def broken(source, *, start, end):
        raise KeyError("resourceSpans")

    (tmp_path / "good").mkdir()
    config = teams(
        [
            {"id": "bad", "kind": "otel_files", "path": str(tmp_path)},
            {"id": "good", "kind": "otel_files", "path": str(tmp_path / "good")},
        ]
    )
    calls = []
    real = otel.pull

    def pull(source, *, start, end):
        calls.append(source.id)
        return (
            broken(source, start=start, end=end)
            if source.id == "bad"
            else real(source, start=start, end=end)
        )

    monkeypatch.setattr(otel, "pull", pull)
    reports = pull_sources(db, config, now=NOW)
    assert [(r.source_id, r.ok) for r in reports] == [("bad", False), ("good", True)]
    assert "KeyError" in reports[0].error
    assert db["usage_sources"].get("bad")["health"] == "failing"


def test_the_readme_example_is_a_valid_teams_yml(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Usage sources", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "teams.yml"
    path.write_text("teams: [{name: payments}, {name: search}]\n" + example)
    loaded = load_teams(path)
    assert [s.kind for s in loaded.usage_sources] == [
        "openai_usage",
        "anthropic_usage",
        "litellm",
        "otel_files",
    ]


def test_check_counts_usage_sources_and_refuses_a_malformed_key(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import main

    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources: [{id: a, provider: openai, url: 'https://a.test/', format: html}]\n"
    )
    path = tmp_path / "teams.yml"
    path.write_text(
        json.dumps(
            {
                "teams": [{"name": "payments"}, {"name": "search"}],
                "usage_sources": [openai_source("https://api.test/v1")],
            }
        )
    )
    args = ["check", "--sources", str(sources), "--teams", str(path)]
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0 and "ok: 2 teams, 1 usage source" in ok.output
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-broken\nvalue-part")
    bad = CliRunner().invoke(main, args)
    assert bad.exit_code == 2 and "OPENAI_ADMIN_KEY" in bad.output
    assert "value-part" not in bad.output


def test_anthropic_analytics_report_counts_requests_per_product(db, httpserver, key):
    rows = [
        ("2026-11-23", "claude_code", "claude-sonnet-4-20250514", 420, 9000),
        ("2026-11-23", None, "claude-3-haiku-20240307", 3, 30),
    ]
    api = AnthropicUsage(key=key, rows=rows, analytics=True)
    httpserver.expect_request("/v1/organizations/analytics/usage_report").respond_with_handler(api)
    config = teams(
        [
            {
                "id": "claude-enterprise",
                "kind": "anthropic_usage",
                "report": "analytics",
                "base_url": httpserver.url_for("/"),
                "key_env": "ANTHROPIC_ADMIN_KEY",
                "teams": [{"match": "claude_code", "team": "payments"}],
            }
        ]
    )
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
    assert report.ok, report.error
    assert buckets(db, "claude-enterprise") == [
        (
            "payments",
            "claude_code",
            "anthropic",
            "claude-sonnet-4-20250514",
            "2026-11-23",
            420,
            9000,
        ),
        (None, "other", "anthropic", "claude-3-haiku-20240307", "2026-11-23", 3, 30),
    ]


def test_cli_usage_pull_with_a_future_now_writes_nothing_without_commit(tmp_path):
    """A pull dated in the future would set the source's next pull to that date, and the
    worker would not pull it until then: like run/deliver/digest, it needs --commit."""
    from click.testing import CliRunner

    from pipeline.cli import main
    from storage.db import open_db

    (tmp_path / "otel").mkdir()
    teams_path = tmp_path / "teams.yml"
    teams_path.write_text(
        json.dumps(
            {
                "teams": [{"name": "payments"}],
                "usage_sources": [
                    {"id": "otel", "kind": "otel_files", "path": str(tmp_path / "otel")}
                ],
            }
        )
    )
    db_path = str(tmp_path / "sunset.db")
    args = ["usage", "pull", "--teams", str(teams_path), "--db", db_path]

    def next_due() -> str:
        db = open_db(db_path)
        try:
            return db.execute("SELECT next_due_at FROM usage_sources").fetchone()[0]
        finally:
            db.close()

    assert CliRunner().invoke(main, args).exit_code == 0
    today = next_due()
    future = CliRunner().invoke(main, [*args, "--now", "2999-06-01"])
    assert future.exit_code == 0, future.output
    assert "is in the future: nothing is written" in future.output
    assert next_due() == today
    committed = CliRunner().invoke(main, [*args, "--now", "2999-06-01", "--commit"])
    assert committed.exit_code == 0, committed.output
    assert next_due().startswith("2999-06-02")


def test_a_crash_that_echoes_the_key_stores_and_alerts_it_redacted(db, monkeypatch, key):
    """The README: secret values are redacted from every stored error and operator alert.
    A puller bug whose message carries the key (a header echoed in an exception) must not
    put it into usage_sources.last_error, health_reason or the ops alert."""
    from pipeline.usage.pullers import pull as pull_module

    def crash(client, source, start, end):
        raise RuntimeError(f"unexpected header Authorization: Bearer {key}")
        yield

    headers, _ = pull_module._HTTP_KINDS["openai_usage"]
    monkeypatch.setitem(pull_module._HTTP_KINDS, "openai_usage", (headers, crash))
    config = teams([openai_source("http://127.0.0.1:9/v1")])
    report = pull_source(db, config.usage_sources[0], now=NOW, teams=config)
    assert not report.ok
    row = db["usage_sources"].get("openai-org")
    stored = " ".join(
        [report.error, row["last_error"], row["health_reason"], *map(str, ops_alerts(db))]
    )
    assert "RuntimeError" in stored and "<OPENAI_ADMIN_KEY>" in stored
    assert key not in stored and key[3:] not in stored


def test_an_empty_answer_does_not_wipe_the_windows_buckets(db, httpserver, key):
    """A usage cliff (issue 23, weak 6): `data: []` for a window that holds buckets."""
    api = OpenAIUsage(key=key, rows=ROWS)
    httpserver.expect_request("/v1/organization/usage/completions").respond_with_handler(api)
    config = teams([openai_source(httpserver.url_for("/v1"), endpoints=["completions"])])
    assert pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST).ok
    before = buckets(db)
    api.rows = []
    reports = [
        pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=FAST)
        for _ in range(3)
    ]
    assert not any(r.ok for r in reports)
    assert "usage cliff" in (reports[0].error or "")
    assert buckets(db) == before
    assert [a.items[0].status for a in ops_alerts(db)].count("failing") == 1
    # Once the old days have left the window, silence is believed.
    later = NOW + dt.timedelta(days=8)
    assert pull_source(db, config.usage_sources[0], now=later, teams=config, settings=FAST).ok
