"""Fetch policy under attack: redirects into private space, credentials in URLs, slow sources.

- A configured source that redirects to another host in private, loopback, link-local or
  metadata space is refused, unless that host is itself a configured source host.
- Credentials in a source URL (userinfo, `?token=`...) are used to fetch but never stored in
  sources, snapshots, records or alerts; `sunset check` warns about them.
- One source dripping its body has a total deadline, and the other sources' alerts are
  decided while it is still being fetched.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from pipeline.cli import main
from pipeline.core.config import SourceConfig, TeamsFile
from pipeline.core.models import SourceState
from pipeline.fetch import FetchSettings, fetch_each
from pipeline.fetch.credentials import credential_parts, strip_credentials
from pipeline.ops import cycle
from pipeline.ops.cycle import run_cycle
from storage.db import open_db
from tests.faults import RawServer

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(
    attempts=1, connect_timeout=1, read_timeout=1, total_timeout=3, respect_robots=False
)
PAGE = """<html><body><h2>Deprecations</h2>
<table><tr><th>Model</th><th>Shutdown date</th><th>Replacement</th></tr>
<tr><td>gpt-4-0613</td><td>2027-01-04</td><td>gpt-4.1</td></tr></table></body></html>"""
TEAMS = TeamsFile.model_validate(
    {
        "delivery": {"ops": {"slack_channel": "#ops"}},
        "teams": [{"name": "core", "slack_channel": "#core", "uses": [{"model": "gpt-4-0613"}]}],
    }
)


def _fetch(urls: list[str], trusted: list[str] | None = None, settings=FAST):
    async def go():
        states = [SourceState(id=f"s{i}", url=url) for i, url in enumerate(urls)]
        return [r async for r in fetch_each(states, settings, trusted_hosts=trusted)]

    import asyncio

    return sorted(asyncio.run(go()), key=lambda r: r.source_id)


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/secret").respond_with_data("internal admin page")
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    return httpserver


def test_redirect_to_another_loopback_host_is_refused(site: HTTPServer) -> None:
    target = f"http://127.0.0.1:{site.port}/secret"
    site.expect_request("/start").respond_with_data("", status=302, headers={"Location": target})
    [result] = _fetch([f"http://localhost:{site.port}/start"])
    assert result.outcome == "error" and result.error_type == "redirect"
    assert "private address space" in (result.error or "")


def test_redirect_to_the_metadata_address_is_refused_without_connecting() -> None:
    hits: list[bytes] = []

    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        hits.append(request)
        location = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        conn.sendall(
            f"HTTP/1.1 301 X\r\nLocation: {location}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )

    with RawServer(handler) as server:
        [result] = _fetch([server.url("/start")])
    # Refused as a redirect (a connection attempt would end as "connect" or "timeout").
    assert result.error_type == "redirect" and "169.254.169.254" in (result.error or "")
    assert result.tries == 1 and len(hits) == 1


def test_redirect_to_a_configured_source_host_is_followed(site: HTTPServer) -> None:
    target = f"http://127.0.0.1:{site.port}/page"
    site.expect_request("/start").respond_with_data("", status=302, headers={"Location": target})
    start = f"http://localhost:{site.port}/start"
    [first, _] = _fetch([start, target])  # 127.0.0.1 is a configured source host
    assert first.outcome == "ok" and first.final_url == target
    [alone] = _fetch([start], trusted=[f"127.0.0.1:{site.port}"])
    assert alone.outcome == "ok"
    # A bare host is trusted on its default ports only, not on every port.
    [bare] = _fetch([start], trusted=["localhost", "127.0.0.1"])
    assert bare.error_type == "redirect"


def test_same_host_redirects_are_still_followed(site: HTTPServer) -> None:
    site.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/page"})
    [result] = _fetch([site.url_for("/old")])
    assert result.outcome == "ok"


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://u:p@x.test/a?b=1", "https://x.test/a?b=1"),
        ("https://x.test/a?token=abc&page=2", "https://x.test/a?token=REDACTED&page=2"),
        ("https://x.test/a?API_KEY=abc", "https://x.test/a?API_KEY=REDACTED"),
        (
            "https://x.test/a?sig=s&X-Amz-Signature=t",
            "https://x.test/a?sig=REDACTED&X-Amz-Signature=REDACTED",
        ),
        ("https://x.test/a?id=7#t", "https://x.test/a?id=7#t"),
    ],
)
def test_credentials_are_stripped_from_urls(url: str, stored: str) -> None:
    assert strip_credentials(url) == stored
    assert bool(credential_parts(url)) == (url != stored)


def test_credentials_in_a_source_url_are_used_but_never_stored(site: HTTPServer) -> None:
    secret = "s3cr3t-t0ken-value"
    site.expect_request("/feed", query_string={"token": secret}).respond_with_data(
        PAGE, content_type="text/html"
    )
    url = site.url_for("/feed").replace("http://", f"http://bot:{secret}@") + f"?token={secret}"
    source = SourceConfig(id="p", provider="openai", url=url, format="html")
    db = open_db(":memory:")
    report = run_cycle(db, [source], now=NOW, teams=TEAMS, settings=FAST)
    assert report.records_new == 1 and report.alerts_created >= 1
    dump = "\n".join(db.conn.iterdump())
    assert secret not in dump
    stored = next(db.query("SELECT url FROM sources"))["url"]
    assert stored == site.url_for("/feed") + "?token=REDACTED"
    db.close()


def test_check_warns_about_credentials_in_a_source_url(tmp_path) -> None:
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  - {id: a, provider: x, format: html, url: 'https://x.test/a?api_key=k1'}\n"
    )
    teams = tmp_path / "teams.yml"
    teams.write_text("teams: []\n")
    result = CliRunner().invoke(main, ["check", "--sources", str(sources), "--teams", str(teams)])
    assert result.exit_code == 0, result.output
    assert "source a: URL carries credentials (query parameter 'api_key')" in result.output
    assert "k1" not in result.output


def _drip_forever(conn: socket.socket, request: bytes, server: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
    while not server.stopping.wait(0.05):  # each byte well within the read timeout
        try:
            conn.sendall(b"x")
        except OSError:
            return


def test_a_dripping_source_stops_at_its_total_deadline() -> None:
    settings = FetchSettings(
        attempts=4, read_timeout=1, total_timeout=30, backoff_initial=0.01, source_deadline=1.0
    )
    with RawServer(_drip_forever) as server:
        [result] = _fetch([server.url("/slow")], settings=settings)
    # Cut by the source's deadline on its first attempt (each attempt alone may take 30 s).
    assert result.error_type == "timeout" and "source deadline of 1 s" in (result.error or "")
    assert result.tries == 1


def test_alerts_for_the_others_are_decided_while_one_source_drips(
    site: HTTPServer, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cycle, "DECIDE_EARLY_SECONDS", 0.2)
    settings = FetchSettings(
        attempts=1, read_timeout=1, total_timeout=60, respect_robots=False, source_deadline=6
    )
    db_path = str(tmp_path / "sunset.db")
    reader = open_db(db_path)  # created and migrated before the cycle's thread opens it
    with RawServer(_drip_forever) as slow:
        sources = [
            SourceConfig(id="good", provider="openai", url=site.url_for("/page"), format="html"),
            SourceConfig(id="slow", provider="openai", url=slow.url("/slow"), format="html"),
        ]

        def run() -> None:
            db = open_db(db_path)
            try:
                run_cycle(db, sources, now=NOW, teams=TEAMS, settings=settings)
            finally:
                db.close()

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 5  # a guard: the slow source has 6 s
        decided = 0
        while time.monotonic() < deadline and not decided:
            decided = reader.execute("SELECT COUNT(*) FROM alerts WHERE team = 'core'").fetchone()[
                0
            ]
            time.sleep(0.05)
        assert decided, "the good source's alert waited for the slow source"
        assert thread.is_alive()  # the slow source was still being fetched
        thread.join(timeout=20)
        assert not thread.is_alive()
        reader.close()


ROBOTS_ON = FetchSettings(
    attempts=1, connect_timeout=1, read_timeout=1, total_timeout=3, respect_robots=True
)


def test_robots_txt_redirect_into_private_space_is_refused(site: HTTPServer) -> None:
    """robots.txt goes through the same redirect policy as pages (issue 23, item 1)."""
    secret = HTTPServer(host="127.0.0.2", port=0)
    secret.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    secret.start()
    try:
        target = f"http://127.0.0.2:{secret.port}/robots.txt"
        site.expect_request("/robots.txt").respond_with_data(
            "", status=302, headers={"Location": target}
        )
        [result] = _fetch([site.url_for("/page")], settings=ROBOTS_ON)
        assert secret.log == []  # never contacted
    finally:
        secret.stop()
    assert result.outcome == "ok"  # an unusable robots.txt means "allowed"


def test_robots_txt_same_host_redirect_is_followed(site: HTTPServer) -> None:
    site.expect_request("/robots.txt").respond_with_data(
        "", status=301, headers={"Location": "/real-robots.txt"}
    )
    site.expect_request("/real-robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    [result] = _fetch([site.url_for("/page")], settings=ROBOTS_ON)
    assert result.error_type == "robots_disallowed"


@pytest.mark.parametrize(
    "address",
    [
        "100.100.100.200",  # shared address space 100.64.0.0/10: a cloud metadata service
        "100.64.0.1",
        "192.0.0.8",
        "198.18.0.1",
        "[2002:7f00:1::]",  # 6to4 form of 127.0.0.1
        "[2002:a9fe:a9fe::]",  # 6to4 form of 169.254.169.254
        "[64:ff9b::a9fe:a9fe]",  # NAT64 form of 169.254.169.254
        "[::ffff:100.100.100.200]",
        "[fd00::1]",
    ],
)
def test_redirect_to_any_non_global_address_is_refused(address: str) -> None:
    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        conn.sendall(
            f"HTTP/1.1 302 X\r\nLocation: http://{address}/latest/\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )

    with RawServer(handler) as server:
        [result] = _fetch([server.url("/start")])
    assert result.error_type == "redirect", result.error
    assert "refused" in (result.error or "")


def test_trust_of_a_configured_loopback_source_covers_its_port_only(site: HTTPServer) -> None:
    """A configured 127.0.0.1:A source may not redirect to 127.0.0.1:B (weak item 2)."""
    other = HTTPServer(host="127.0.0.1", port=0)
    other.expect_request("/admin").respond_with_data("internal admin page")
    other.start()
    try:
        target = f"http://127.0.0.1:{other.port}/admin"
        site.expect_request("/hop").respond_with_data("", status=302, headers={"Location": target})
        [result] = _fetch([f"http://127.0.0.1:{site.port}/hop"])
        assert other.log == []
    finally:
        other.stop()
    assert result.error_type == "redirect" and "refused" in (result.error or "")
