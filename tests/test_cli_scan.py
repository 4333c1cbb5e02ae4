"""A mistaken scan can be undone (issue 19, major 8: a scan of a repo gave a team 109 models
from test fixtures, and a rescan only added). A rescan replaces that path's findings,
`sunset usage remove` removes by team, origin or path, and fixture/vendored folders are
skipped by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db

TEAMS = "teams:\n  - {name: payments, digest: off}\n  - {name: search, digest: off}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "teams.yml").write_text(TEAMS)
    code = tmp_path / "repo"
    (code / "src").mkdir(parents=True)
    (code / "src" / "app.py").write_text('MODEL = "gpt-4o-2024-05-13"\nOTHER = "claude-2.1"\n')
    (code / "tests" / "fixtures").mkdir(parents=True)
    (code / "tests" / "fixtures" / "recorded.json").write_text('{"model": "gpt-3.5-turbo-0301"}')
    (code / "vendor" / "lib").mkdir(parents=True)
    (code / "vendor" / "lib" / "client.py").write_text('DEFAULT = "text-davinci-003"\n')
    return tmp_path


def scan(repo: Path, *extra: str, team: str = "payments", path: str = "repo"):
    args = ["scan", str(repo / path), "--team", team, "--teams", str(repo / "teams.yml")]
    return CliRunner().invoke(main, [*args, "--db", str(repo / "s.db"), *extra])


def models(repo: Path, team: str = "payments") -> set[str]:
    db = open_db(repo / "s.db")
    rows = db.execute("SELECT model FROM usage WHERE team = ? AND origin = 'scan'", [team])
    found = {row[0] for row in rows}
    db.close()
    return found


def test_fixtures_and_vendored_code_are_skipped_unless_asked(repo: Path) -> None:
    assert scan(repo).exit_code == 0
    assert models(repo) == {"gpt-4o-2024-05-13", "claude-2.1"}
    assert scan(repo, "--all-files").exit_code == 0
    assert models(repo) == {
        "gpt-4o-2024-05-13", "claude-2.1", "gpt-3.5-turbo-0301", "text-davinci-003"
    }  # fmt: skip


def test_a_rescan_replaces_that_paths_findings(repo: Path) -> None:
    assert scan(repo).exit_code == 0
    assert scan(repo, path="repo/src/app.py", team="search").exit_code == 0
    (repo / "repo" / "src" / "app.py").write_text('MODEL = "gpt-4.1"\n')
    again = scan(repo)
    assert again.exit_code == 0, again.output
    assert models(repo) == {"gpt-4.1"}
    assert "replacing 2 earlier findings" in again.output
    assert models(repo, "search") == {"gpt-4o-2024-05-13", "claude-2.1"}  # other team kept


def test_usage_remove_by_path_team_or_origin(repo: Path) -> None:
    assert scan(repo).exit_code == 0
    assert scan(repo, team="search").exit_code == 0
    db = ["--db", str(repo / "s.db")]
    by_path = CliRunner().invoke(
        main, ["usage", "remove", "--team", "payments", "--path", str(repo / "repo" / "src"), *db]
    )
    assert by_path.exit_code == 0, by_path.output
    assert "removed 2 usage rows" in by_path.output
    assert models(repo) == set() and len(models(repo, "search")) == 2
    nothing = CliRunner().invoke(main, ["usage", "remove", "--team", "payments", *db])
    assert nothing.exit_code == 1 and "no scanned or imported usage matched" in nothing.output
    typo = CliRunner().invoke(main, ["usage", "remove", "--team", "serch", *db])
    assert typo.exit_code == 2 and "no team named 'serch'" in typo.output
    bare = CliRunner().invoke(main, ["usage", "remove", *db])
    assert bare.exit_code == 2 and bare.output.count("\n") == 1
    by_origin = CliRunner().invoke(main, ["usage", "remove", "--origin", "scan", *db])
    assert by_origin.exit_code == 0 and models(repo, "search") == set()
    missing = CliRunner().invoke(
        main, ["usage", "remove", "--team", "search", "--db", str(repo / "nope.db")]
    )
    assert missing.exit_code == 1 and not (repo / "nope.db").exists()
