"""Usage pulls under attack: bodies past the size cap, gzip bombs, bodies dripped forever.

A usage API is read like a page: streamed under the fetcher's byte and decoded-byte caps,
each attempt within `total_timeout`, the whole pull within `pull_deadline` (all pages,
attempts and backoffs), and a page asked for twice (a cursor that repeats) ends the pull.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket
import time

import pytest

from pipeline.core.config import TeamsFile
from pipeline.fetch.settings import FetchSettings
from pipeline.usage.pullers.pull import pull_source
from storage.db import open_db
from tests.faults import RawServer

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
KEY = "sk-admin-test-0123456789abcdef"
EMPTY_PAGE = json.dumps({"object": "page", "data": [], "has_more": False}).encode()


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)


def _config(url: str) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {"ops": {"slack_channel": "#ops"}},
            "teams": [{"name": "payments", "slack_channel": "#pay"}],
            "usage_sources": [
                {
                    "id": "openai-org",
                    "kind": "openai_usage",
                    "base_url": url,
                    "key_env": "OPENAI_ADMIN_KEY",
                    "endpoints": ["completions"],
                    "teams": [{"match": "proj_*", "team": "payments"}],
                }
            ],
        }
    )


def _pull(db, server: RawServer, settings: FetchSettings):
    config = _config(server.url("/v1"))
    return pull_source(db, config.usage_sources[0], now=NOW, teams=config, settings=settings)


def _close_delimited(conn: socket.socket, body: bytes, headers: str = "") -> None:
    """A 200 with no Content-Length: only streaming can find out how big it is."""
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{headers}"
        "Connection: close\r\n\r\n".encode()
    )
    for start in range(0, len(body), 65536):
        conn.sendall(body[start : start + 65536])


def test_a_usage_body_past_the_size_cap_fails_the_pull() -> None:
    padding = "x" * 300_000
    body = json.dumps({"data": [], "has_more": False, "padding": padding}).encode()
    settings = FetchSettings(attempts=1, max_bytes=100_000, max_decompressed_bytes=200_000)
    with RawServer(lambda conn, request, server: _close_delimited(conn, body)) as server:
        report = _pull(open_db(":memory:"), server, settings)
    assert not report.ok
    assert "exceeds 100000 bytes" in (report.error or "")


def test_a_gzip_bomb_from_a_usage_api_is_cut_at_the_decoded_cap() -> None:
    body = json.dumps({"data": [], "has_more": False, "padding": "0" * 5_000_000}).encode()
    bomb = gzip.compress(body, 9)
    assert len(bomb) < 100_000
    settings = FetchSettings(attempts=1, max_bytes=100_000, max_decompressed_bytes=1_000_000)
    with RawServer(
        lambda conn, request, server: _close_delimited(conn, bomb, "Content-Encoding: gzip\r\n")
    ) as server:
        report = _pull(open_db(":memory:"), server, settings)
    assert not report.ok
    assert "decoded body exceeds 1000000 bytes" in (report.error or "")


def test_a_usage_api_dripping_its_body_is_cut_off_by_the_pull_deadline() -> None:
    def drip(conn: socket.socket, request: bytes, server: RawServer) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(EMPTY_PAGE)}\r\nConnection: close\r\n\r\n".encode()
        )
        for byte in EMPTY_PAGE:  # one byte every 0.1 s: each read is well within read_timeout
            if server.stopping.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    settings = FetchSettings(
        attempts=4,
        read_timeout=1,
        total_timeout=0.6,
        pull_deadline=1.5,
        backoff_initial=0.01,
        backoff_max=0.01,
        backoff_jitter=0,
    )
    with RawServer(drip) as server:
        report = _pull(open_db(":memory:"), server, settings)
        requests = len(server.page_requests())
    assert not report.ok
    assert "deadline" in (report.error or "")
    # Attempts of 0.6 s within a 1.5 s pull deadline: at most 3 began, never all 4.
    assert 1 <= requests <= 3


def test_a_cursor_that_repeats_ends_the_pull_at_once() -> None:
    page = json.dumps(
        {"object": "page", "data": [], "has_more": True, "next_page": "page_same"}
    ).encode()

    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        _close_delimited(conn, page)

    with RawServer(handler) as server:
        report = _pull(open_db(":memory:"), server, FetchSettings(attempts=1))
        requests = len(server.page_requests())
    assert not report.ok
    assert "same page" in (report.error or "")
    assert requests == 2  # the first page, and the one that repeated its cursor


def test_a_huge_retry_after_from_a_usage_api_ends_the_pull_after_one_capped_wait() -> None:
    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        conn.sendall(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1000000000\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )

    settings = FetchSettings(attempts=4, retry_after_cap=0.05)
    with RawServer(handler) as server:
        report = _pull(open_db(":memory:"), server, settings)
        requests = len(server.page_requests())
    assert not report.ok
    assert report.waits == [0.05]  # one capped wait, not one per attempt
    assert requests == 2
    assert "asked to wait 1000000000 s" in (report.error or "")
