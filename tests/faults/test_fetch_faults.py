"""Fault matrix for pipeline.fetch: misbehaving loopback servers next to healthy ones.

Every case runs one `fetch_all` with the faulty source between two healthy sources and
checks both the classified failure and that the healthy sources were fetched normally.
"""

from __future__ import annotations

import gzip
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from pipeline.core.models import FetchResult, SourceState
from pipeline.fetch import FetchSettings, fetch_sources
from tests.faults import RawServer, reset, respond

SETTINGS = FetchSettings(
    connect_timeout=1,
    read_timeout=0.4,
    total_timeout=1.0,
    attempts=2,
    backoff_initial=0.01,
    backoff_max=0.02,
    backoff_jitter=0.01,
)
HEALTHY_BODY = b"<html><body>claude-2 retires 2026-07-21</body></html>"
MB = 1024 * 1024


def healthy(conn: socket.socket, request: bytes, server: RawServer) -> None:
    respond(conn, 200, HEALTHY_BODY, {"Content-Type": "text/html; charset=utf-8"})


def hang(conn: socket.socket, request: bytes, server: RawServer) -> None:
    server.stopping.wait(10)


def drip(conn: socket.socket, request: bytes, server: RawServer) -> None:
    # Each byte arrives well within read_timeout, the whole body never within total_timeout.
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n")
    for _ in range(1000):
        if server.stopping.wait(0.05):
            return
        conn.sendall(b"x")


