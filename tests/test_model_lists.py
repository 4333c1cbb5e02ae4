"""Model-list sources (`kind: model_list`) against local stand-ins of the providers'
list-models endpoints (tests/model_list_standins.py): shapes, paging, keys, and the
baseline -> listed -> gone -> listed again life of a model through real cycles."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict

import pytest

from pipeline.core.config import ConfigError, SourceConfig, TeamsFile, load_sources
from pipeline.core.models import Alert, Record
from pipeline.fetch import FetchSettings
from pipeline.fetch.errors import PullError
from pipeline.ops.cycle import run_cycle
from pipeline.sources.model_lists.pull import pull_listing
from pipeline.sources.model_lists.shapes import ListedModel, parse_page
from storage import records as record_store
from storage import sources as source_store
from storage.db import transaction
from tests.model_list_standins import (
    AnthropicModels,
    GeminiModels,
    MistralModels,
    OpenAIModels,
    TogetherModels,
)

DAY = dt.datetime(2026, 9, 1, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(attempts=1, backoff_initial=0.01, backoff_max=0.01, respect_robots=False)
KEY = "sk-test-0123456789abcdefSECRET"
TEAMS = TeamsFile.model_validate(
    {
        "delivery": {"ops": {"slack_channel": "#ops"}},
        "teams": [{"name": "core", "slack_channel": "#core", "uses": [{"model": "m-old"}]}],
    }
)


def serve(httpserver, standin, path="/v1/models"):
    httpserver.expect_request(path).respond_with_handler(standin)
    return httpserver.url_for(path)


def source(url, provider="acme", **extra) -> SourceConfig:
    return SourceConfig(
        id=f"{provider}-models", kind="model_list", provider=provider, url=url,
        key_env="ACME_KEY", **extra,
    )  # fmt: skip


def record(db, model, provider="acme"):
    row = record_store.find_record(db, provider, model)
    return record_store.decode_record(row) if row else None


def add_page_source(db, source_id, provider):
    source_store.sync_sources(
        db,
        [{"id": source_id, "provider": provider, "url": "https://docs.test/", "format": "html",
          "interval_minutes": 360, "enabled": 1}],
    )  # fmt: skip


def page_record(provider, model, review_reason=None, **fields):
    """A record as a page's extraction stores it."""
    return {**asdict(Record(provider, model, **fields)), "review_reason": review_reason}


def ops_alerts(db) -> list[Alert]:
    return [
        Alert.from_payload(r["payload"])
        for r in db.query("SELECT payload FROM alerts WHERE team = 'ops' ORDER BY id")
    ]


def pull(db, sources, hours=0, teams=TEAMS):
    return run_cycle(db, sources, now=DAY + dt.timedelta(hours=hours), settings=FAST, teams=teams)


# ---------------------------------------------------------------- shapes


def test_openai_envelope_together_array_and_mistral_cards():
    page = parse_page({"object": "list", "data": [{"id": "gpt-x", "object": "model"}]}, "openai")
    assert page.models == (ListedModel("gpt-x"),) and page.next_cursor is None
    page = parse_page([{"id": "org/llama", "object": "model"}], "openai")
    assert page.models == (ListedModel("org/llama"),)
    card = {
        "id": "mistral-small-2506",
        "aliases": ["mistral-small-latest", "mistral-small-2506"],
        "deprecation": "2026-07-31T12:00:00Z",
        "deprecation_replacement_model": "mistral-small-2603",
    }
    (model,) = parse_page({"object": "list", "data": [card]}, "openai").models
    assert model == ListedModel(
        "mistral-small-2506", "2026-07-31", "mistral-small-2603", ("mistral-small-latest",)
    )


def test_unreadable_deprecation_is_a_warning_and_no_date():
    page = parse_page({"data": [{"id": "m", "deprecation": "soon"}]}, "openai")
    assert page.models == (ListedModel("m"),)
    assert page.warnings == ("model m: deprecation 'soon' is not a date: ignored",)


@pytest.mark.parametrize(
    ("body", "api"),
    [
        ({"object": "list", "data": [{"object": "model"}]}, "openai"),
        ({"object": "list", "data": "nope"}, "openai"),
        ({"models": [{"displayName": "x"}]}, "gemini"),
        ({"models": [], "nextPageToken": 3}, "gemini"),
        ({"error": {"message": "x"}}, "openai"),
        ([{"id": "m"}], "anthropic"),  # Anthropic always answers an object
        ({"data": [{"id": "a"}], "has_more": True, "last_id": None}, "anthropic"),
    ],
)
def test_malformed_lists_are_refused(body, api):
    with pytest.raises(PullError, match="malformed response: model list"):
        parse_page(body, api)


# ---------------------------------------------------------------- pulling


