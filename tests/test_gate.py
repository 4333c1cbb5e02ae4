"""`sunset scan PATH --check`: the CI gate, end to end through the CLI.

The store (or, offline, a real `sunset export --format jsonfeed` file) says which models used
in tests/fixtures/gate_repo are deprecated; the gate exits 1 when one shuts down within the
window and 0 otherwise. SARIF output is validated against the official SARIF 2.1.0 schema
(tests/schemas/sarif-schema-2.1.0.json, from oasis-tcs/sarif-spec
`sarif-2.1/schema/sarif-schema-2.1.0.json`).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.models import Record
from pipeline.export import export_feed
from pipeline.gate.check import parse_within
from storage import records as record_store
from storage import sources as source_store
from storage.db import open_db, transaction

from .conftest import NOW

HERE = Path(__file__).resolve().parent
REPO = HERE / "fixtures" / "gate_repo"
SARIF_SCHEMA = json.loads((HERE / "schemas" / "sarif-schema-2.1.0.json").read_text())
TODAY = "2026-01-01"


def _store(path: Path, records: list[Record]) -> None:
    db = open_db(path)
    source_store.sync_sources(
        db,
        [{"id": "page", "provider": "openai", "url": "https://docs.test/deprecations",
          "format": "html", "interval_minutes": 360, "enabled": 1}],
    )  # fmt: skip
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="page",
            records=[{**asdict(r), "review_reason": None} for r in records],
            snapshot_sha256=None,
            now="2025-12-01T00:00:00Z",
            run_id=None,
        )
    db.close()


RECORDS = [
    Record(
        "openai",
        "gpt-4o-2024-05-13",
        shutdown_date="2026-02-01",
        shutdown_kind="firm",
        replacements=("gpt-4.1",),
        url="https://docs.test/deprecations#gpt-4o",
    ),
    Record(
        "anthropic",
        "claude-3-5-sonnet-20241022",
        shutdown_date="2026-10-22",
        shutdown_kind="firm",
        replacements=("claude-sonnet-4-5",),
    ),
]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "sunset.db"
    _store(path, RECORDS)
    return path


def _gate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", str(REPO), "--check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_gate_fails_when_a_used_model_shuts_down_within_the_window(store: Path) -> None:
    rc, out, _ = _gate("--within", "90d", "--db", str(store), "--now", TODAY)
    assert rc == 1
    lines = out.splitlines()
    assert lines[0] == (
        "app/chat.py:5: gpt-4o-2024-05-13 (openai) shuts down on 2026-02-01 (in 31 days); "
        "replacement: gpt-4.1  [within 90 days]"
    )
    assert lines[1] == (
        "config/models.yaml:3: claude-3-5-sonnet-20241022 (anthropic) shuts down on "
        "2026-10-22 (in 294 days); replacement: claude-sonnet-4-5"
    )
    assert lines[-1] == "2 deprecated models in 2 places; 1 shuts down within 90 days: gate failed"


def test_gate_passes_when_nothing_shuts_down_within_the_window(store: Path) -> None:
    rc, out, _ = _gate("--within", "30d", "--db", str(store), "--now", TODAY)
    assert rc == 0
    assert out.splitlines()[-1].endswith("none shuts down within 30 days: gate passed")
    # A past shutdown is due whatever the window.
    rc, _, _ = _gate("--within", "0", "--db", str(store), "--now", "2026-03-01")
    assert rc == 1


def test_a_not_before_date_is_listed_but_never_fails(tmp_path: Path) -> None:
    path = tmp_path / "sunset.db"
    _store(path, [Record("openai", "gpt-4o-2024-05-13", shutdown_date="2026-01-10",
                         shutdown_kind="earliest")])  # fmt: skip
    rc, out, _ = _gate("--db", str(path), "--now", TODAY)
    assert rc == 0
    assert "shuts down not before 2026-01-10 (in 9 days)" in out


def test_offline_reads_an_export_and_the_catalogue(store: Path, tmp_path: Path) -> None:
    feed = tmp_path / "records.json"
    db = open_db(store)
    feed.write_bytes(export_feed(db, "jsonfeed", now=NOW))
    db.close()
    rc, out, _ = _gate("--offline", "--records", str(feed), "--now", TODAY, "--format", "json")
    assert rc == 1
    body = json.loads(out)
    assert body["failed"] is True and body["within_days"] == 90
    first = body["findings"][0]
    assert first == {
        "path": "app/chat.py",
        "line": 5,
        "found_as": "gpt-4o-2024-05-13",
        "provider": "openai",
        "model": "gpt-4o-2024-05-13",
        "shutdown_date": "2026-02-01",
        "shutdown_kind": "firm",
        "days_left": 31,
        "replacements": ["gpt-4.1"],
        "url": "https://docs.test/deprecations#gpt-4o",
        "due": True,
    }
    # Without the export, the catalogue alone has no dates: nothing can fail the gate.
    rc, _, _ = _gate("--offline", "--now", TODAY)
    assert rc == 0


def test_sarif_is_valid_sarif_2_1_0(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO.parent.parent.parent)  # the repository root, as in CI
    rc, out, _ = _gate("--format", "sarif", "--db", str(store), "--now", TODAY)
    assert rc == 1
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    levels = [(r["ruleId"], r["level"]) for r in results]
    assert levels == [("SW001", "error"), ("SW002", "warning")]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "tests/fixtures/gate_repo/app/chat.py"},
        "region": {"startLine": 5},
    }
    # The validator really checks: a result without a message is refused.
    del results[0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)


def test_sarif_with_no_findings_is_valid(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    _store(empty, [])
    rc, out, _ = _gate("--format", "sarif", "--db", str(empty), "--now", TODAY)
    assert rc == 0
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_markdown_escapes_and_lists(store: Path) -> None:
    rc, out, _ = _gate("--format", "markdown", "--db", str(store), "--now", TODAY)
    assert rc == 1
    assert out.startswith("### Sunset Watch: 2 deprecated models in 2 places")
    row = "| ❌ | `app/chat.py:5` | `gpt-4o-2024-05-13` | openai | 2026-02-01 | 31 | gpt-4.1 |"
    assert row in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--within", "soon"], "Invalid value for --within: 'soon' is not a duration"),
        (["--within", "99999999"], "Invalid value for --within: '99999999' is not a duration"),
        (["--now", "2026-13-01"], "Invalid value for --now"),
        (["--records", "records.json"], "--records"),
        (["--team", "payments"], "--check records nothing: leave out --team"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    if "--records" in args:
        (tmp_path / "records.json").write_text("{}")
        args = ["--records", str(tmp_path / "records.json")]
    rc, _, err = _gate(*args)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_bad_records_file_is_one_line_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "records.json"
    bad.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "x"}]}')
    rc, _, err = _gate("--offline", "--records", str(bad))
    assert rc == 1
    assert err.strip() == (
        f"error: {bad}: items[0] has no '_sunset_watch' record (not a Sunset Watch export)"
    )
    bad.write_bytes(b"SQLite format 3\x00\xff")
    rc, _, err = _gate("--offline", "--records", str(bad))
    assert rc == 1 and err.startswith(f"error: {bad}: not a JSON Feed")


def test_a_missing_store_is_one_line(tmp_path: Path) -> None:
    rc, _, err = _gate("--db", str(tmp_path / "nope.db"))
    assert rc == 1 and err.startswith("error: database") and len(err.splitlines()) == 1


def test_gate_options_without_check_and_scan_without_team() -> None:
    result = CliRunner().invoke(main, ["scan", str(REPO), "--format", "sarif", "--team", "x"])
    assert result.exit_code == 2 and "--format works only with --check" in result.stderr
    result = CliRunner().invoke(main, ["scan", str(REPO)])
    assert result.exit_code == 2 and "Missing option '--team'" in result.stderr


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("7", 7), (" 0D ", 0)])
def test_within_parses_days_and_weeks(text: str, days: int) -> None:
    assert parse_within(text) == days
