"""`sunset init`: a commented starter sources.yml and teams.yml that pass `sunset check`;
never overwrites anything."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_init_writes_files_that_pass_check(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["sources.yml", "teams.yml"]
    assert (folder / "teams.yml").read_text().startswith("# ")
    check = CliRunner().invoke(
        main,
        ["check", "--sources", str(folder / "sources.yml"), "--teams", str(folder / "teams.yml")],
    )
    assert check.exit_code == 0, check.output
    assert "ok: 1 team" in check.output


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "teams.yml").write_text("mine")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "already exists; nothing written" in result.output
    assert (tmp_path / "teams.yml").read_text() == "mine"
    assert not (tmp_path / "sources.yml").exists()


def test_init_into_a_file_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x")
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code != 0 and result.output.count("\n") == 1
    assert target.read_text() == "x"


def test_starter_sources_are_the_curated_list() -> None:
    starter = REPO / "pipeline" / "cli" / "starter" / "sources.yml"
    assert starter.read_text() == (REPO / "sources.yml").read_text(), (
        "sources.yml changed: copy it to pipeline/cli/starter/sources.yml "
        "(what `sunset init` writes)"
    )
