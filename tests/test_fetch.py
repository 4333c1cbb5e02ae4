"""Tests for pipeline.fetch against a real local HTTP server (pytest-httpserver, threaded)."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.core.models import FetchResult, SourceState
from pipeline.fetch import (
    DEFAULT_USER_AGENT,
    FetchSettings,
    fetch_all,
    fetch_each,
    fetch_sources,
    redact_url,
)
from pipeline.fetch.errors import retry_after_seconds
from tests.faults import RawServer, respond

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
FAST = FetchSettings(
    connect_timeout=2,
    read_timeout=2,
    total_timeout=5,
    attempts=3,
    backoff_initial=0.01,
    backoff_max=0.02,
    backoff_jitter=0.01,
)
PAGE = b"<html><body>gpt-3 retires 2026-03-01</body></html>"


def clock() -> datetime:
    return NOW


def fetch(*sources: SourceState, settings: FetchSettings = FAST) -> list[FetchResult]:
    return fetch_sources(list(sources), settings, now=clock)


@pytest.fixture(scope="module")
def _server() -> Iterator[HTTPServer]:
    # Threaded so a deliberately slow handler does not block other requests.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(_server: HTTPServer) -> Iterator[HTTPServer]:
    _server.clear()
    _server.expect_request("/robots.txt").respond_with_data("", status=404)
    yield _server
    _server.clear()


def page_hits(server: HTTPServer, path: str) -> list[Request]:
    return [req for req, _ in server.log if req.path == path]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_200_ok(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data(
        PAGE,
        content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Oct 2025 00:00:00 GMT"},
    )
    [result] = fetch(SourceState("openai", server.url_for("/page")))
    assert result.outcome == "ok"
    assert result.status == 200
    assert result.body == PAGE
    assert result.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert result.size == len(PAGE)
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Oct 2025 00:00:00 GMT"
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.tries == 1
    assert result.started == NOW.isoformat()
    assert result.final_url == server.url_for("/page")
    [request] = page_hits(server, "/page")
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "If-None-Match" not in request.headers


def test_304_round_trip_with_etag(server: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(PAGE, headers={"ETag": '"v1"'}, content_type="text/html")

    server.expect_request("/page").respond_with_handler(handler)
    [first] = fetch(SourceState("s", server.url_for("/page")))
    assert first.outcome == "ok"
    state = SourceState("s", server.url_for("/page"), etag=first.etag, content_hash=first.sha256)
    [second] = fetch(state)
    assert second.outcome == "not_modified"
    assert not second.failed
    assert second.status == 304
    assert second.body is None
    assert second.etag == '"v1"'
    assert second.sha256 == first.sha256


def test_304_round_trip_with_last_modified(server: HTTPServer) -> None:
    stamp = "Wed, 01 Oct 2025 00:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response(PAGE, headers={"Last-Modified": stamp}, content_type="text/html")

    server.expect_request("/page").respond_with_handler(handler)
    [first] = fetch(SourceState("s", server.url_for("/page")))
    assert first.last_modified == stamp
    [second] = fetch(SourceState("s", server.url_for("/page"), last_modified=stamp))
    assert second.outcome == "not_modified"
    assert second.last_modified == stamp  # kept from state when the 304 omits it


def test_500_then_success(server: HTTPServer) -> None:
    # Oneshot handlers are consumed in registration order (ordered ones would trip on the
    # robots.txt request).
    server.expect_oneshot_request("/page").respond_with_data("boom", status=500)
    server.expect_oneshot_request("/page").respond_with_data(PAGE)
    [result] = fetch(SourceState("s", server.url_for("/page")))
    assert result.outcome == "ok"
    assert result.tries == 2
    assert result.body == PAGE


def test_429_retry_after_seconds_is_honoured(server: HTTPServer) -> None:
    seen: list[float] = []

    def handler(request: Request) -> Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response(PAGE)

    server.expect_request("/page").respond_with_handler(handler)
    [result] = fetch(SourceState("s", server.url_for("/page")))
    assert result.outcome == "ok"
    assert result.tries == 2
    # The backoff alone would be ~0.02 s; the server asked for 1 s.
    assert seen[1] - seen[0] >= 0.95


def test_retry_after_is_capped(server: HTTPServer) -> None:
    seen: list[float] = []

    def handler(request: Request) -> Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return Response("busy", status=503, headers={"Retry-After": "3600"})
        return Response(PAGE)

    server.expect_request("/page").respond_with_handler(handler)
    settings = FetchSettings(**{**FAST.__dict__, "retry_after_cap": 0.1})
    [result] = fetch(SourceState("s", server.url_for("/page")), settings=settings)
    assert result.outcome == "ok"
    assert 0.09 <= seen[1] - seen[0] < 1


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("5", NOW) == 5
    http_date = "Thu, 01 Jan 2026 12:00:30 GMT"
    assert retry_after_seconds(http_date, NOW) == 30
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", NOW) == 0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def test_read_timeout(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(PAGE)

    server.expect_request("/slow").respond_with_handler(slow)
    settings = FetchSettings(**{**FAST.__dict__, "read_timeout": 0.2, "attempts": 1})
    [result] = fetch(SourceState("s", server.url_for("/slow")), settings=settings)
    assert result.outcome == "error"
    assert result.error_type == "timeout"
    assert result.tries == 1


def test_body_over_cap_with_content_length(server: HTTPServer) -> None:
    server.expect_request("/big").respond_with_data(b"x" * 5000)
    settings = FetchSettings(**{**FAST.__dict__, "max_bytes": 1000})
    [result] = fetch(SourceState("s", server.url_for("/big")), settings=settings)
    assert result.error_type == "too_large"
    assert "Content-Length" in (result.error or "")
    assert result.tries == 1  # not retried


def test_body_over_cap_chunked(server: HTTPServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"y" * 1000

    def handler(request: Request) -> Response:
        return Response(chunks(), content_type="text/plain")  # no Content-Length: chunked

    server.expect_request("/big").respond_with_handler(handler)
    settings = FetchSettings(**{**FAST.__dict__, "max_bytes": 10_000})
    [result] = fetch(SourceState("s", server.url_for("/big")), settings=settings)
    assert result.error_type == "too_large"
    assert "Content-Length" not in (result.error or "")
    [request] = page_hits(server, "/big")
    assert request is not None


def test_gzip_body_is_decoded(server: HTTPServer) -> None:
    server.expect_request("/gz").respond_with_data(
        gzip.compress(PAGE), headers={"Content-Encoding": "gzip"}, content_type="text/html"
    )
    [result] = fetch(SourceState("s", server.url_for("/gz")))
    assert result.outcome == "ok"
    assert result.body == PAGE
    assert result.sha256 == hashlib.sha256(PAGE).hexdigest()


def test_redirect_followed(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(PAGE)
    [result] = fetch(SourceState("s", server.url_for("/old")))
    assert result.outcome == "ok"
    assert result.final_url == server.url_for("/new")


def test_redirect_loop(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    [result] = fetch(SourceState("s", server.url_for("/a")))
    assert result.error_type == "redirect"
    assert "loop" in (result.error or "")
    assert result.tries == 1


def test_too_many_redirects(server: HTTPServer) -> None:
    for i in range(10):
        server.expect_request(f"/r{i}").respond_with_data(
            "", status=307, headers={"Location": f"/r{i + 1}"}
        )
    settings = FetchSettings(**{**FAST.__dict__, "max_redirects": 3})
    [result] = fetch(SourceState("s", server.url_for("/r0")), settings=settings)
    assert result.error_type == "redirect"
    assert len(page_hits(server, "/r3")) == 1
    assert page_hits(server, "/r4") == []


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.com/x", "javascript:x"])
def test_redirect_to_non_http_scheme(server: HTTPServer, target: str) -> None:
    server.expect_request("/go").respond_with_data("", status=302, headers={"Location": target})
    [result] = fetch(SourceState("s", server.url_for("/go")))
    assert result.outcome == "error"
    assert result.error_type == "redirect"


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/html", None),  # missing: detection is the parser's job
        ("text/html; charset=ISO-8859-1", "iso-8859-1"),  # wrong: body is really UTF-8
        ("text/html; charset=no-such-charset", "no-such-charset"),
    ],
)
def test_charset_passed_through_untouched(
    server: HTTPServer, content_type: str, charset: str | None
) -> None:
    body = "<p>Déprécié — 弃用</p>".encode()
    server.expect_request("/p").respond_with_data(body, content_type=content_type)
    [result] = fetch(SourceState("s", server.url_for("/p")))
    assert result.outcome == "ok"
    assert result.charset == charset
    assert result.content_type == "text/html"
    assert result.body == body


def test_no_content_type(server: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        response = Response(PAGE)
        del response.headers["Content-Type"]
        return response

    server.expect_request("/p").respond_with_handler(handler)
    [result] = fetch(SourceState("s", server.url_for("/p")))
    assert (result.content_type, result.charset, result.body) == (None, None, PAGE)


def test_connection_refused() -> None:
    port = closed_port()
    [result] = fetch(SourceState("s", f"http://127.0.0.1:{port}/"))
    assert result.outcome == "error"
    assert result.error_type == "connect"
    assert result.tries == FAST.attempts


def test_one_failing_source_among_healthy(server: HTTPServer) -> None:
    server.expect_request("/ok1").respond_with_data(b"one")
    server.expect_request("/ok2").respond_with_data(b"two")
    server.expect_request("/gone").respond_with_data(b"", status=404)
    sources = [
        SourceState("a", server.url_for("/ok1")),
        SourceState("bad", server.url_for("/gone")),
        SourceState("refused", f"http://127.0.0.1:{closed_port()}/"),
        SourceState("nonsense", "not a url"),
        SourceState("b", server.url_for("/ok2")),
    ]
    results = fetch(*sources)
    assert [r.source_id for r in results] == ["a", "bad", "refused", "nonsense", "b"]
    assert [r.outcome for r in results] == ["ok", "error", "error", "error", "ok"]
    assert [r.error_type for r in results] == [None, "http_status", "connect", "invalid_url", None]
    assert (results[0].body, results[4].body) == (b"one", b"two")


def test_second_fetch_same_content_is_unchanged(server: HTTPServer) -> None:
    server.expect_request("/p").respond_with_data(PAGE)
    [first] = fetch(SourceState("s", server.url_for("/p")))
    [second] = fetch(SourceState("s", server.url_for("/p"), content_hash=first.sha256))
    assert first.outcome == "ok"
    assert second.outcome == "unchanged"
    assert second.sha256 == first.sha256
    assert second.body is None
    assert not second.failed


def test_robots_disallow(server: HTTPServer) -> None:
    server.clear()
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    server.expect_request("/private/page").respond_with_data(PAGE)
    server.expect_request("/public").respond_with_data(PAGE)
    results = fetch(
        SourceState("p1", server.url_for("/private/page")),
        SourceState("ok", server.url_for("/public")),
        SourceState("p2", server.url_for("/private/page")),
    )
    assert [r.error_type for r in results] == ["robots_disallowed", None, "robots_disallowed"]
    assert page_hits(server, "/private/page") == []
    assert len(page_hits(server, "/robots.txt")) == 1  # cached per host per fetch_all
    relaxed = FetchSettings(**{**FAST.__dict__, "respect_robots": False})
    [result] = fetch(SourceState("p1", server.url_for("/private/page")), settings=relaxed)
    assert result.outcome == "ok"


def test_robots_fetch_failure_means_allowed(server: HTTPServer) -> None:
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("oops", status=500)
    server.expect_request("/p").respond_with_data(PAGE)
    [result] = fetch(SourceState("s", server.url_for("/p")))
    assert result.outcome == "ok"


@pytest.mark.parametrize("status", [403, 404, 410])
def test_client_errors_are_not_retried(server: HTTPServer, status: int) -> None:
    server.expect_request("/p").respond_with_data("no", status=status)
    [result] = fetch(SourceState("s", server.url_for("/p")))
    assert result.outcome == "error"
    assert result.error_type == "http_status"
    assert result.status == status
    assert result.tries == 1
    assert len(page_hits(server, "/p")) == 1


def test_error_messages_hide_credentials_and_query() -> None:
    url = f"http://user:hunter2@127.0.0.1:{closed_port()}/feed?token=s3cret"
    settings = FetchSettings(**{**FAST.__dict__, "attempts": 1})
    [result] = fetch(SourceState("s", url), settings=settings)
    assert result.error_type == "connect"
    assert "hunter2" not in (result.error or "")
    assert "s3cret" not in (result.error or "")
    assert redact_url(url) == f"http://127.0.0.1:{url.split(':')[3].split('/')[0]}/feed"


def test_invalid_url() -> None:
    [result] = fetch(SourceState("s", "ftp://example.com/x"))
    assert (result.outcome, result.error_type, result.tries) == ("error", "invalid_url", 1)


def test_no_sources() -> None:
    assert fetch() == []


def test_started_uses_injected_clock_even_when_naive(server: HTTPServer) -> None:
    server.expect_request("/p").respond_with_data(PAGE)
    naive = datetime(2026, 2, 3, 4, 5, 6)
    [result] = fetch_sources([SourceState("s", server.url_for("/p"))], FAST, now=lambda: naive)
    assert result.started == "2026-02-03T04:05:06+00:00"
    assert datetime.fromisoformat(result.started).utcoffset() == timedelta(0)


def test_per_host_and_global_limits() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        respond(conn, 200, PAGE)

    settings = FetchSettings(**{**FAST.__dict__, "per_host": 2, "concurrency": 50})
    with RawServer(handler) as server:
        sources = [SourceState(f"s{i}", server.url(f"/{i}")) for i in range(8)]
        results = fetch(*sources, settings=settings)
    assert all(r.outcome == "ok" for r in results)
    assert peak == 2


def test_fetch_each_yields_every_result_as_it_completes(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response(b"slow")

    server.expect_request("/slow").respond_with_handler(slow)
    server.expect_request("/fast").respond_with_data(b"fast")
    sources = [
        SourceState("slow", server.url_for("/slow")),
        SourceState("fast", server.url_for("/fast")),
        SourceState("bad", "not a url"),
    ]

    async def collect() -> list[FetchResult]:
        return [r async for r in fetch_each(sources, FAST, now=clock)]

    results = asyncio.run(collect())
    assert sorted(r.source_id for r in results) == ["bad", "fast", "slow"]
    assert results[-1].source_id == "slow"  # completion order, not input order
    assert {r.source_id: r.outcome for r in results} == {
        "slow": "ok",
        "fast": "ok",
        "bad": "error",
    }


def test_fetch_each_stops_cleanly_when_abandoned(server: HTTPServer) -> None:
    server.expect_request("/p").respond_with_data(PAGE)
    sources = [SourceState(f"s{i}", server.url_for("/p")) for i in range(20)]

    async def first_only() -> FetchResult:
        stream = fetch_each(sources, FAST, now=clock)
        try:
            return await anext(stream)
        finally:
            await stream.aclose()  # cancels the rest and closes the pools

    assert asyncio.run(first_only()).outcome == "ok"


def test_waiting_for_a_host_slot_does_not_count_against_total_timeout() -> None:
    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        time.sleep(0.2)
        respond(conn, 200, PAGE)

    # Four sources through one slot take ~0.8 s in all, each well under its 0.5 s budget.
    settings = FetchSettings(**{**FAST.__dict__, "per_host": 1, "total_timeout": 0.5})
    with RawServer(handler) as server:
        sources = [SourceState(f"s{i}", server.url(f"/{i}")) for i in range(4)]
        results = fetch(*sources, settings=settings)
    assert [r.outcome for r in results] == ["ok"] * 4
    assert all(r.tries == 1 for r in results)


def test_retry_after_http_date_is_honoured(server: HTTPServer) -> None:
    seen: list[float] = []
    # One second after the injected clock's "now", whatever the wall clock says.
    retry_at = "Thu, 01 Jan 2026 12:00:01 GMT"

    def handler(request: Request) -> Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return Response("busy", status=503, headers={"Retry-After": retry_at})
        return Response(PAGE)

    server.expect_request("/page").respond_with_handler(handler)
    [result] = fetch(SourceState("s", server.url_for("/page")))
    assert (result.outcome, result.tries) == ("ok", 2)
    assert seen[1] - seen[0] >= 0.95


class _KeepAliveServer:
    """HTTP/1.1 server that keeps connections open: answers 304 to every request (404 for
    robots.txt) and counts the TCP connections it accepted."""

    def __init__(self) -> None:
        import socket
        import threading

        self.connections = 0
        self.requests = 0
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> _KeepAliveServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._acceptor.join(timeout=2)
        for thread in self._threads:
            thread.join(timeout=2)
        self._sock.close()

    def _accept(self) -> None:
        import threading

        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn) -> None:
        conn.settimeout(0.1)
        data = b""
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                data += chunk
                while b"\r\n\r\n" in data:
                    head, data = data.split(b"\r\n\r\n", 1)
                    self.requests += 1
                    status = "404 Not Found" if b"/robots.txt" in head else "304 Not Modified"
                    conn.sendall(
                        f'HTTP/1.1 {status}\r\nETag: "v1"\r\nContent-Length: 0\r\n\r\n'.encode()
                    )


def test_warm_fetches_of_one_host_reuse_the_connection() -> None:
    """A 304 is read to its end, so its connection serves the next source (was one TCP connect
    per source: 200 sources, 200 connects)."""
    settings = FetchSettings(**{**FAST.__dict__, "per_host": 1})
    with _KeepAliveServer() as server:
        sources = [
            SourceState(id=f"s{i}", url=f"http://127.0.0.1:{server.port}/p{i}", etag='"v1"')
            for i in range(20)
        ]
        results = asyncio.run(fetch_all(sources, settings, now=clock))
    assert [r.outcome for r in results] == ["not_modified"] * 20
    assert server.requests >= 20
    assert server.connections <= 2, server.connections