def test_anthropic_pages_are_followed_with_after_id(httpserver, monkeypatch):
    monkeypatch.setenv("ACME_KEY", KEY)
    names = [f"claude-{n}" for n in range(5)]
    standin = AnthropicModels(key=KEY, models=names, page_cap=2)
    url = serve(httpserver, standin)
    listing = pull_listing(source(url, api="anthropic"), settings=FAST)
    assert [m.id for m in listing.models] == names
    assert [r.args.get("after_id") for r in standin.seen] == [None, "claude-1", "claude-3"]
    assert all(r.headers["anthropic-version"] == "2023-06-01" for r in standin.seen)
    assert all(r.args["limit"] == "1000" for r in standin.seen)


def test_anthropic_is_chosen_by_host_and_standin_refuses_what_the_api_refuses(httpserver):
    assert (
        SourceConfig(
            id="a",
            kind="model_list",
            provider="anthropic",
            url="https://api.anthropic.com/v1/models",
        ).list_api
        == "anthropic"
    )
    import httpx

    url = serve(httpserver, AnthropicModels(key=KEY, models=["m"]))
    assert httpx.get(url, headers={"x-api-key": KEY}).status_code == 400  # no version
    assert httpx.get(url, headers={"x-api-key": "no"}).status_code == 401
    version = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    assert httpx.get(url, params={"limit": 1001}, headers=version).status_code == 400


def test_gemini_pages_are_followed_and_the_key_is_a_header(httpserver, monkeypatch):
    monkeypatch.setenv("ACME_KEY", KEY)
    names = ["gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004"]
    standin = GeminiModels(key=KEY, models=names, page_cap=2)
    url = serve(httpserver, standin, "/v1beta/models")
    listing = pull_listing(source(url, api="gemini"), settings=FAST)
    assert [m.id for m in listing.models] == names
    assert [r.args.get("pageToken") for r in standin.seen] == [None, "2"]
    assert all("key" not in r.args and r.headers["x-goog-api-key"] == KEY for r in standin.seen)
    host = "https://generativelanguage.googleapis.com/v1beta/models"
    assert source(host).list_api == "gemini"
    standin.key = "another"
    with pytest.raises(PullError, match="HTTP 400") as refused:
        pull_listing(source(url, api="gemini"), settings=FAST)
    assert KEY not in str(refused.value)


def test_together_array_is_read(httpserver, monkeypatch):
    monkeypatch.setenv("ACME_KEY", KEY)
    url = serve(httpserver, TogetherModels(key=KEY, models=["meta-llama/Llama-3.3-70B"]))
    assert [m.id for m in pull_listing(source(url), settings=FAST).models] == [
        "meta-llama/Llama-3.3-70B"
    ]


def test_unset_key_and_wrong_key_fail_without_the_key(httpserver, monkeypatch, db, caplog):
    url = serve(httpserver, OpenAIModels(key=KEY, models=["m"]))
    monkeypatch.delenv("ACME_KEY", raising=False)
    with pytest.raises(PullError, match="environment variable ACME_KEY is not set"):
        pull_listing(source(url), settings=FAST)
    wrong = "sk-test-wrongwrongwrong-SECRET2"
    monkeypatch.setenv("ACME_KEY", wrong)
    caplog.set_level(logging.DEBUG)
    report = pull(db, [source(url)])
    error = report.failures["acme-models"]
    assert "HTTP 401" in error and "ACME_KEY" in error
    dump = "\n".join(db.conn.iterdump())
    for secret in (wrong, wrong[-4:] + ".", KEY):
        assert secret not in dump and secret not in caplog.text and secret not in error
    fetch = next(db.query("SELECT outcome, error_type FROM fetches"))
    assert fetch == {"outcome": "error", "error_type": "auth"}


# ---------------------------------------------------------------- the life of a model


def test_present_present_gone_gives_one_review_record_and_one_ops_notice(
    httpserver, monkeypatch, db
):
    monkeypatch.setenv("ACME_KEY", KEY)
    standin = OpenAIModels(key=KEY, models=["m-new", "m-old"])
    sources = [source(serve(httpserver, standin))]
    pull(db, sources, 0)  # baseline
    pull(db, sources, 12)  # listed twice in a row
    assert record(db, "m-old") is None and ops_alerts(db) == []
    standin.models.remove("m-old")
    report = pull(db, sources, 24)
    gone = record(db, "m-old")
    assert gone["review_state"] == "needs_review"
    assert gone["review_reason"] == "no longer listed since 2026-09-02"
    assert gone["status"] == "retired" and gone["shutdown_date"] is None
    assert gone["source_id"] == "acme-models" and gone["listed"] == 1
    assert report.review_ids == [gone["id"]]
    assert len(ops_alerts(db)) == 1
    assert not list(db.query("SELECT * FROM alerts WHERE team = 'core'"))  # held for review
    for hours in (36, 48):  # still gone: nothing new
        report = pull(db, sources, hours)
        assert report.review_ids == [] and report.records_new == 0
    assert len(ops_alerts(db)) == 1
    assert [r["model"] for r in db.query("SELECT model FROM records")] == ["m-old"]
    dump = "\n".join(db.conn.iterdump())  # records, snapshots, fetches, the ops alert
    assert KEY not in dump and KEY[-8:] not in dump


