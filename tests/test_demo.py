"""`sunset demo` end to end: offline, real loopback servers, files written, day 2 changes."""

from __future__ import annotations

import email
import email.policy
import json
import re
import sqlite3

from click.testing import CliRunner

from pipeline.cli import main


def test_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "=== day 1: 2026-11-24 ===" in text and "=== day 2: 2026-11-25 ===" in text
    assert "shutdown date 2027-02-01 -> 2027-01-11" in text  # the moved date
    assert "nimbus-code-1" in text  # the new deprecation on day 2
    assert f"sunset serve --db {out / 'demo.db'}" in text

    slack = sorted((out / "slack").glob("*.json"))
    assert len(slack) >= 4
    bodies = [json.loads(p.read_text()) for p in slack]
    assert all(b["blocks"][0]["type"] == "header" for b in bodies)
    assert any("acme-chat-2-1106" in b["text"] for b in bodies)
    # Volumes pulled from the demo's OpenTelemetry files, in the alerts and the digest.
    assert "35,340 requests in the last 7 days, last call 2026-11-23 09:14 UTC" in text
    assert "unowned: batch-reports" in text

    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((out / "email").glob("*.eml"))
    ]
    subjects = [m["Subject"] for m in mails]
    assert any(s.startswith("Sunset Watch digest for payments") for s in subjects)
    digest = next(m for m in mails if m["Subject"].startswith("Sunset Watch digest for payments"))
    assert "Calls: 35,340 requests in the last 7 days" in digest.get_body(("plain",)).get_content()
    for message in mails:
        assert message.get_body(preferencelist=("plain",)) is not None
        assert message.get_body(preferencelist=("html",)) is not None

    db = sqlite3.connect(out / "demo.db")
    moved = db.execute(
        "SELECT old_value, new_value FROM record_changes WHERE field = 'shutdown_date'"
    ).fetchall()
    assert ("2027-02-01", "2027-01-11") in moved
    statuses = {row[0] for row in db.execute("SELECT status FROM alerts")}
    assert statuses == {"sent"}
    # released / active models are never records
    models = {row[0] for row in db.execute("SELECT model FROM records")}
    assert "acme-chat-3-mini" not in models and "nimbus-large-2" not in models
    db.close()


def test_demo_is_repeatable(tmp_path):
    out = tmp_path / "demo"
    for _ in range(2):
        result = CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"])
        assert result.exit_code == 0, result.output


