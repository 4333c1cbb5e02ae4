"""What changed on the page (issue 20 item 6): each new snapshot's text and its diff from the
one before, stored by a real cycle against a local server, browsed in Datasette and linked
from the alerts; bounded for huge pages."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from datasette.app import Datasette

from pipeline.alerts.notify.base import item_view
from pipeline.alerts.notify.email import render_alert_email
from pipeline.alerts.notify.slack import section_text
from pipeline.core.models import Alert, AlertItem
from pipeline.core.page_links import changes_url
from pipeline.ops.cycle import run_cycle
from pipeline.ops.serve import packaged_metadata, plugins_dir, served_path, templates_dir
from pipeline.sources.pagediff import record_page_change
from pipeline.sources.pagediff.diff import MAX_DIFF_CHARS, MAX_DIFF_LINES, bounded_diff
from pipeline.sources.pagediff.text import MAX_TEXT_CHARS, page_text
from storage.db import open_db
from tests.test_cycle import DAY, FAST, PAGE, TEAMS, site  # noqa: F401 (a fixture)

BASE = "https://sunset.example.test"


def _rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM page_changes ORDER BY id"))


def test_a_cycle_stores_text_then_a_diff_and_nothing_for_an_unchanged_page(db, site):  # noqa: F811
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST)
    first = sorted(_rows(db), key=lambda r: r["source_id"])  # fetched concurrently
    assert [(r["source_id"], r["diff"], r["previous_sha256"]) for r in first] == [
        ("a", None, None),
        ("b", None, None),
    ]
    assert "zeta-2" in first[0]["text"] and "<" not in first[0]["text"]
    run_cycle(db, sources, now=DAY + dt.timedelta(hours=6), settings=FAST)  # 304s
    assert len(_rows(db)) == 2
    pages["/a"].body = PAGE.replace("2027-02-01", "2027-03-15")
    run_cycle(db, sources, now=DAY + dt.timedelta(days=1), settings=FAST)
    rows = _rows(db)
    assert len(rows) == 3
    change = rows[2]
    assert change["source_id"] == "a" and change["previous_sha256"] == first[0]["snapshot_sha256"]
    removed = [line for line in change["diff"].splitlines() if line.startswith("-")][1:]
    added = [line for line in change["diff"].splitlines() if line.startswith("+")][1:]
    assert removed and all("2027-02-01" in line for line in removed)
    assert added == [
        line.replace("2027-02-01", "2027-03-15").replace("-", "+", 1) for line in removed
    ]
    assert (change["added"], change["removed"]) == (len(added), len(removed))


def test_a_page_back_to_an_older_body_is_a_change_too(db):
    def store(body: bytes, sha: str):
        return record_page_change(
            db, source_id="s", sha256=sha, fetched_at="2026-01-01T00:00:00Z", url=None,
            body=body, content_type="text/plain", charset=None,
        )  # fmt: skip

    db.execute("INSERT INTO sources (id, provider, url, format) VALUES ('s', 'p', 'u', 'html')")
    assert store(b"one\n", "a") is not None
    assert store(b"one\n", "a") is None  # the same body again: nothing changed
    assert store(b"two\n", "b") is not None
    assert store(b"one\n", "a") is not None
    assert [r["diff"].splitlines()[-2:] for r in _rows(db)[1:]] == [
        ["-one", "+two"],
        ["-two", "+one"],
    ]


def test_huge_pages_are_bounded() -> None:
    old = "\n".join(f"<p>line {i} of the old page</p>" for i in range(60_000)).encode()
    new = "\n".join(f"<p>line {i} of the new page</p>" for i in range(60_000)).encode()
    old_text, cut = page_text(old, "text/html", None)
    assert cut and len(old_text) <= MAX_TEXT_CHARS
    new_text, _ = page_text(new, "text/html", None)
    diff = bounded_diff(old_text, new_text)
    assert diff.truncated
    assert len(diff.text) <= MAX_DIFF_CHARS + 200
    assert len(diff.text.splitlines()) <= MAX_DIFF_LINES + 2
    assert diff.text.splitlines()[-1].startswith("...")
    assert diff.added == diff.removed == len(new_text.splitlines())
    # One enormous line is wrapped, not kept whole.
    text, _ = page_text(b"x" * 5_000_000, "text/plain", None)
    assert len(text) <= MAX_TEXT_CHARS and max(len(line) for line in text.splitlines()) <= 1000


def test_page_text_reads_markup_and_json() -> None:
    html = (
        b"<html><head><title>t</title><script>var x = 1</script></head><body>"
        b"<h1>Deprecations</h1><!-- note -->Models below<table><tr><th>Model</th><th>Shutdown</th>"
        b"</tr><tr><td>gpt-4o</td><td>2026-02-01</td></tr></table>"
        b"<p>Use  <b>gpt-4.1</b> instead.</p></body></html>"
    )
    assert page_text(html, "text/html", None)[0] == (
        "Deprecations\nModels below\nModel | Shutdown\ngpt-4o | 2026-02-01\nUse gpt-4.1 instead."
    )
    assert page_text(b'{"a": [1]}', "application/json", None)[0] == '{\n "a": [\n  1\n ]\n}'


def test_the_link_needs_a_public_address_and_an_http_page() -> None:
    assert changes_url("https://docs.test/deprecations#gpt-4o", BASE) == (
        f"{BASE}/sunset/page_changes_for_page?page=https%3A%2F%2Fdocs.test%2Fdeprecations"
    )
    assert changes_url("https://docs.test/x", "") is None
    assert changes_url("file:///etc/passwd", BASE) is None
    assert changes_url("https://docs.test/x", "javascript:alert(1)") is None


@pytest.fixture
def served(tmp_path: Path, site):  # noqa: F811
    """A store file after a changed page, and the alert the change made."""
    pages, sources = site
    path = tmp_path / "watch.db"
    db = open_db(path)
    run_cycle(db, sources, now=DAY, settings=FAST, teams=TEAMS)
    pages["/a"].body = PAGE.replace("2027-02-01", "2027-03-15")
    run_cycle(db, sources, now=DAY + dt.timedelta(days=1), settings=FAST, teams=TEAMS)
    payloads = [r["payload"] for r in db.query("SELECT payload FROM alerts ORDER BY id")]
    db.close()
    alerts = [Alert.from_payload(p) for p in payloads]
    changed = [a for a in alerts if a.kind != "ops" and any(i.kind == "changed" for i in a.items)]
    assert changed, [a.kind for a in alerts]
    ds = Datasette(
        [str(served_path(path))],
        metadata=yaml.safe_load(packaged_metadata().read_text()),
        plugins_dir=str(plugins_dir()),
        template_dir=str(templates_dir()),
    )
    return ds, changed[0]


def _get(ds: Datasette, path: str) -> str:
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.text


def test_every_alert_links_to_the_diff_it_opens_in_datasette(served, monkeypatch) -> None:
    ds, alert = served
    monkeypatch.setenv("SUNSET_DATASETTE_URL", BASE)
    now = DAY + dt.timedelta(days=1)
    item = next(i for i in alert.items if i.kind == "changed")
    view = item_view(item, now)
    assert view.changes_url and view.changes_url.startswith(f"{BASE}/sunset/page_changes_for_page")
    assert f"<{view.changes_url}|What changed on the provider's page>" in section_text(view)
    message = render_alert_email(alert, now=now, sender="s@x.test", recipients=["t@x.test"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"What changed on the provider's page: {view.changes_url}" in text
    assert f'href="{view.changes_url.replace("&", "&amp;")}"' in html
    # The link opens the page's changes: the diff, newest first, as coloured lines.
    link = urlsplit(view.changes_url)
    page = _get(ds, f"{link.path}?{link.query}")
    assert "2027-03-15" in page and "background:#e6ffec" in page and "background:#ffebe9" in page
    # The row page shows the text and the diff.
    assert "lines of text" in _get(ds, "/sunset/page_changes/3")
    # Without a public address there is no link (never a localhost guess).
    monkeypatch.delenv("SUNSET_DATASETTE_URL")
    assert item_view(item, now).changes_url is None
    assert "What changed" not in section_text(item_view(item, now))


def test_ops_notices_carry_no_page_link(monkeypatch) -> None:
    monkeypatch.setenv("SUNSET_DATASETTE_URL", BASE)
    item = AlertItem(kind="ops", provider="p", model="source a", url="https://docs.test/a")
    assert item_view(item, DAY).changes_url is None
    assert (
        asdict(item_view(AlertItem(kind="new", provider="p", model="m"), DAY))["changes_url"]
        is None
    )


def test_the_page_text_is_read_in_the_extraction_process(db, site, monkeypatch):  # noqa: F811
    """Issue 17: the cycle's own thread (whose GIL the fetches share) no longer reads each
    page's text; the extraction process returns it with the records, and the stored text
    is the one `page_text` reads from the body."""
    from pipeline.sources import pagediff

    calls: list[int] = []
    monkeypatch.setattr(pagediff, "page_text", lambda *a: calls.append(1) or page_text(*a))
    pages, sources = site
    run_cycle(db, sources, now=DAY, settings=FAST)
    assert calls == []  # none read here
    for row in _rows(db):
        body = pages["/" + row["source_id"]].body.encode()
        assert row["text"] == page_text(body, "text/html", None)[0]


def test_a_page_whose_extraction_fails_still_records_its_change(db, site, monkeypatch):  # noqa: F811
    from pipeline.sources import extract_pool
    from tests.faults.crashing_extract import extract_raises

    monkeypatch.setattr(extract_pool, "_extract_job", extract_raises)
    pages, sources = site
    report = run_cycle(db, sources, now=DAY, settings=FAST)
    assert set(report.failures) == {"a", "b"}
    rows = _rows(db)
    assert sorted(r["source_id"] for r in rows) == ["a", "b"]  # read here, from the snapshot
    for row in rows:
        body = pages["/" + row["source_id"]].body.encode()
        assert row["text"] == page_text(body, "text/html", None)[0]
