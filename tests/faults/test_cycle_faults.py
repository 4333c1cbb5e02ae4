"""The fault matrix at the level of a whole cycle, against real loopback servers.

For each fault a source first serves a good page (its records are stored), then misbehaves.
Every cycle completes, the healthy source beside it is unaffected, the faulty source keeps
its records, and exactly one operator alert is raised when it starts failing (after three
failed fetches, or at once for a page that parses to nothing) and one when it recovers.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from pipeline.core.config import SourceConfig, TeamsFile
from pipeline.fetch import FetchSettings
from pipeline.ops.cycle import run_cycle
from pipeline.ops.source_steps import FAILING_AFTER
from tests.faults import RawServer, respond
from tests.faults.test_fetch_faults import (
    drip,
    fifty_megabytes,
    gzip_bomb,
    hang,
    reset_mid_body,
    status,
)

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
SETTINGS = FetchSettings(
    attempts=2,
    backoff_initial=0.01,
    backoff_max=0.01,
    backoff_jitter=0.01,
    read_timeout=0.3,
    total_timeout=0.6,
    connect_timeout=0.5,
    retry_after_cap=0.05,
    respect_robots=False,
)
TEAMS = TeamsFile.model_validate(
    {"delivery": {"ops": {"slack_channel": "#ops"}}, "teams": [{"name": "core"}]}
)

HTML_PAGE = """<html><head><meta charset="utf-8"></head><body>
<h2 id="legacy">2026-10-01: Legacy models</h2>
<table><tr><th>Shutdown date</th><th>Model</th><th>Replacement</th></tr>
<tr><td>2027\u201101\u201104</td><td>zeta-1</td><td>zeta-3</td></tr>
<tr><td>2027\u201101\u201104</td><td>zeta-1-mini</td><td>zeta-3-mini</td></tr>
<tr><td>2027\u201102\u201101</td><td>zeta-2</td><td>zeta-3</td></tr>
</table></body></html>""".encode()

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Zeta news</title><link>https://zeta.test/</link>
<description>news</description>
<item><title>Deprecating zeta-1</title><link>https://zeta.test/news/1</link>
<pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate>
<description>We will shut down zeta-1 on January 4, 2027. Please migrate to zeta-3.</description>
</item></channel></rss>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY a "lol">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rss version="2.0"><channel><title>&i;</title>
<item><title>&i;</title><description>&i;</description></item></channel></rss>"""

Handler = Callable[[socket.socket, bytes, RawServer], None]


def body(data: bytes, content_type: str = "text/html; charset=utf-8") -> Handler:
    def handler(conn: socket.socket, request: bytes, server: RawServer) -> None:
        respond(conn, 200, data, {"Content-Type": content_type})

    return handler


def retry_after_429(conn: socket.socket, request: bytes, server: RawServer) -> None:
    respond(conn, 429, b"slow down", {"Retry-After": "1"})


def redirect_loop(conn: socket.socket, request: bytes, server: RawServer) -> None:
    path = request.split(b" ", 2)[1].decode()
    respond(conn, 302, b"", {"Location": path + "x"})


@dataclass(frozen=True)
class Fault:
    handler: Handler
    fmt: str = "html"
    parses_to_nothing: bool = False  # a content fault: flagged at once as a cliff


FAULTS = {
    "hangs_past_timeout": Fault(hang),
    "drips_bytes_slowly": Fault(drip),
    "resets_mid_body": Fault(reset_mid_body),
    "500": Fault(status(500)),
    "502": Fault(status(502)),
    "503": Fault(status(503)),
    "429_retry_after": Fault(retry_after_429),
    "404": Fault(status(404)),
    "410": Fault(status(410)),
    "redirect_loop": Fault(redirect_loop),
    "gzip_bomb": Fault(gzip_bomb),
    "fifty_megabytes": Fault(fifty_megabytes),
    "undeclared_utf16": Fault(
        body(HTML_PAGE.decode().encode("utf-16-le"), "text/html"), parses_to_nothing=True
    ),
    "malformed_html": Fault(
        body(b"<html><body><table><tr><td>\x00\xff\xfe<<<>>></td<tr<td/ <div <"),
        parses_to_nothing=True,
    ),
    "structure_changed": Fault(
        body(b"<html><body><h1>Docs moved</h1><p>See our new site.</p></body></html>"),
        parses_to_nothing=True,
    ),
    "truncated_feed": Fault(
        body(FEED[: FEED.index(b"<item>") + 20], "application/rss+xml"),
        fmt="rss",
        parses_to_nothing=True,
    ),
    "billion_laughs_feed": Fault(
        body(BILLION_LAUGHS, "application/rss+xml"), fmt="rss", parses_to_nothing=True
    ),
}


