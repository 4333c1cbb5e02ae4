"""One cycle end to end against a real local HTTP server: fetch, snapshot, extract, store,
conditional GET, cliff detection and failing sources with one operator alert each way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from werkzeug import Request, Response

from pipeline.core.config import SourceConfig, TeamsFile
from pipeline.fetch import FetchSettings
from pipeline.ops.cycle import due_source_ids, run_cycle
from tests.faults.crashing_extract import extract_raises

PAGE = (Path(__file__).parent / "fixtures" / "cycle" / "page.html").read_text()
DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
FAST = FetchSettings(attempts=1, backoff_initial=0.01, backoff_max=0.01, respect_robots=False)
TEAMS = TeamsFile.model_validate(
    {
        "delivery": {"ops": {"slack_channel": "#ops", "email": ["ops@example.com"]}},
        "teams": [{"name": "core", "slack_channel": "#core", "uses": [{"model": "zeta-2"}]}],
    }
)


class Page:
    """A page whose body can change, answering conditional GETs with 304."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.status = 200

    def __call__(self, request: Request) -> Response:
        if self.status != 200:
            return Response("down", status=self.status)
        etag = f'"{abs(hash(self.body))}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.body, content_type="text/html; charset=utf-8", headers={"ETag": etag})


@pytest.fixture
def site(httpserver):
    pages = {"/a": Page(PAGE), "/b": Page(PAGE.replace("zeta", "eta"))}
    for path, page in pages.items():
        httpserver.expect_request(path).respond_with_handler(page)
    sources = [
        SourceConfig(id=name, provider="zeta", url=httpserver.url_for(f"/{name}"), format="html")
        for name in ("a", "b")
    ]
    return pages, sources


def count(db, sql: str) -> int:
    return db.execute(sql).fetchone()[0]


def test_first_and_unchanged_second_cycle(db, site):
    _, sources = site
    report = run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    assert (report.fetched, report.records_new, report.failed) == (2, 8, 0)
    assert count(db, "SELECT COUNT(*) FROM snapshots") == 2
    row = next(db.query("SELECT * FROM records WHERE model = 'zeta-2'"))
    assert row["shutdown_date"] == "2027-02-01" and row["source_id"] == "a"
    assert report.alerts_created == 1  # team core uses zeta-2 -> one Slack message

    second = run_cycle(db, sources, now=DAY + dt.timedelta(hours=6), settings=FAST, teams=TEAMS)
    assert (second.fetched, second.not_modified, second.records_new) == (0, 2, 0)
    assert count(db, "SELECT COUNT(*) FROM snapshots") == 2
    assert count(db, "SELECT COUNT(*) FROM fetches WHERE not_modified = 1") == 2
    assert count(db, "SELECT COUNT(*) FROM runs") == 2


def test_changed_page_records_history(db, site):
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST)
    pages["/a"].body = PAGE.replace("2027-02-01", "2027-03-15")
    report = run_cycle(db, sources, now=DAY + dt.timedelta(days=1), settings=FAST)
    assert report.records_changed == 2
    changes = list(db.query("SELECT field, old_value, new_value FROM record_changes"))
    assert {"field": "shutdown_date", "old_value": "2027-02-01", "new_value": "2027-03-15"} in (
        changes
    )


def test_cliff_keeps_records_and_alerts_once_each_way(db, site):
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    pages["/a"].body = "<html><body><h1>We moved!</h1></body></html>"
    for hour in (1, 2, 3):
        run_cycle(db, sources, now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS)
    assert count(db, "SELECT COUNT(*) FROM records WHERE source_id = 'a' AND listed = 1") == 4
    ops = list(db.query("SELECT * FROM alerts WHERE team = 'ops'"))
    assert len(ops) == 2  # one Slack + one e-mail, not one per run
    assert next(db.query("SELECT health FROM sources WHERE id = 'a'"))["health"] == "cliff"
    pages["/a"].body = PAGE
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=4), settings=FAST, teams=TEAMS)
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 4
    assert next(db.query("SELECT health FROM sources WHERE id = 'a'"))["health"] == "ok"


def test_failing_source_isolated_and_alerted_after_three(db, site):
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    pages["/b"].status = 404
    for hour in range(1, 6):
        report = run_cycle(
            db, sources, now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS
        )
        assert report.failed == 1 and report.not_modified == 1  # source a unaffected
    row = next(db.query("SELECT * FROM sources WHERE id = 'b'"))
    assert row["consecutive_failures"] == 5 and row["health"] == "failing"
    assert count(db, "SELECT COUNT(*) FROM records WHERE source_id = 'b' AND listed = 1") == 4
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 2
    assert count(db, "SELECT COUNT(*) FROM fetches WHERE outcome = 'error'") == 5
    pages["/b"].status = 200
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=7), settings=FAST, teams=TEAMS)
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 4
    assert next(db.query("SELECT health FROM sources WHERE id = 'b'"))["health"] == "ok"