def test_a_model_listed_once_then_missing_is_a_blip(httpserver, monkeypatch, db):
    monkeypatch.setenv("ACME_KEY", KEY)
    standin = OpenAIModels(key=KEY, models=["a", "b"])
    sources = [source(serve(httpserver, standin))]
    pull(db, sources, 0)
    pull(db, sources, 12)
    standin.models.append("flicker")
    pull(db, sources, 24)
    standin.models.remove("flicker")
    pull(db, sources, 36)
    assert record(db, "flicker") is None and ops_alerts(db) == []


def test_a_model_listed_again_withdraws_its_record(httpserver, monkeypatch, db):
    monkeypatch.setenv("ACME_KEY", KEY)
    standin = OpenAIModels(key=KEY, models=["a", "b"])
    sources = [source(serve(httpserver, standin))]
    for hours in (0, 12):
        pull(db, sources, hours)
    standin.models.remove("b")
    pull(db, sources, 24)
    assert record(db, "b")["review_state"] == "needs_review"
    standin.models.append("b")
    pull(db, sources, 36)
    withdrawn = record(db, "b")
    assert withdrawn["review_state"] == "rejected" and withdrawn["listed"] == 0
    log = list(db.query("SELECT action, reason FROM review_log ORDER BY id"))
    assert log[-1] == {"action": "rejected", "reason": "listed again on 2026-09-02"}
    # Gone again later: the same record waits for review again (listed on two pulls first).
    pull(db, sources, 48)
    standin.models.remove("b")
    pull(db, sources, 60)
    again = record(db, "b")
    assert again["listed"] == 1 and again["review_state"] == "needs_review"


def test_mistral_deprecation_is_a_dated_record_that_matches_the_page(httpserver, monkeypatch, db):
    monkeypatch.setenv("ACME_KEY", KEY)
    # The page stated the date first, but doubtfully: its record waits for review.
    add_page_source(db, "mistral-page", "mistral")
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="mistral-page",
            records=[
                page_record(
                    "mistral",
                    "mistral-medium-2508",
                    shutdown_date="2026-08-31",
                    shutdown_kind="firm",
                    review_reason="confidence 0.40 below 0.50",
                )
            ],
            snapshot_sha256=None,
            now="2026-08-30T00:00:00Z",
            run_id=None,
        )
    standin = MistralModels(
        key=KEY,
        models=[
            (
                "mistral-medium-2508",
                {
                    "deprecation": "2026-08-31T00:00:00Z",
                    "deprecation_replacement_model": "mistral-medium-2603",
                },
            ),
            ("mistral-large-2411", {"deprecation": "2026-11-30T12:00:00Z"}),
            "mistral-small-2603",
        ],
    )
    sources = [source(serve(httpserver, standin), provider="mistral")]
    pull(db, sources, 0)
    page = record(db, "mistral-medium-2508", "mistral")
    assert page["shutdown_date"] == "2026-08-31" and page["review_state"] == "confirmed"
    assert page["reviewed_by"] == "source:mistral-models"
    listed = record(db, "mistral-large-2411", "mistral")
    assert (listed["shutdown_date"], listed["shutdown_kind"], listed["review_state"]) == (
        "2026-11-30",
        "firm",
        "ok",
    )
    assert record(db, "mistral-small-2603", "mistral") is None
    # Listed twice, then gone after its own date: an announced removal, not held.
    pull(db, sources, 12)
    standin.models.pop(0)
    pull(db, sources, 24)
    assert record(db, "mistral-medium-2508", "mistral")["shutdown_date"] == "2026-08-31"


