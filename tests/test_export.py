"""Feeds out: RSS, JSON Feed and iCalendar from an in-memory store, with an injected clock."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

import feedparser
import icalendar
import pytest

from pipeline.export import FORMATS, clean_text, export_feed
from storage.db import open_db

NOW = dt.datetime(2026, 2, 15, 12, 0, tzinfo=dt.UTC)
HOSTILE = 'Retiring <script>alert("x")</script> ]]> soon\x00\x1b\x0b &amp; done'

RECORD_SQL = """INSERT INTO records (id, provider, model, kind, shutdown_date, shutdown_kind,
    replacements, aliases, status, url, evidence, first_seen, last_seen, listed)
    VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 'deprecated', ?, ?, ?, ?, ?)"""
CHANGE_SQL = """INSERT INTO record_changes (id, record_id, field, old_value, new_value, changed_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
EXPOSURE_SQL = """INSERT INTO exposures (team, record_id, usage_model, usage_provider, how,
    origin, first_seen, last_seen, active) VALUES (?, ?, ?, ?, 'exact', 'declared', ?, ?, ?)"""


@pytest.fixture
def db() -> Any:
    store = open_db(":memory:")
    seen = "2026-01-10T09:00:00+00:00"
    records = [
        (1, "openai", "gpt-4o-2024-05-13", "model", "2026-04-01", "firm", '["gpt-4.1"]',
         "https://platform.openai.test/docs/deprecations", "gpt-4o-2024-05-13 shuts down",
         "2026-01-10T09:00:00+00:00", 1),
        (2, "anthropic", "claude-2.1", "model", "2026-07-21", "earliest", '["claude-sonnet-4"]',
         "https://docs.anthropic.test/deprecations", "not sooner than July 21, 2026",
         "2026-01-12T09:00:00+00:00", 1),
        (3, "openai", "dall-e-2", "model", None, "none", "[]", "ftp://nowhere.test/x", "",
         "2026-01-11T09:00:00+00:00", 1),
        (4, "openai", "babbage-002", "model", "2026-05-01", "firm", "[]",
         "javascript:alert(1)", "removed from page", "2026-01-09T09:00:00+00:00", 0),
        (5, "google", "gemini-1.0", "family", "2026-06-01", "firm", "[]", None, "",
         "2026-01-08T09:00:00+00:00", 1),
    ]  # fmt: skip
    for rid, provider, model, kind, date, skind, repl, url, evidence, first, listed in records:
        store.execute(
            RECORD_SQL,
            [rid, provider, model, kind, date, skind, repl, url, evidence, first, seen, listed],
        )
    store.execute(
        CHANGE_SQL,
        [7, 1, "shutdown_date", "2026-03-01", "2026-04-01", "2026-02-01T08:00:00+00:00"],
    )
    store.execute(CHANGE_SQL, [8, 2, "status", "active", "deprecated", "2026-02-03T08:00:00Z"])
    store.execute("INSERT INTO teams (name) VALUES ('search'), ('billing')")
    store.execute(EXPOSURE_SQL, ["search", 1, "gpt-4o-2024-05-13", "openai", seen, seen, 1])
    store.execute(EXPOSURE_SQL, ["search", 2, "claude-2.1", "anthropic", seen, seen, 0])
    store.execute(EXPOSURE_SQL, ["billing", 2, "claude-2.1", "anthropic", seen, seen, 1])
    return store


def _rss(db: Any, **kwargs: Any) -> Any:
    parsed = feedparser.parse(export_feed(db, "rss", now=NOW, **kwargs))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _jsonfeed(db: Any, **kwargs: Any) -> dict[str, Any]:
    return json.loads(export_feed(db, "jsonfeed", now=NOW, **kwargs))


def _events(db: Any, **kwargs: Any) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(export_feed(db, "ics", now=NOW, **kwargs))
    return list(calendar.walk("VEVENT"))


ALL_IDS = [
    "sunset-watch:change:8",
    "sunset-watch:change:7",
    "sunset-watch:record:2",
    "sunset-watch:record:3",
    "sunset-watch:record:1",
    "sunset-watch:record:4",
    "sunset-watch:record:5",
]


def test_rss_has_distinct_guids_newest_first_and_stable(db: Any) -> None:
    parsed = _rss(db)
    assert parsed.feed.title == "Sunset Watch"
    assert [e.id for e in parsed.entries] == ALL_IDS
    assert export_feed(db, "rss", now=NOW) == export_feed(db, "rss", now=NOW)


def test_rss_guids_stable_when_store_grows(db: Any) -> None:
    before = {e.id: e.title for e in _rss(db).entries}
    db.execute(CHANGE_SQL, [9, 3, "shutdown_date", None, "2026-09-01", "2026-02-10T00:00:00Z"])
    after = {e.id: e.title for e in _rss(db).entries}
    assert after["sunset-watch:change:9"] == "dall-e-2: shutdown date (none) -> 2026-09-01"
    assert {k: after[k] for k in before} == before


def test_rss_item_content(db: Any) -> None:
    entries = {e.id: e for e in _rss(db).entries}
    change = entries["sunset-watch:change:7"]
    assert change.title == "gpt-4o-2024-05-13: shutdown date 2026-03-01 -> 2026-04-01"
    assert change.link == "https://platform.openai.test/docs/deprecations"
    assert change.published_parsed[:3] == (2026, 2, 1)
    for text in ("Provider: openai", "Model: gpt-4o-2024-05-13", "2026-04-01 (firm)",
                 "Replacements: gpt-4.1", "gpt-4o-2024-05-13 shuts down"):  # fmt: skip
        assert text in change.summary
    new = entries["sunset-watch:record:2"]
    assert new.title == "claude-2.1 (anthropic): deprecated, shutdown 2026-07-21 (earliest)"
    # Only http(s) URLs become links.
    assert "link" not in entries["sunset-watch:record:3"]
    assert "link" not in entries["sunset-watch:record:4"]


def test_jsonfeed_shape(db: Any) -> None:
    feed = _jsonfeed(db)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Sunset Watch"
    assert "home_page_url" not in feed and "feed_url" not in feed  # no placeholder host
    ids = [item["id"] for item in feed["items"]]
    assert ids == ALL_IDS
    assert len(set(ids)) == len(ids)
    for item in feed["items"]:
        assert item["title"] and item["content_text"]
        assert dt.datetime.fromisoformat(item["date_published"]).tzinfo is not None
        assert all(not k.startswith("_") or k == "_sunset_watch" for k in item)
    change = feed["items"][1]
    assert change["url"] == "https://platform.openai.test/docs/deprecations"
    assert change["_sunset_watch"]["change"] == {
        "id": 7,
        "field": "shutdown_date",
        "old_value": "2026-03-01",
        "new_value": "2026-04-01",
    }
    assert change["_sunset_watch"]["replacements"] == ["gpt-4.1"]


def test_ics_one_all_day_event_per_dated_listed_model(db: Any) -> None:
    events = _events(db)
    # Not dall-e-2 (no date), babbage-002 (unlisted) or gemini-1.0 (a family, not a model).
    assert [str(e["UID"]) for e in events] == ["record-1@sunset-watch", "record-2@sunset-watch"]
    first, second = events
    assert str(first["SUMMARY"]) == "Shutdown: gpt-4o-2024-05-13 (openai)"
    assert str(second["SUMMARY"]) == "Earliest shutdown: claude-2.1 (anthropic)"
    start, end = first.decoded("DTSTART"), first.decoded("DTEND")
    assert type(start) is dt.date and start == dt.date(2026, 4, 1)
    assert type(end) is dt.date and end == dt.date(2026, 4, 2)
    assert str(first["URL"]) == "https://platform.openai.test/docs/deprecations"
    description = str(first["DESCRIPTION"])
    assert "Replacements: gpt-4.1" in description
    assert "gpt-4o-2024-05-13 shuts down" in description


def test_ics_alarms_at_each_lead_day(db: Any) -> None:
    for lead_days, expected in (((90, 30, 7, 1), [90, 30, 7, 1]), ((14, 3), [14, 3])):
        for event in _events(db, lead_days=lead_days):
            alarms = event.walk("VALARM")
            assert [-a.decoded("TRIGGER").days for a in alarms] == expected
            assert all(str(a["ACTION"]) == "DISPLAY" and str(a["DESCRIPTION"]) for a in alarms)


def test_ics_is_stable(db: Any) -> None:
    assert export_feed(db, "ics", now=NOW) == export_feed(db, "ics", now=NOW)


def test_team_filter(db: Any) -> None:
    # search's exposure to claude-2.1 is inactive; billing's is active.
    assert [e.id for e in _rss(db, team="search").entries] == [
        "sunset-watch:change:7",
        "sunset-watch:record:1",
    ]
    billing = _jsonfeed(db, team="billing")
    assert billing["title"] == "Sunset Watch \u2014 team billing"
    assert [i["id"] for i in billing["items"]] == [
        "sunset-watch:change:8",
        "sunset-watch:record:2",
    ]
    assert [str(e["UID"]) for e in _events(db, team="billing")] == ["record-2@sunset-watch"]
    assert _events(db, team="nobody") == []


def test_hostile_text_is_escaped_and_control_characters_stripped(db: Any) -> None:
    db.execute(
        "UPDATE records SET evidence = ?, model = ? WHERE id = 1",
        [HOSTILE, "gpt-4o\x00<b>"],
    )
    expected = 'Retiring <script>alert("x")</script> ]]> soon &amp; done'

    rss = export_feed(db, "rss", now=NOW)
    assert b"\x00" not in rss and b"\x1b" not in rss and b"<script>" not in rss
    channel = ET.fromstring(rss).find("channel")
    assert channel is not None
    descriptions = [item.findtext("description") or "" for item in channel.iter("item")]
    assert any(expected in d for d in descriptions)
    titles = [item.findtext("title") for item in channel.iter("item")]
    assert "gpt-4o<b> (openai): deprecated, shutdown 2026-04-01" in titles
    assert _rss(db).entries  # feedparser agrees the XML is well formed

    feed = _jsonfeed(db)
    assert any(expected in item["content_text"] for item in feed["items"])
    assert "\x00" not in json.dumps(feed, ensure_ascii=False)

    ics = export_feed(db, "ics", now=NOW)
    assert b"\x00" not in ics and b"\x1b" not in ics
    event = _events(db)[0]
    assert expected in str(event["DESCRIPTION"])
    assert str(event["SUMMARY"]) == "Shutdown: gpt-4o<b> (openai)"


def test_at_most_500_items_newest_first(db: Any) -> None:
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for n in range(600):
        changed = (base + dt.timedelta(hours=n)).isoformat()
        db.execute(CHANGE_SQL, [100 + n, 1, "status", f"old {n}", f"new {n}", changed])
    items = _jsonfeed(db)["items"]
    assert len(items) == 500
    published = [dt.datetime.fromisoformat(i["date_published"]) for i in items]
    assert published == sorted(published, reverse=True)
    assert items[0]["id"] == "sunset-watch:change:8"
    assert len(_rss(db).entries) == 500


def test_change_of_an_old_record_beyond_the_newest_500(db: Any) -> None:
    for n in range(600):
        db.execute(
            RECORD_SQL,
            [1000 + n, "acme", f"m-{n}", "model", None, "none", "[]", None, "",
             "2026-01-20T00:00:00+00:00", "2026-01-20T00:00:00+00:00", 1],
        )  # fmt: skip
    db.execute(CHANGE_SQL, [99, 5, "shutdown_date", "2026-06-01", "2026-08-01", NOW.isoformat()])
    items = _jsonfeed(db)["items"]
    assert len(items) == 500
    assert items[0]["title"] == "gemini-1.0: shutdown date 2026-06-01 -> 2026-08-01"


def test_naive_now_is_utc(db: Any) -> None:
    naive = NOW.replace(tzinfo=None)
    assert export_feed(db, "ics", now=naive) == export_feed(db, "ics", now=NOW)
    assert export_feed(db, "rss", now=naive) == export_feed(db, "rss", now=NOW)


def test_unknown_format(db: Any) -> None:
    assert FORMATS == ("rss", "jsonfeed", "ics")
    with pytest.raises(ValueError, match="unknown export format"):
        export_feed(db, "atom", now=NOW)  # type: ignore[arg-type]


def test_clean_text() -> None:
    assert clean_text(None) == ""
    assert clean_text("a\x00b\x08c\x7fd\ufffe") == "abcd"
    assert clean_text("tab\tnew\nline\r 日本 🎉") == "tab\tnew\nline\r 日本 🎉"
    assert clean_text(42) == "42"


def test_evidence_only_changes_are_not_items(db: Any) -> None:
    db.execute(CHANGE_SQL, [20, 1, "evidence", "old words", "new words", "2026-02-10T00:00:00Z"])
    db.execute(
        CHANGE_SQL, [21, 1, "url", "https://a.test/", "https://b.test/", "2026-02-10T01:00:00Z"]
    )
    assert [i["id"] for i in _jsonfeed(db)["items"]] == ALL_IDS
    assert [e.id for e in _rss(db).entries] == ALL_IDS


def test_public_base_url_and_feed_url(db: Any) -> None:
    feed = _jsonfeed(
        db, base_url="https://sunset.example.org/", feed_url="https://sunset.example.org/f.json"
    )
    assert feed["home_page_url"] == "https://sunset.example.org/"
    assert feed["feed_url"] == "https://sunset.example.org/f.json"
    assert (
        _rss(db, base_url="https://sunset.example.org/").feed.link == "https://sunset.example.org/"
    )
    assert "invalid" not in _rss(db).feed.link  # the newest item's page, not a placeholder


def test_cli_base_url_and_output_mistakes(tmp_path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    path = tmp_path / "s.db"
    open_db(path).close()
    base = ["export", "--db", str(path), "--format", "jsonfeed"]
    runner = CliRunner()
    out = tmp_path / "feed.json"
    ok = runner.invoke(main, [*base, "--base-url", "https://ex.org/feeds", "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(out.read_text())["feed_url"] == "https://ex.org/feeds/feed.json"
    bad = runner.invoke(main, [*base, "--base-url", "ex.org"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "--base-url" in bad.output
    missing = runner.invoke(main, [*base, "-o", str(tmp_path / "nope" / "feed.json")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert (
        missing.output.strip()
        == f"error: {tmp_path / 'nope' / 'feed.json'}: No such file or directory"
    )


def test_cli_output_never_overwrites_the_store_or_config(tmp_path, monkeypatch) -> None:
    """Issue 19, major 1: `-o sunset.db` overwrote the database it read (exit 0) and
    `-o teams.yml` the configuration; an unrelated file is kept unless --force."""
    from click.testing import CliRunner

    from pipeline.cli import main

    monkeypatch.chdir(tmp_path)
    open_db(tmp_path / "sunset.db").close()
    store_bytes = (tmp_path / "sunset.db").read_bytes()
    (tmp_path / "teams.yml").write_text("teams: []\n")
    (tmp_path / "notes.txt").write_text("my notes\n")
    runner = CliRunner()
    for target in ["sunset.db", "./sunset.db", "teams.yml"]:
        for extra in [[], ["--force"]]:
            result = runner.invoke(main, ["export", "--format", "ics", "-o", target, *extra])
            assert result.exit_code == 1, (target, result.output)
            assert result.output.count("\n") == 1
            assert "refusing" in result.output or "database being read" in result.output
    assert (tmp_path / "sunset.db").read_bytes() == store_bytes
    assert (tmp_path / "teams.yml").read_text() == "teams: []\n"
    other = runner.invoke(main, ["export", "--format", "ics", "-o", "notes.txt"])
    assert other.exit_code == 1 and "--force" in other.output
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"
    # another database given with --db, and a file that is an SQLite store, are refused too
    open_db(tmp_path / "other.db").close()
    as_db = runner.invoke(main, ["export", "--format", "rss", "-o", "other.db", "--force"])
    assert as_db.exit_code == 1 and "SQLite database" in as_db.output
    # an earlier export is replaced without --force; --force replaces an unrelated file
    first = runner.invoke(main, ["export", "--format", "ics", "-o", "cal.ics"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["export", "--format", "ics", "-o", "cal.ics"])
    assert again.exit_code == 0, again.output
    forced = runner.invoke(main, ["export", "--format", "ics", "-o", "notes.txt", "--force"])
    assert forced.exit_code == 0 and (tmp_path / "notes.txt").read_text().startswith("BEGIN:")
    feed = runner.invoke(main, ["export", "--format", "jsonfeed", "-o", "f.json"])
    assert feed.exit_code == 0
    rss_over_feed = runner.invoke(main, ["export", "--format", "rss", "-o", "f.json"])
    assert rss_over_feed.exit_code == 1 and "not an earlier rss export" in rss_over_feed.output


def test_cli_output_refuses_to_overwrite_and_reports_a_full_disk(tmp_path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    path = tmp_path / "s.db"
    open_db(path).close()
    base = ["export", "--db", str(path), "--format", "jsonfeed"]
    runner = CliRunner()
    out = tmp_path / "feed.json"
    out.write_text("keep me")
    again = runner.invoke(main, [*base, "-o", str(out)])
    assert again.exit_code == 1 and "use --force" in again.output
    assert out.read_text() == "keep me"
    assert runner.invoke(main, [*base, "-o", str(out), "--force"]).exit_code == 0
    database = runner.invoke(main, [*base, "-o", str(path), "--force"])
    assert database.exit_code == 1 and "is the database being read" in database.output
    full = runner.invoke(main, [*base, "-o", "/dev/full"])
    assert full.exit_code == 1 and "Traceback" not in full.output
    assert full.output.strip() == "error: /dev/full: No space left on device"