def test_connection_refused_source_does_not_stop_others(db, site):
    _, sources = site
    dead = SourceConfig(id="dead", provider="zeta", url="http://127.0.0.1:9/x", format="html")
    report = run_cycle(db, [*sources, dead], now=DAY, settings=FAST)
    assert report.fetched == 2 and report.failed == 1
    assert "dead" in report.failures


def test_due_sources_follow_interval(db, site):
    _, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST)
    assert due_source_ids(db, DAY + dt.timedelta(minutes=30)) == []
    assert due_source_ids(db, DAY + dt.timedelta(hours=6)) == ["a", "b"]


def test_many_changed_pages_are_extracted_in_worker_processes(db, httpserver):
    sources = []
    for i in range(6):
        httpserver.expect_request(f"/p{i}").respond_with_data(
            PAGE.replace("zeta", f"m{i}zeta"), content_type="text/html"
        )
        sources.append(
            SourceConfig(
                id=f"p{i}", provider="zeta", url=httpserver.url_for(f"/p{i}"), format="html"
            )
        )
    report = run_cycle(db, sources, now=DAY, settings=FAST)
    assert (report.fetched, report.records_new, report.failures) == (6, 24, {})
    assert count(db, "SELECT COUNT(DISTINCT source_id) FROM records") == 6


def test_extraction_crash_keeps_records_and_alerts_once_each_way(db, site, monkeypatch):
    from pipeline.sources import extract_pool

    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    pages["/a"].body = PAGE.replace("2027-02-01", "2027-03-01")
    real = extract_pool._extract_job
    monkeypatch.setattr(extract_pool, "_extract_job", extract_raises)  # raises "parser bug"
    for hour in (1, 2):
        report = run_cycle(
            db, sources, now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS
        )
        assert "a" in report.failures and report.fetched == 1  # re-extracted, not skipped
    assert next(db.query("SELECT health FROM sources WHERE id = 'a'"))["health"] == "failing"
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 2  # Slack + e-mail
    assert count(db, "SELECT COUNT(*) FROM records WHERE source_id = 'a' AND listed = 1") == 4
    assert count(db, "SELECT COUNT(*) FROM runs WHERE status = 'partial'") == 2
    monkeypatch.setattr(extract_pool, "_extract_job", real)
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=3), settings=FAST, teams=TEAMS)
    assert next(db.query("SELECT health FROM sources WHERE id = 'a'"))["health"] == "ok"
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 4
    row = next(db.query("SELECT shutdown_date FROM records WHERE model = 'zeta-2'"))
    assert row["shutdown_date"] == "2027-03-01"


def test_a_cliffed_source_that_then_fails_is_reported(db, site):
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    pages["/a"].body = "<html><body>moved</body></html>"
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=1), settings=FAST, teams=TEAMS)
    pages["/a"].status = 500
    for hour in (2, 3, 4):
        run_cycle(db, sources, now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS)
    assert next(db.query("SELECT health FROM sources WHERE id = 'a'"))["health"] == "failing"
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 4  # cliff, failing


def test_cliff_then_outage_then_back_is_still_a_cliff(db, site):
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    pages["/a"].body = "<html><body>moved</body></html>"
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=1), settings=FAST, teams=TEAMS)
    pages["/a"].status = 500
    for hour in (2, 3, 4):
        run_cycle(db, sources, now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS)
    pages["/a"].status = 200  # the server is back, still serving the broken page
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=5), settings=FAST, teams=TEAMS)
    assert next(db.query("SELECT health FROM sources WHERE id = 'a'"))["health"] == "cliff"
    titles = [r["payload"] for r in db.query("SELECT payload FROM alerts WHERE team = 'ops'")]
    assert not any("recovered" in t for t in titles)
    assert count(db, "SELECT COUNT(*) FROM records WHERE source_id = 'a' AND listed = 1") == 4


def _rows_page(n: int) -> str:
    rows = "".join(f"<tr><td>zeta-{i}</td><td>2027-01-04</td></tr>" for i in range(1, n + 1))
    return f"<html><body><table><tr><th>Model</th><th>Shutdown date</th></tr>{rows}</table>"


@pytest.mark.parametrize(
    ("counts", "listed"),
    [
        ([10, 5], 10),  # exactly half at once
        ([10, 7, 6, 5], 6),  # gradual erosion: each step small, 5 is half of the recent best
    ],
)
def test_cliff_compares_with_the_recent_best_count(db, httpserver, counts, listed):
    page = Page(_rows_page(counts[0]))
    httpserver.expect_request("/e").respond_with_handler(page)
    source = SourceConfig(id="e", provider="zeta", url=httpserver.url_for("/e"), format="html")
    for hour, n in enumerate(counts):
        page.body = _rows_page(n)
        run_cycle(db, [source], now=DAY + dt.timedelta(hours=hour), settings=FAST, teams=TEAMS)
    row = next(db.query("SELECT health, health_reason, best_count FROM sources"))
    assert row["health"] == "cliff" and row["best_count"] == 10
    assert "at most half of" in row["health_reason"]
    assert count(db, "SELECT COUNT(*) FROM records WHERE listed = 1") == listed
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 2  # Slack + e-mail


