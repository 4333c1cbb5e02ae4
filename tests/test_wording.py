"""Counted nouns agree with their number (issue 12: "1 teams", "1 usage rows")."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.wording import count


def test_count() -> None:
    assert count(1, "team") == "1 team"
    assert count(0, "team") == "0 teams"
    assert count(2, "usage row") == "2 usage rows"
    assert count(1, "usage row") == "1 usage row"
    assert count(3, "usage") == "3 usages"
    assert count(2, "box") == "2 boxes"
    assert count(2, "person", "people") == "2 people"


def test_check_and_usage_import_say_one_team_and_one_row(tmp_path: Path) -> None:
    (tmp_path / "teams.yml").write_text("teams:\n  - {name: payments, digest: off}\n")
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - {id: a, provider: openai, format: html, url: 'https://a.test/'}\n"
    )
    (tmp_path / "usage.csv").write_text("model,requests\ngpt-4o,3\n")
    runner = CliRunner()
    check = runner.invoke(
        main,
        [
            "check",
            "--sources",
            str(tmp_path / "sources.yml"),
            "--teams",
            str(tmp_path / "teams.yml"),
        ],
    )
    assert check.exit_code == 0, check.output
    assert "ok: 1 team\n" in check.output and "ok: 1 source (1 enabled), 1 provider" in check.output
    imported = runner.invoke(
        main,
        ["usage", "import", str(tmp_path / "usage.csv"), "--team", "payments",
         "--teams", str(tmp_path / "teams.yml"), "--db", str(tmp_path / "s.db")],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert "1 usage row imported for payments" in imported.output