def reset_mid_body(conn: socket.socket, request: bytes, server: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
    conn.sendall(b"y" * 1000)
    time.sleep(0.05)
    reset(conn)


def status(code: int) -> Callable[[socket.socket, bytes, RawServer], None]:
    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        respond(conn, code, b"server trouble")

    return handler


# 30 MB of zeros gzip to ~30 KB: far under max_bytes, far over max_decompressed_bytes.
BOMB = gzip.compress(b"\0" * 30 * MB, compresslevel=9)


def gzip_bomb(conn: socket.socket, request: bytes, server: RawServer) -> None:
    respond(conn, 200, BOMB, {"Content-Encoding": "gzip", "Content-Type": "text/html"})


def fifty_megabytes(conn: socket.socket, request: bytes, server: RawServer) -> None:
    # Chunked, no Content-Length: only the streaming cap can stop it.
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
        b"Content-Type: text/plain\r\n\r\n"
    )
    chunk = b"z" * 65536
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    for _ in range(50 * MB // len(chunk)):
        if server.stopping.is_set():
            return
        conn.sendall(frame)  # raises once the client hangs up: the fetch stopped reading
    conn.sendall(b"0\r\n\r\n")


LATIN1_BODY = "<p>Dépréciation prévue, modèle retiré</p>".encode("latin-1")


def undeclared_charset(conn: socket.socket, request: bytes, server: RawServer) -> None:
    respond(conn, 200, LATIN1_BODY, {"Content-Type": "text/html"})


@dataclass(frozen=True)
class Case:
    handler: Callable[[socket.socket, bytes, RawServer], None]
    outcome: str
    error_type: str | None
    tries: int
    settings: FetchSettings = SETTINGS
    message: str = ""  # expected part of the error message


THREE_TRIES = replace(SETTINGS, attempts=3)
CASES = {
    "hangs_past_read_timeout": Case(hang, "error", "timeout", 2, message="ReadTimeout"),
    "drips_past_total_timeout": Case(drip, "error", "timeout", 2, message="total timeout"),
    "resets_mid_body": Case(reset_mid_body, "error", "connect", 2),
    "500_exhausts_retries": Case(status(500), "error", "http_status", 3, THREE_TRIES),
    "502_exhausts_retries": Case(status(502), "error", "http_status", 3, THREE_TRIES),
    "503_exhausts_retries": Case(status(503), "error", "http_status", 3, THREE_TRIES),
    "gzip_bomb": Case(gzip_bomb, "error", "too_large", 1, message="decoded"),
    "fifty_megabyte_body": Case(fifty_megabytes, "error", "too_large", 1),
    "undeclared_charset": Case(undeclared_charset, "ok", None, 1),
}


@pytest.fixture
def healthy_server() -> Iterator[RawServer]:
    with RawServer(healthy) as server:
        yield server


def run_with_healthy(
    fault_url: str, healthy_server: RawServer, settings: FetchSettings
) -> tuple[FetchResult, list[FetchResult]]:
    sources = [
        SourceState("healthy-1", healthy_server.url("/one")),
        SourceState("faulty", fault_url),
        SourceState("healthy-2", healthy_server.url("/two")),
    ]
    results = fetch_sources(sources, settings, now=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    assert [r.source_id for r in results] == ["healthy-1", "faulty", "healthy-2"]
    return results[1], [results[0], results[2]]


def assert_healthy(results: list[FetchResult]) -> None:
    for result in results:
        assert result.outcome == "ok", result
        assert result.body == HEALTHY_BODY
        assert result.charset == "utf-8"
        assert result.tries == 1


@pytest.mark.parametrize("name", list(CASES))
def test_fault_is_isolated(name: str, healthy_server: RawServer) -> None:
    case = CASES[name]
    with RawServer(case.handler) as fault_server:
        started = time.monotonic()
        faulty, others = run_with_healthy(fault_server.url("/page"), healthy_server, case.settings)
        elapsed = time.monotonic() - started
    assert (faulty.outcome, faulty.error_type, faulty.tries) == (
        case.outcome,
        case.error_type,
        case.tries,
    ), faulty
    assert case.message in (faulty.error or "")
    assert len(fault_server.page_requests()) == case.tries
    assert_healthy(others)
    # Bounded by the limits, not by the misbehaving server.
    per_try = case.settings.total_timeout + case.settings.backoff_max + case.settings.backoff_jitter
    assert elapsed < case.tries * per_try + 1


def test_gzip_bomb_never_inflates_past_the_cap(healthy_server: RawServer) -> None:
    settings = replace(SETTINGS, max_decompressed_bytes=2 * MB)
    with RawServer(gzip_bomb) as fault_server:
        tracemalloc.start()
        try:
            faulty, others = run_with_healthy(fault_server.url("/page"), healthy_server, settings)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert faulty.error_type == "too_large"
    assert "decoded" in (faulty.error or "")
    assert peak < 8 * MB  # the bomb is 30 MB inflated; we stop near the 2 MB cap
    assert_healthy(others)


def test_fifty_megabytes_are_streamed_not_held(healthy_server: RawServer) -> None:
    settings = replace(SETTINGS, max_bytes=5 * MB, total_timeout=5)
    with RawServer(fifty_megabytes) as fault_server:
        tracemalloc.start()
        try:
            faulty, others = run_with_healthy(fault_server.url("/page"), healthy_server, settings)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert faulty.error_type == "too_large"
    assert faulty.body is None
    assert peak < 15 * MB  # at most the 5 MB cap plus buffers, never the 50 MB
    assert_healthy(others)


def test_undeclared_charset_keeps_bytes(healthy_server: RawServer) -> None:
    with RawServer(undeclared_charset) as fault_server:
        faulty, _ = run_with_healthy(fault_server.url("/page"), healthy_server, SETTINGS)
    assert faulty.charset is None
    assert faulty.content_type == "text/html"
    assert faulty.body == LATIN1_BODY


def test_many_faults_at_once(healthy_server: RawServer) -> None:
    """All the faults in a single fetch_all, interleaved with healthy sources."""
    servers = [RawServer(case.handler).__enter__() for case in CASES.values()]
    try:
        sources: list[SourceState] = []
        for name, server in zip(CASES, servers, strict=True):
            sources.append(SourceState(name, server.url("/page")))
            sources.append(SourceState(f"ok-{name}", healthy_server.url(f"/{name}")))
        results = fetch_sources(sources, SETTINGS)
    finally:
        for server in servers:
            server.__exit__(None, None, None)
    for result in results:
        if result.source_id.startswith("ok-"):
            assert_healthy([result])
        else:
            case = CASES[result.source_id]
            assert (result.outcome, result.error_type) == (case.outcome, case.error_type)