def _tree(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_demo_refuses_a_folder_with_files_it_did_not_write(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    (out / "teams.yml").write_text("my real teams")
    before = _tree(out)
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: sunset demo:"), result.output
    assert "not a previous demo output" in lines[0]
    assert _tree(out) == before  # nothing deleted, nothing overwritten, nothing added


def test_demo_refuses_a_file_as_out(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    result = CliRunner().invoke(main, ["demo", "--out", str(target)])
    assert result.exit_code != 0 and "is a file" in result.output
    assert result.output.count("\n") == 1
    assert target.read_text() == "keep me"


def test_demo_rerun_keeps_files_the_user_added(tmp_path):
    out = tmp_path / "demo"
    assert (
        CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"]).exit_code == 0
    )
    assert (out / ".sunset-demo").is_file()
    (out / "my-notes.md").write_text("notes")
    (out / "demo.db-wal").write_bytes(b"")  # left by a reader such as `sunset serve`
    (out / "demo.db-shm").write_bytes(b"")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert (out / "my-notes.md").read_text() == "notes"
    listed = json.loads((out / ".sunset-demo").read_text())["files"]
    assert "my-notes.md" not in listed and "demo.db" in listed


def test_demo_rerun_refuses_to_overwrite_a_foreign_file_where_it_writes(tmp_path):
    out = tmp_path / "demo"
    assert (
        CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"]).exit_code == 0
    )
    listed = json.loads((out / ".sunset-demo").read_text())
    listed["files"].remove("sources.yml")  # as if the user had put their own sources.yml there
    (out / ".sunset-demo").write_text(json.dumps(listed))
    (out / "sources.yml").write_text("mine")
    before = _tree(out)
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"])
    assert result.exit_code != 0 and "sources.yml" in result.output
    assert (out / "sources.yml").read_text() == "mine"
    assert _tree(out) == before  # a refusal deletes nothing, not even the demo's own files


def test_demo_uses_an_empty_folder(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"])
    assert result.exit_code == 0, result.output


def _readme_block(after: str) -> list[str]:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    return readme.split(after, 1)[1].split("```\n", 1)[1].split("\n```", 1)[0].splitlines()


def test_readme_tour_shows_what_the_demo_sends(tmp_path):
    """The README's tour says it is taken from the demo: the Slack section and the digest's
    text part it quotes are the demo's own (the Calls lines were missing once)."""
    import html

    out = tmp_path / "demo"
    assert (
        CliRunner().invoke(main, ["demo", "--out", str(out), "--now", "2026-11-25"]).exit_code == 0
    )
    sections = [
        html.unescape(block["text"]["text"])
        for path in sorted((out / "slack").glob("*.json"))
        for block in json.loads(path.read_text())["blocks"]
        if block["type"] == "section"
    ]
    changed = next(s for s in sections if s.startswith("*Changed:*")).splitlines()
    assert changed[-1].startswith("<http") and changed[-1].endswith("|Source page>")
    tour = _readme_block("A Slack alert")
    assert tour[1:-1] == changed[:-1]
    assert tour[-1].startswith("Source page")

    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((out / "email").glob("*.eml"))
    ]
    digest = next(m for m in mails if m["Subject"].startswith("Sunset Watch digest for payments"))
    shown = _readme_block("The daily digest")
    assert shown[-1] == "..."
    text = digest.get_body(("plain",)).get_content()
    actual = re.sub(r"127\.0\.0\.1:\d+/", "127.0.0.1:<port>/", text).splitlines()
    assert actual[: len(shown) - 1] == shown[:-1]


def test_demo_is_dated_relative_to_the_day_it_runs(tmp_path):
    """Issue 19, major 7: the demo was pinned to 2026-11-24, so browsing it later
    contradicted what it printed and from 2027-04 every record was past. Its second day is
    the day it runs, and the sample pages move with it."""
    import datetime as dt

    base = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "a"), "--now", "2026-11-25"])
    later = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "b"), "--now", "2027-06-01"])
    assert base.exit_code == 0 and later.exit_code == 0, later.output
    assert "=== day 1: 2027-05-31 ===" in later.output
    assert "=== day 2: 2027-06-01 ===" in later.output

    def upcoming(text):
        rows = text.split("Upcoming shutdowns (all teams):")[1].split("Files:")[0]
        return [line.split()[1:] for line in rows.strip().splitlines()]  # without the date

    assert upcoming(later.output) == upcoming(base.output)  # the same days left, all ahead
    shift = (dt.date(2027, 6, 1) - dt.date(2026, 11, 25)).days
    moved = (dt.date(2027, 1, 11) + dt.timedelta(days=shift)).isoformat()
    assert f"-> {moved}" in later.output
    db = sqlite3.connect(tmp_path / "b" / "demo.db")
    changed = [row[0] for row in db.execute("SELECT changed_at FROM record_changes")]
    assert changed and all(c.startswith("2027-06-01") for c in changed)  # "this week"
    past = db.execute("SELECT count(*) FROM records WHERE shutdown_date < '2027-06-01'")
    assert past.fetchone()[0] == 0
    db.close()


def test_demo_defaults_to_today(tmp_path):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).date()
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d")])
    after = dt.datetime.now(dt.UTC).date()
    assert result.exit_code == 0, result.output
    assert any(f"=== day 2: {day} ===" in result.output for day in {before, after})


def test_shift_dates_moves_every_printed_form():
    from pipeline.demo.dates import shift_dates

    text = (
        "2026-11-25 2027&#8209;01&#8209;11 January 20, 2027 November 10th, 2026 "
        "Tue, 03 Nov 2026 10:00:00 GMT"
    )
    assert shift_dates(text, 7) == (
        "2026-12-02 2027&#8209;01&#8209;18 January 27, 2027 November 17th, 2026 "
        "Tue, 10 Nov 2026 10:00:00 GMT"
    )
    assert shift_dates("Wed, 25 Nov 2026", 1) == "Thu, 26 Nov 2026"
    assert shift_dates("December 1st, 2026", 1) == "December 2nd, 2026"


def test_demo_does_not_create_a_chain_of_missing_folders(tmp_path):
    """Issue 19: `--out` chains under / were created silently."""
    out = tmp_path / "no" / "such" / "place"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_demo_with_a_relative_out_reads_its_usage_files(tmp_path, monkeypatch):
    """The demo's teams.yml sits in the output folder and paths in it resolve from there: the
    OpenTelemetry folder must not become out/out/otel when --out is relative."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--out", "rel-out", "--now", "2026-11-25"])
    assert result.exit_code == 0, result.output
    everything = result.output + (result.stderr if hasattr(result, "stderr") else "")
    assert "pull failed" not in everything, everything
    assert "35,340 requests in the last 7 days" in result.output
