"""`sunset review`: list, confirm, reject, correct; every mistake is one `error:` line on
stderr with a non-zero status, and no subcommand ever creates a database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from storage import records as record_store
from storage import sources as source_store
from storage import teams as team_store
from storage.db import open_db, transaction

NOW = "2026-11-24T06:00:00Z"


def seed(path: Path) -> None:
    db = open_db(path)
    source_store.sync_sources(
        db,
        [
            {
                "id": "acme-page",
                "provider": "acme",
                "url": "https://acme.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
        ],
    )
    base = {
        "provider": "acme",
        "kind": "model",
        "aliases": [],
        "shutdown_kind": "firm",
        "announced_date": None,
        "status": "deprecated",
        "url": None,
        "scope": "api",
    }
    records = [
        {
            **base,
            "model": "acme-chat-1",
            "shutdown_date": "2027-01-31",
            "replacements": ["acme-chat-2"],
            "evidence": "acme-chat-1 retires 2027-01-31 \x1b[31m",
            "confidence": 0.35,
            "why": ["row under 'Substitute model'"],
            "review_reason": "confidence 0.35 below 0.60",
        },
        {
            **base,
            "model": "acme-chat-2",
            "shutdown_date": None,
            "shutdown_kind": "none",
            "replacements": [],
            "evidence": "acme-chat-2",
            "confidence": 0.4,
            "why": [],
            "review_reason": "confidence 0.40 below 0.60",
        },
        {
            **base,
            "model": "acme-old",
            "shutdown_date": "2027-02-01",
            "replacements": [],
            "evidence": "x",
        },
    ]
    with transaction(db):
        record_store.apply_source_records(
            db, source_id="acme-page", records=records, snapshot_sha256="s", now=NOW, run_id=None
        )
        team_store.ensure_team(db, "search")
        team_store.add_usage(
            db,
            [
                {
                    "team": "search",
                    "provider": "*",
                    "model": "acme-chat-*",
                    "origin": "declared",
                    "where_seen": "",
                    "last_seen": None,
                    "volume": None,
                }
            ],
        )
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "watch.db"
    seed(path)
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def state(path: Path, record_id: int) -> dict:
    db = open_db(path)
    try:
        return record_store.decode_record(
            next(db.query("SELECT * FROM records WHERE id = ?", [record_id]))
        )
    finally:
        db.close()


def one_error(result, code: int | None = None) -> str:
    """The single stderr line of a failed command (and no traceback anywhere)."""
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_list_shows_what_waits(store):
    result = run("review", "list", "--db", str(store))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "#1  acme/acme-chat-1  shutdown 2027-01-31  confidence 0.35  source acme-page" in out
    assert "why: row under 'Substitute model'" in out
    assert "waiting because: confidence 0.35 below 0.60" in out
    assert "teams using it: search" in out
    assert 'evidence: "acme-chat-1 retires 2027-01-31 [31m"' in out  # no raw escape codes
    assert "#2  acme/acme-chat-2  shutdown no date" in out
    assert "acme-old" not in out
    # `sunset review` alone lists too; the group's --db is honoured.
    assert run("review", "--db", str(store)).stdout == out
    data = json.loads(run("review", "list", "--json", "--db", str(store)).stdout)
    assert [(r["id"], r["confidence"], r["why"], r["teams_using"]) for r in data] == [
        (1, 0.35, ["row under 'Substitute model'"], ["search"]),
        (2, 0.4, [], ["search"]),
    ]


def test_confirm_and_reject(store):
    result = run("review", "confirm", "1", "--db", str(store), "--now", NOW)
    assert result.exit_code == 0 and "record 1: needs_review -> confirmed" in result.stdout
    assert state(store, 1)["reviewed_by"] == "operator"
    result = run("review", "--db", str(store), "reject", "2", "1")
    assert result.exit_code == 0
    assert "record 2: needs_review -> rejected" in result.stdout
    assert "record 1: confirmed -> rejected" in result.stdout
    again = run("review", "reject", "2", "--db", str(store))
    assert again.exit_code == 0 and "record 2: already rejected" in again.stdout
    listed = run("review", "list", "--state", "rejected", "--db", str(store)).stdout
    assert "#1 " in listed and "#2 " in listed


def test_correct_overrides_and_confirms(store):
    result = run(
        "review",
        "correct",
        "1",
        "--shutdown-date",
        "2027-03-31",
        "--kind",
        "earliest",
        "--replacement",
        "acme-chat-3",
        "--replacement",
        "acme-chat-3-mini",
        "--model",
        "acme-chat-1.5",
        "--db",
        str(store),
        "--now",
        NOW,
    )
    assert result.exit_code == 0, result.output
    assert "record 1: shutdown_date 2027-01-31 -> 2027-03-31" in result.stdout
    record = state(store, 1)
    assert (record["model"], record["shutdown_date"], record["shutdown_kind"]) == (
        "acme-chat-1.5",
        "2027-03-31",
        "earliest",
    )
    assert record["replacements"] == ["acme-chat-3", "acme-chat-3-mini"]
    assert record["review_state"] == "confirmed"
    assert set(record["overrides"]) == {"model", "shutdown_date", "shutdown_kind", "replacements"}
    undated = run("review", "correct", "1", "--shutdown-date", "none", "--db", str(store))
    assert undated.exit_code == 0
    assert (state(store, 1)["shutdown_date"], state(store, 1)["shutdown_kind"]) == (None, "none")
    cleared = run("review", "correct", "2", "--replacement", "none", "--db", str(store))
    assert cleared.exit_code == 0 and state(store, 2)["replacements"] == []
    dated = run("review", "correct", "2", "--shutdown-date", "2027-05-01", "--db", str(store))
    assert dated.exit_code == 0
    assert (state(store, 2)["shutdown_date"], state(store, 2)["shutdown_kind"]) == (
        "2027-05-01",
        "firm",
    )


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["confirm", "99"], "error: no record with id 99", 1),
        (["confirm", "1", "99"], "error: no record with id 99", 1),
        (["reject", "abc"], "error: 'abc' is not a record id", 2),
        (["confirm"], "error: give at least one record id", 2),
        (["correct", "1", "--shutdown-date", "2027-02-30"], "is not a real date", 2),
        (["correct", "1", "--shutdown-date", "31/01/2027"], "is not a date like 2027-01-31", 2),
        (["correct", "1", "--shutdown-date", "1999-01-01"], "is implausible (2015..2036)", 2),
        (["correct", "1"], "error: nothing to correct", 2),
        (["correct", "1", "--model", "acme-old"], "already exists as record 3", 1),
        (["correct", "1", "--model", "Bad Model!"], "--model 'Bad Model!' is not a model id", 2),
        (["correct", "2", "--kind", "earliest"], "record 2 has no shutdown date", 1),
        (["correct", "1", "--replacement", "x y!"], "--replacement 'x y!' is not a model id", 2),
        (["correct", "1", "--replacement", "none", "--replacement", "a-1"], "do not mix", 2),
        (["correct", "1", "--shutdown-date", "none", "--kind", "firm"], "--kind needs a date", 2),
        (["correct", "1", "--kind", "sometime"], "error: sunset review correct: ", 2),
        (["list", "--state", "maybe"], "error: sunset review list: ", 2),
    ],
)
def test_mistakes_are_one_line(store, args, message, code):
    result = run("review", *args, "--db", str(store), "--now", NOW)
    line = one_error(result, code)
    assert message in line
    assert state(store, 1)["review_state"] == "needs_review"  # nothing half-applied


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review", "bogus"], "error: sunset review: No such command 'bogus'"),
        (["review", "--bogus"], "error: sunset review: No such option '--bogus'"),
    ],
)
def test_group_mistakes_are_one_line(args, message):
    assert message in one_error(run(*args), 2)


@pytest.mark.parametrize(
    "args",
    [
        ["review"],
        ["review", "list"],
        ["review", "confirm", "1"],
        ["review", "reject", "1"],
        ["review", "correct", "1", "--shutdown-date", "2027-01-01"],
    ],
)
def test_missing_database_is_never_created(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUNSET_DB", raising=False)
    missing = tmp_path / "nope.db"
    result = run(*args[:1], "--db", str(missing), *args[1:])
    assert "no database at" in one_error(result, 1)
    result = run(*args)  # the default sunset.db, not there either
    assert "no database at sunset.db" in one_error(result, 1)
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not sqlite at all, just notes\n" * 100)
    line = one_error(run("review", "--db", str(bad)), 1)
    # the one line every --db command gives for such a file (storage.db.open_db)
    assert line == f"error: database {bad}: not a SQLite database: file is not a database"