def test_the_best_count_is_forgotten_after_a_month(db, httpserver):
    page = Page(_rows_page(10))
    httpserver.expect_request("/e").respond_with_handler(page)
    source = SourceConfig(id="e", provider="zeta", url=httpserver.url_for("/e"), format="html")
    run_cycle(db, [source], now=DAY, settings=FAST, teams=TEAMS)
    for days, n in ((10, 7), (41, 6), (42, 4)):  # 6 is over half of 7; the 10 is 41 days old
        page.body = _rows_page(n)
        run_cycle(db, [source], now=DAY + dt.timedelta(days=days), settings=FAST, teams=TEAMS)
    row = next(db.query("SELECT health, record_count, best_count FROM sources"))
    assert (row["health"], row["record_count"], row["best_count"]) == ("ok", 4, 6)


def test_snapshots_of_a_page_that_always_changes_are_pruned(db, httpserver, monkeypatch):
    from pipeline.ops import source_steps

    monkeypatch.setattr(source_steps, "KEEP_SNAPSHOTS", 3)
    page = Page(PAGE)
    httpserver.expect_request("/c").respond_with_handler(page)
    source = SourceConfig(id="c", provider="zeta", url=httpserver.url_for("/c"), format="html")
    for minute in range(8):
        page.body = PAGE.replace("</body>", f"<p>Generated at 06:{minute:02d}</p></body>")
        run_cycle(db, [source], now=DAY + dt.timedelta(minutes=minute), settings=FAST)
    shas = {r["sha256"] for r in db.query("SELECT sha256 FROM snapshots")}
    assert len(shas) <= 3 + 1  # the last 3, plus the one behind the current records
    current = {r["snapshot_sha256"] for r in db.query("SELECT snapshot_sha256 FROM records")}
    good = next(db.query("SELECT content_hash FROM sources"))["content_hash"]
    assert current | {good} <= shas


def test_a_page_over_its_budget_fails_alone_is_reported_once_and_retried(db, site, monkeypatch):
    from pipeline.sources import extract_pool
    from pipeline.sources.extract_pool import Budget
    from tests.faults.crashing_extract import extract_or_die

    pages, sources = site
    monkeypatch.setattr(extract_pool, "_extract_job", extract_or_die)
    pages["/b"].body = pages["/b"].body.replace("</body>", "<p>HANG-THE-WORKER</p></body>")
    budget = Budget(seconds=1)
    for hour in (0, 1):
        report = run_cycle(
            db,
            sources,
            now=DAY + dt.timedelta(hours=hour),
            settings=FAST,
            teams=TEAMS,
            budget=budget,
        )
        assert report.fetched == 1 + (hour == 0)  # the hostile page is fetched and tried again
        assert "time budget of 1 s" in report.failures["b"]
        assert "/b; SUNSET_EXTRACT_SECONDS" in report.failures["b"]  # names the page
    assert count(db, "SELECT COUNT(*) FROM records WHERE source_id = 'a'") == 4
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'core'") > 0  # a's alerts went ahead
    assert count(db, "SELECT COUNT(*) FROM alerts WHERE team = 'ops'") == 2  # once: Slack + e-mail
    assert next(db.query("SELECT health FROM sources WHERE id = 'b'"))["health"] == "failing"


def test_progress_is_reported_once_per_fetched_source(db, site):
    _, sources = site
    seen: list[tuple[int, int]] = []
    run_cycle(
        db, sources, now=DAY, settings=FAST, progress=lambda r: seen.append((r.done, r.sources))
    )
    assert seen == [(1, 2), (2, 2)]
    seen.clear()
    run_cycle(
        db,
        sources,
        now=DAY + dt.timedelta(hours=6),
        settings=FAST,
        progress=lambda r: seen.append((r.done, r.sources)),
    )
    assert seen == [(1, 2), (2, 2)]  # unchanged pages count too


def test_cli_progress_only_on_a_terminal(monkeypatch):
    import io

    from pipeline.cli import jobs as cli

    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())  # not a TTY
    assert cli._tty_progress() is None

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    show = cli._tty_progress()
    assert show is not None


def test_hand_over_queue_wakes_a_blocked_cycle_and_only_then():
    """The cycle blocks on this socket and the extraction pipes at once, never polling:
    readable as soon as a fetch is put, quiet again once noticed."""
    import select

    from pipeline.ops.cycle import _SignalledQueue

    arrivals = _SignalledQueue()
    try:
        assert select.select([arrivals.signal], [], [], 0)[0] == []
        arrivals.put(None)
        assert select.select([arrivals.signal], [], [], 0)[0] == [arrivals.signal]
        arrivals.clear_signal()
        assert select.select([arrivals.signal], [], [], 0)[0] == []
        assert arrivals.get_nowait() is None
    finally:
        arrivals.close()
    arrivals.put(None)  # a fetch thread outliving its cycle finds the socket closed: no error
