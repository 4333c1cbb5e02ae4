"""Datasette over a real store: metadata, canned queries, views and full-text search.

Starts `serve_command` as a subprocess on a free loopback port and reads its JSON API.
Dates are relative to the real today because the canned queries use SQLite's date('now').
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.ops.serve import database_name, metadata_for, packaged_metadata, serve_command
from storage.db import open_db

STARTUP_DEADLINE_S = 20.0


def _day(offset: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=offset)).isoformat()


def _stamp(offset_days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=offset_days)).isoformat(timespec="seconds")


def _record(
    db: Any, rid: int, provider: str, model: str, shutdown: str | None, **extra: Any
) -> None:
    row = {
        "id": rid,
        "provider": provider,
        "model": model,
        "shutdown_date": shutdown,
        "shutdown_kind": "firm" if shutdown else "none",
        "replacements": "[]",
        "aliases": "[]",
        "evidence": "",
        "first_seen": _stamp(-40),
        "last_seen": _stamp(0),
        **extra,
    }
    db["records"].insert(row)


def _insert(db: Any, table: str, rows: list[dict[str, Any]]) -> None:
    # One insert per row: insert_all would fill columns missing from a row with NULL.
    for row in rows:
        db[table].insert(row)


def _populate(path: Path) -> None:
    db = open_db(path)
    _insert(
        db,
        "sources",
        [
            {
                "id": "openai-deprecations",
                "provider": "openai",
                "url": "https://o.test/d",
                "format": "html",
                "health": "ok",
                "last_status": "200",
            },
            {
                "id": "anthropic-deprecations",
                "provider": "anthropic",
                "url": "https://a.test/d",
                "format": "html",
                "health": "failing",
                "consecutive_failures": 3,
                "last_status": "503",
                "last_error": "HTTP 503",
            },
        ],
    )
    _insert(
        db,
        "fetches",
        [
            {"source_id": "openai-deprecations", "started": _stamp(-1), "outcome": "ok"},
            {"source_id": "anthropic-deprecations", "started": _stamp(-1), "outcome": "error"},
        ],
    )
    _record(
        db,
        1,
        "openai",
        "gpt-4o-2024-05-13",
        _day(20),
        aliases='["gpt-4o-may"]',
        replacements='["gpt-4.1"]',
        evidence="gpt-4o-2024-05-13 will be retired" + " on the date in the table below" * 5,
        url="https://o.test/d",
        field_sources='{"shutdown_date": "openai-deprecations", "replacements": "x"}',
    )
    _record(db, 2, "anthropic", "claude-2.1", _day(200), evidence="Claude 2.1 retirement")
    _record(db, 3, "openai", "text-davinci-003", _day(-100))
    _record(db, 4, "openai", "dall-e-2", None, aliases='["zebracorn"]')
    # Waiting for review: shown to the operator, left out of what teams see.
    _record(
        db,
        6,
        "openai",
        "gpt-doubtful-1",
        _day(10),
        confidence=0.4,
        why='["model named under a Substitute column"]',
        review_state="needs_review",
        review_reason="confidence 0.40 below 0.60",
        source_id="openai-deprecations",
        evidence="gpt-doubtful-1 maybe",
    )
    # The same model leaving a product: its own record beside the API one.
    _record(db, 5, "openai", "gpt-4o-2024-05-13", _day(25), scope="product:chatgpt")
    _insert(
        db,
        "sources",
        [
            {
                "id": "litellm",
                "kind": "reference",
                "provider": "*",
                "url": "https://l.test/m.json",
                "format": "json",
            }
        ],
    )
    _insert(
        db,
        "disagreements",
        [
            {
                "record_id": 2,
                "source_id": "litellm",
                "record_date": _day(200),
                "reference_date": _day(210),
                "reference_model": "claude-2.1",
                "status": "open",
                "first_seen": _stamp(-1),
                "last_seen": _stamp(0),
                "alerted_at": _stamp(-1),
            },
            {
                "record_id": 1,
                "source_id": "litellm",
                "record_date": _day(10),
                "reference_date": _day(12),
                "reference_model": "gpt-4o-2024-05-13",
                "status": "resolved",
                "first_seen": _stamp(-9),
                "last_seen": _stamp(-3),
                "alerted_at": _stamp(-9),
                "resolved_at": _stamp(-2),
            },
        ],
    )
    _insert(
        db,
        "record_changes",
        [
            {
                "record_id": 1,
                "field": "shutdown_date",
                "old_value": _day(10),
                "new_value": _day(20),
                "changed_at": _stamp(-2),
            },
            {
                "record_id": 2,
                "field": "status",
                "old_value": "active",
                "new_value": "deprecated",
                "changed_at": _stamp(-30),
            },
        ],
    )
    _insert(db, "teams", [{"name": "search"}, {"name": "billing"}])
    _insert(
        db,
        "usage",
        [{"team": "search", "provider": "openai", "model": "gpt-doubtful-1", "origin": "declared"}],
    )
    _insert(
        db,
        "exposures",
        [
            {
                "team": "search",
                "record_id": 1,
                "usage_model": "gpt-4o-2024-05-13",
                "usage_provider": "openai",
                "how": "exact",
                "origin": "declared",
                "first_seen": _stamp(-5),
                "last_seen": _stamp(0),
                "requests_7d": 41230,
                "last_call": _stamp(0),
                "has_calls": 1,
            },
            {
                "team": "billing",
                "record_id": 2,
                "usage_model": "claude-2*",
                "usage_provider": "*",
                "how": "glob",
                "origin": "scan",
                "first_seen": _stamp(-5),
                "last_seen": _stamp(0),
                "requests_7d": 0,
                "last_call": _day(-45),
                "has_calls": 1,
            },
        ],
    )
    bucket = {"provider": "openai", "raw_model": "gpt-4o", "pulled_at": _stamp(0)}
    _insert(
        db,
        "usage_buckets",
        [
            {
                **bucket,
                "origin": "openai-org",
                "unit": "proj_x",
                "team": None,
                "model": "gpt-4o",
                "day": _day(-1),
                "requests": 7,
            },
            {
                **bucket,
                "origin": "openai-org",
                "unit": "proj_x",
                "team": None,
                "model": "gpt-4o",
                "day": _day(-20),
                "requests": 3,
            },
            {
                **bucket,
                "origin": "openai-org",
                "unit": "proj_pay",
                "team": "search",
                "model": "gpt-4o",
                "day": _day(-1),
                "requests": 100,
            },
        ],
    )
    alert = {
        "team": "search",
        "record_id": 1,
        "kind": "new",
        "channel": "slack",
        "next_attempt": _stamp(0),
        "payload": "{}",
        "created_at": _stamp(-1),
    }
    _insert(
        db,
        "alerts",
        [
            {**alert, "idempotency_key": "k1", "status": "pending"},
            {**alert, "idempotency_key": "k2", "status": "sent"},
            {**alert, "idempotency_key": "k3", "status": "dead", "last_error": "HTTP 404"},
        ],
    )
    db.conn.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, base: str, db_path: Path) -> None:
        self.base = base
        self.db_path = db_path
        self.name = database_name(db_path)

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.base + path, params=params, timeout=10)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def rows(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return self.get(f"/{self.name}/{path}.json", _shape="array", **params)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("datasette")
    db_path = directory / "sunset.db"
    _populate(db_path)
    port = _free_port()
    log_path = directory / "datasette.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_command(db_path, port), stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"datasette exited {process.returncode}: {log_path.read_text()}")
            try:
                if httpx.get(base + "/-/versions.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"datasette did not answer in time: {log_path.read_text()}")
            time.sleep(0.05)
        yield Server(base, db_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_command_is_read_only_with_packaged_metadata(tmp_path: Path) -> None:
    argv = serve_command(tmp_path / "sunset.db", 8123)
    assert argv[:4] == [sys.executable, "-m", "datasette", "serve"]
    assert "--immutable" not in argv
    assert argv[argv.index("--port") + 1] == "8123"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert Path(argv[argv.index("--metadata") + 1]) == packaged_metadata()
    assert packaged_metadata().is_file()


def test_metadata_is_rekeyed_for_other_file_names(tmp_path: Path) -> None:
    path = metadata_for(tmp_path / "watch.db")
    metadata = json.loads(path.read_text())
    assert list(metadata["databases"]) == ["watch"]
    assert "upcoming" in metadata["databases"]["watch"]["queries"]
    assert metadata_for(tmp_path / "watch.db") == path


def test_metadata_titles(server: Server) -> None:
    metadata = server.get("/-/metadata.json")
    assert metadata["title"] == "Sunset Watch"
    tables = metadata["databases"]["sunset"]["tables"]
    for table in (
        "sources",
        "fetches",
        "snapshots",
        "records",
        "record_changes",
        "teams",
        "usage",
        "exposures",
        "waivers",
        "alerts",
        "runs",
        "warnings",
        "locks",
        "upcoming_shutdowns",
        "team_exposure",
        "review_log",
        "needs_review",
        "team_products",
        "reference_entries",
        "confirmations",
        "disagreements",
        "usage_buckets",
        "usage_sources",
        "usage_units",
        "unowned_usage",
    ):
        assert tables[table]["title"] and tables[table]["description"], table


def test_upcoming(server: Server) -> None:
    soon = server.rows("upcoming", days=30)
    assert [(r["model"], r["scope"]) for r in soon] == [
        ("gpt-4o-2024-05-13", "api"),
        ("gpt-4o-2024-05-13", "product:chatgpt"),
    ]
    assert soon[0]["days_left"] == 20
    assert soon[0]["teams_exposed"] == 1
    year = server.rows("upcoming", days=365)
    assert [r["model"] for r in year] == ["gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "claude-2.1"]
    default = server.rows("upcoming")  # no :days given: 90
    assert "gpt-4o-2024-05-13" in [r["model"] for r in default]
    assert "claude-2.1" not in [r["model"] for r in default]


def test_exposure_by_team(server: Server) -> None:
    search = server.rows("exposure_by_team", team="search")
    assert [(r["team"], r["model"], r["how"]) for r in search] == [
        ("search", "gpt-4o-2024-05-13", "exact")
    ]
    everyone = server.rows("exposure_by_team", team="")
    assert {r["team"] for r in everyone} == {"search", "billing"}
    assert server.rows("exposure_by_team") == everyone


def test_exposure_by_volume(server: Server) -> None:
    rows = server.rows("exposure_by_volume")
    assert [(r["team"], r["model"], r["days_left"], r["requests_7d"], r["note"]) for r in rows] == [
        ("search", "gpt-4o-2024-05-13", 20, 41230, ""),
        ("billing", "claude-2.1", 200, 0, "no recent calls"),
    ]
    assert rows[0]["last_call"] and rows[0]["shutdown_date"] == _day(20)
    assert [r["team"] for r in server.rows("exposure_by_volume", team="billing")] == ["billing"]


def test_unowned_usage(server: Server) -> None:
    rows = server.rows("unowned_usage")
    assert [
        (r["source"], r["unit"], r["model"], r["requests_7d"], r["requests"]) for r in rows
    ] == [("openai-org", "proj_x", "gpt-4o", 7, 10)]


def test_changes_this_week(server: Server) -> None:
    changes = server.rows("changes_this_week")
    assert [(r["model"], r["provider"], r["field"]) for r in changes] == [
        ("gpt-4o-2024-05-13", "openai", "shutdown_date")
    ]
    assert changes[0]["new_value"] == _day(20)


def test_source_health(server: Server) -> None:
    sources = server.rows("source_health")
    assert [(s["id"], s["kind"]) for s in sources] == [
        ("anthropic-deprecations", "page"),
        ("litellm", "reference"),
        ("openai-deprecations", "page"),
    ]
    failing = sources[0]
    assert failing["health"] == "failing"
    assert failing["consecutive_failures"] == 3
    assert failing["last_error"] == "HTTP 503"
    assert failing["last_fetch_outcome"] == "error"


def test_alerts_attention(server: Server) -> None:
    alerts = server.rows("alerts_attention")
    assert [(a["status"], a["model"]) for a in alerts] == [
        ("dead", "gpt-4o-2024-05-13"),
        ("pending", "gpt-4o-2024-05-13"),
    ]


def test_views(server: Server) -> None:
    upcoming = server.rows("upcoming_shutdowns")
    assert [(r["model"], r["scope"]) for r in upcoming] == [
        ("gpt-4o-2024-05-13", "api"),
        ("gpt-4o-2024-05-13", "product:chatgpt"),
        ("claude-2.1", "api"),
    ]
    exposure = server.rows("team_exposure")
    assert [(r["team"], r["model"]) for r in exposure] == [
        ("billing", "claude-2.1"),
        ("search", "gpt-4o-2024-05-13"),
    ]


def test_days_left_agree_between_views_and_canned_queries(server: Server) -> None:
    def key(row: dict[str, Any]) -> tuple[str, str | None]:
        return (row["model"], row.get("scope"))

    by_model = {key(r): r["days_left"] for r in server.rows("upcoming", days=365)}
    assert by_model[("gpt-4o-2024-05-13", "api")] == 20
    for row in server.rows("upcoming_shutdowns"):
        assert row["days_left"] == by_model[key(row)], row
    exposure = {r["model"]: r["days_left"] for r in server.rows("exposure_by_team")}
    for row in server.rows("team_exposure"):
        assert row["days_left"] == exposure[row["model"]], row


def test_html_cells_are_readable_and_one_line(server: Server) -> None:
    page = httpx.get(f"{server.base}/{server.name}/records", timeout=10).text
    assert "gpt-4.1" in page and "[&#34;gpt-4.1&#34;]" not in page and '["gpt-4.1"]' not in page
    assert "sunset-fold" in page  # the long evidence folds into one line
    assert "&#34;field&#34;" not in page
    assert ">[]<" not in page  # an empty JSON list is blank
    # the JSON API is untouched
    assert server.rows("records", id=1)[0]["replacements"] == '["gpt-4.1"]'


def test_database_page_starts_with_upcoming_shutdowns(server: Server) -> None:
    page = httpx.get(f"{server.base}/{server.name}", timeout=10).text
    assert "select * from upcoming_shutdowns" in page


def test_full_text_search(server: Server) -> None:
    assert [r["model"] for r in server.rows("records", _search="zebracorn")] == ["dall-e-2"]
    assert [r["id"] for r in server.rows("records", _search="retired")] == [1]


def test_facets(server: Server) -> None:
    page = server.get(f"/{server.name}/records.json")
    assert {
        "provider",
        "status",
        "shutdown_kind",
        "kind",
        "listed",
        "review_state",
        "scope",
    } <= set(page["facet_results"])


def test_review_queue_and_view(server: Server) -> None:
    queue = server.rows("review_queue")
    assert [(r["id"], r["model"], r["confidence"], r["teams_using"]) for r in queue] == [
        (6, "gpt-doubtful-1", 0.4, "search")
    ]
    assert queue[0]["review_reason"] == "confidence 0.40 below 0.60"
    assert [r["model"] for r in server.rows("needs_review")] == ["gpt-doubtful-1"]
    record = server.rows("records", id=6)[0]
    assert json.loads(record["why"]) == ["model named under a Substitute column"]


def test_sees_writes_to_the_live_file(server: Server) -> None:
    db = open_db(server.db_path)
    try:
        _record(db, 7, "google", "gemini-1.0-pro", _day(5))
        assert [r["model"] for r in server.rows("upcoming", days=7)] == ["gemini-1.0-pro"]
    finally:
        # The server is shared by this module's tests: leave the store as it was.
        db["records"].delete(7)
        db.conn.close()
    assert server.rows("upcoming", days=7) == []


def test_disagreements(server: Server) -> None:
    rows = server.rows("disagreements")
    assert [(r["status"], r["model"], r["reference"], r["page_source"]) for r in rows] == [
        ("open", "claude-2.1", "litellm", None),
        ("resolved", "gpt-4o-2024-05-13", "litellm", None),
    ]
    assert (rows[0]["record_date"], rows[0]["reference_date"]) == (_day(200), _day(210))