def test_gone_record_and_page_record_confirm_each_other(httpserver, monkeypatch, db):
    monkeypatch.setenv("ACME_KEY", KEY)
    standin = OpenAIModels(key=KEY, models=["keep", "m-old", "m-page"])
    sources = [source(serve(httpserver, standin))]
    pull(db, sources, 0)
    pull(db, sources, 12)
    # A page already waits for review on m-page with a date the removal bears out.
    add_page_source(db, "acme-page", "acme")
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="acme-page",
            records=[
                page_record(
                    "acme",
                    "m-page",
                    shutdown_date="2026-09-01",
                    shutdown_kind="firm",
                    review_reason="page structure changed",
                )
            ],
            snapshot_sha256=None,
            now="2026-09-01T12:00:00Z",
            run_id=None,
        )
    standin.models[:] = ["keep"]
    pull(db, sources, 24)
    assert record(db, "m-page")["review_state"] == "confirmed"  # the list confirms the page
    assert record(db, "m-page")["source_id"] == "acme-page"
    assert record(db, "m-old")["review_state"] == "needs_review"
    # Later a page gives m-old's shutdown date: the page confirms the list's record.
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="acme-page",
            records=[
                page_record("acme", "m-old", shutdown_date="2026-08-31", shutdown_kind="firm")
            ],
            snapshot_sha256=None,
            now="2026-09-02T12:00:00Z",
            run_id=None,
        )
    pull(db, sources, 36)
    old = record(db, "m-old")
    assert old["shutdown_date"] == "2026-08-31" and old["review_state"] == "confirmed"
    assert old["reviewed_by"] == "source:acme-page"


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{id: a, provider: x, format: html, url: 'https://x.test/', key_env: K}",
            "key_env is only for sources of kind model_list",
        ),
        ("{id: a, kind: model_list, url: 'https://x.test/v1/models'}", "provider: Field required"),
        (
            "{id: a, kind: model_list, provider: x, format: html, url: 'https://x.test/m'}",
            "a model list is JSON: leave format out",
        ),
        (
            "{id: a, kind: model_list, provider: x, url: 'https://x.test/m', key_env: lower}",
            "not an environment variable name",
        ),
        (
            "{id: a, kind: model_list, provider: x, url: 'https://x.test/m', api: bedrock}",
            "api: Input should be 'openai', 'anthropic' or 'gemini'",
        ),
    ],
)
def test_model_list_config_is_strict(tmp_path, entry, message):
    path = tmp_path / "sources.yml"
    path.write_text(f"sources:\n  - {entry}\n")
    with pytest.raises(ConfigError, match=message):
        load_sources(path)


def test_a_list_date_that_differs_from_the_page_is_a_warning_not_an_overwrite(
    httpserver, monkeypatch, db
):
    monkeypatch.setenv("ACME_KEY", KEY)
    add_page_source(db, "mistral-page", "mistral")
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="mistral-page",
            records=[
                page_record(
                    "mistral", "codestral-2405", shutdown_date="2026-08-31", shutdown_kind="firm"
                )
            ],
            snapshot_sha256=None,
            now="2026-08-30T00:00:00Z",
            run_id=None,
        )
    standin = MistralModels(key=KEY, models=[("codestral-2405", {"deprecation": "2026-09-30"})])
    pull(db, [source(serve(httpserver, standin), provider="mistral")])
    kept = record(db, "codestral-2405", "mistral")
    assert kept["shutdown_date"] == "2026-08-31" and kept["source_id"] == "mistral-page"
    (warning,) = [r["message"] for r in db.query("SELECT * FROM warnings")]
    assert warning == (
        "model codestral-2405: the list says 2026-09-30, source mistral-page says 2026-08-31"
    )


def test_a_stop_between_model_lists_leaves_the_rest_for_next_time(httpserver, monkeypatch, db):
    import threading

    monkeypatch.setenv("ACME_KEY", KEY)
    stop = threading.Event()
    first = OpenAIModels(key=KEY, models=["a"])

    def answer_then_stop(request):
        stop.set()  # Ctrl-C arrives while the first list is being pulled
        return first(request)

    httpserver.expect_request("/one/models").respond_with_handler(answer_then_stop)
    second = OpenAIModels(key=KEY, models=["b"])
    lists = [
        source(httpserver.url_for("/one/models")),
        source(serve(httpserver, second, "/two/models"), provider="beta"),
    ]
    report = run_cycle(db, lists, now=DAY, settings=FAST, teams=TEAMS, stop=stop)
    assert report.fetched == 1 and second.seen == []
    run = next(db.query("SELECT status FROM runs"))
    assert run["status"] == "stopped"
    due = {r["id"]: r["next_due_at"] for r in db.query("SELECT id, next_due_at FROM sources")}
    assert due["beta-models"] is None  # pulled at the next run


def test_a_deprecation_the_list_drops_withdraws_its_record(httpserver, monkeypatch, db):
    monkeypatch.setenv("ACME_KEY", KEY)
    standin = MistralModels(key=KEY, models=[("m", {"deprecation": "2026-12-01T00:00:00Z"})])
    sources = [source(serve(httpserver, standin), provider="mistral")]
    pull(db, sources, 0)
    assert record(db, "m", "mistral")["listed"] == 1
    standin.models[:] = ["m"]  # still listed, no longer deprecated
    pull(db, sources, 12)
    assert record(db, "m", "mistral")["listed"] == 0
