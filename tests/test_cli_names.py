"""Unknown names are errors that list the known ones (issue 12, defect 5): a typo in a team or
source id is one line with exit status 2 and writes nothing, never a silent success."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db
from storage.teams import sync_teams

TEAMS = "teams:\n  - {name: payments, digest: off}\n  - {name: search, digest: off}\n"
SOURCES = (
    "sources:\n"
    "  - {id: acme-deprecations, provider: acme, format: html, url: 'http://127.0.0.1:9/'}\n"
    "  - {id: old, provider: acme, format: html, url: 'http://127.0.0.1:9/x', enabled: false}\n"
)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "teams.yml").write_text(TEAMS)
    (tmp_path / "sources.yml").write_text(SOURCES)
    (tmp_path / "usage.csv").write_text("model,requests\ngpt-4o,3\n")
    (tmp_path / "app.py").write_text('MODEL = "gpt-4o-2024-05-13"\n')
    db = open_db(tmp_path / "s.db")
    sync_teams(db, [{"name": "payments"}, {"name": "search"}])
    db.close()
    return tmp_path


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def usage_count(path: Path) -> int:
    db = open_db(path)
    try:
        return db.execute("SELECT COUNT(*) FROM usage").fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "{tmp}/app.py", "--team", "nosuch"],
        ["usage", "import", "{tmp}/usage.csv", "--team", "nosuch"],
    ],
)
def test_usage_for_an_unknown_team_is_refused(files: Path, argv: list[str]) -> None:
    args = [a.format(tmp=files) for a in argv]
    args += ["--teams", str(files / "teams.yml"), "--db", str(files / "s.db")]
    line = one_error_line(CliRunner().invoke(main, args))
    assert "no team named 'nosuch'" in line and "known: payments, search" in line
    assert usage_count(files / "s.db") == 0
    ok = CliRunner().invoke(
        main, [*args[: args.index("nosuch")], "payments", *args[args.index("nosuch") + 1 :]]
    )
    assert ok.exit_code == 0, ok.output
    assert usage_count(files / "s.db") == 1


def test_usage_without_teams_file_is_refused(files: Path) -> None:
    args = ["scan", str(files / "app.py"), "--team", "payments"]
    args += ["--teams", str(files / "missing.yml"), "--db", str(files / "s.db")]
    line = one_error_line(CliRunner().invoke(main, args))
    assert "missing.yml: file not found" in line


@pytest.mark.parametrize(
    ("source", "expected"),
    [("typo", "no source 'typo' (known: acme-deprecations, old)"), ("old", "is disabled")],
)
def test_run_with_an_unknown_or_disabled_source_is_refused(files, source, expected) -> None:
    args = ["run", "--sources", str(files / "sources.yml"), "--teams", str(files / "teams.yml")]
    args += ["--db", str(files / "new.db"), "--source", source, "--no-deliver"]
    line = one_error_line(CliRunner().invoke(main, args))
    assert expected in line
    assert not (files / "new.db").exists()


@pytest.mark.parametrize("command", [["upcoming"], ["export", "--format", "ics"]])
def test_read_only_commands_refuse_an_unknown_team(files, command) -> None:
    args = [*command, "--team", "nosuch", "--db", str(files / "s.db")]
    args += ["--teams", str(files / "absent.yml")] if command[0] == "export" else []
    line = one_error_line(CliRunner().invoke(main, args))
    assert "no team named 'nosuch'" in line and "known: payments, search" in line
    ok = CliRunner().invoke(main, [*command, "--team", "search", "--db", str(files / "s.db")])
    assert ok.exit_code == 0, ok.output


def test_negative_days_is_refused(files) -> None:
    line = one_error_line(
        CliRunner().invoke(main, ["upcoming", "--days", "-5", "--db", str(files / "s.db")])
    )
    assert "--days" in line


def test_export_team_is_checked_against_the_store_not_teams_yml(files) -> None:
    """README: `--team` of `export` names a team of the store. A stored team that the
    teams.yml here does not list is exported (default lead days); an unknown one lists the
    store's teams, not teams.yml's."""
    (files / "teams.yml").write_text("teams:\n  - {name: payments, digest: off}\n")
    base = ["export", "--format", "ics", "--db", str(files / "s.db")]
    base += ["--teams", str(files / "teams.yml")]
    ok = CliRunner().invoke(main, [*base, "--team", "search"])
    assert ok.exit_code == 0, ok.output
    line = one_error_line(CliRunner().invoke(main, [*base, "--team", "nosuch"]))
    assert "known: payments, search" in line


def test_digest_dry_run_never_creates_a_database(files) -> None:
    """A typo in --db for a digest that only prints is one error line, not a new empty store
    and 'nothing to say today'."""
    args = ["digest", "--dry-run", "--teams", str(files / "teams.yml")]
    result = CliRunner().invoke(main, [*args, "--db", str(files / "typo.db")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"error: database {files / 'typo.db'}: no database here (a command that writes creates it)"
    ]
    assert not (files / "typo.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--sources", "{tmp}/sources.yml"],
        ["doctor", "--offline", "--sources", "{tmp}/sources.yml"],
        ["deliver"],
        ["digest", "--dry-run"],
        ["scan", "{tmp}/app.py", "--team", "payments"],
        ["usage", "import", "{tmp}/usage.csv", "--team", "payments"],
        ["usage", "pull"],
    ],
)
def test_teams_help_says_skipped_only_where_a_missing_file_is_skipped(files, command) -> None:
    """These commands refuse a missing teams.yml, so their --help must not promise to skip it."""
    args = [a.format(tmp=files) for a in command]
    help_text = CliRunner().invoke(main, [*args[: 2 if args[0] == "usage" else 1], "-h"]).output
    assert "skipped" not in " ".join(help_text.split())
    db = [] if args[0] == "check" else ["--db", str(files / "s.db")]
    result = CliRunner().invoke(main, [*args, "--teams", str(files / "absent.yml"), *db])
    assert result.exit_code != 0 and "absent.yml" in result.output, result.output