class Switch:
    """A RawServer handler that serves the good page until told to misbehave."""

    def __init__(self, good: Handler, bad: Handler) -> None:
        self.good, self.bad, self.broken = good, bad, False

    def __call__(self, conn: socket.socket, request: bytes, server: RawServer) -> None:
        (self.bad if self.broken else self.good)(conn, request, server)


def ops_alerts(db) -> list[str]:
    return [row["kind"] for row in db.query("SELECT kind FROM alerts WHERE team = 'ops'")]


def listed(db, source: str) -> int:
    sql = "SELECT COUNT(*) FROM records WHERE source_id = ? AND listed = 1"
    return db.execute(sql, [source]).fetchone()[0]


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_matrix(name: str, db) -> None:
    fault = FAULTS[name]
    good_page = body(FEED, "application/rss+xml") if fault.fmt == "rss" else body(HTML_PAGE)
    switch = Switch(good_page, fault.handler)
    with RawServer(switch) as faulty, RawServer(body(HTML_PAGE.replace(b"zeta", b"eta"))) as ok:
        sources = [
            SourceConfig(id="faulty", provider="zeta", url=faulty.url("/p"), format=fault.fmt),
            SourceConfig(id="healthy", provider="eta", url=ok.url("/p"), format="html"),
        ]
        clock = iter(NOW + dt.timedelta(hours=h) for h in range(100))

        def cycle():
            return run_cycle(db, sources, now=next(clock), teams=TEAMS, settings=SETTINGS)

        first = cycle()
        before = listed(db, "faulty")
        assert before >= 1 and first.failed == 0
        dates = {r["model"]: r["shutdown_date"] for r in db.query("SELECT * FROM records")}

        switch.broken = True
        runs = 1 if fault.parses_to_nothing else FAILING_AFTER + 2
        for _ in range(runs):
            report = cycle()
            assert report.failures.keys() <= {"faulty"}  # the healthy source is unaffected
            assert listed(db, "healthy") == 3
        assert listed(db, "faulty") == before  # records kept
        assert {r["model"]: r["shutdown_date"] for r in db.query("SELECT * FROM records")} == dates
        assert ops_alerts(db) == ["ops"]  # exactly one operator alert, not one per run
        health = next(db.query("SELECT health FROM sources WHERE id = 'faulty'"))["health"]
        assert health == ("cliff" if fault.parses_to_nothing else "failing")

        switch.broken = False
        cycle()
        cycle()
        assert ops_alerts(db) == ["ops", "ops"]  # and exactly one on recovery
        payloads = [r["payload"] for r in db.query("SELECT payload FROM alerts WHERE team='ops'")]
        assert "recovered" in payloads[1]
        assert listed(db, "faulty") == before


def test_wrong_declared_charset_does_not_corrupt_dates(db) -> None:
    """A UTF-8 page (with U+2011 hyphens in dates) served as ISO-8859-1 keeps its dates."""
    with RawServer(body(HTML_PAGE, "text/html; charset=iso-8859-1")) as server:
        source = SourceConfig(id="s", provider="zeta", url=server.url("/p"), format="html")
        run_cycle(db, [source], now=NOW, teams=TEAMS, settings=SETTINGS)
    dates = {r["model"]: r["shutdown_date"] for r in db.query("SELECT * FROM records")}
    assert dates == {"zeta-1": "2027-01-04", "zeta-1-mini": "2027-01-04", "zeta-2": "2027-02-01"}
    assert ops_alerts(db) == []
