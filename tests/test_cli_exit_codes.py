"""The exit-status contract (issue 19): 0 all well, 1 partly done, 2 usage, 130 Ctrl-C.
`sunset run` exited 0 when sources failed and when sends failed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from tests.slack_stub import free_port


def test_run_with_a_failing_source_exits_1(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there: the fetch fails
    (tmp_path / "sources.yml").write_text(
        f"sources:\n  - {{id: down, provider: acme, format: html, "
        f"url: 'http://127.0.0.1:{port}/d'}}\n"
    )
    (tmp_path / "teams.yml").write_text("teams:\n  - {name: payments, digest: off}\n")
    args = [
        "run",
        "--sources",
        str(tmp_path / "sources.yml"),
        "--teams",
        str(tmp_path / "teams.yml"),
    ]
    result = CliRunner().invoke(main, [*args, "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 1, result.output
    assert "failed: down:" in result.output and "Traceback" not in result.output


def test_a_named_teams_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sources.yml").write_text("sources: []\n")
    args = [
        "run",
        "--sources",
        str(tmp_path / "sources.yml"),
        "--teams",
        str(tmp_path / "tems.yml"),
    ]
    result = CliRunner().invoke(main, [*args, "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"error: {tmp_path / 'tems.yml'}: file not found (given with --teams)"
    )
    assert not (tmp_path / "s.db").exists()


def test_a_fresh_folder_hints_at_init(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["run"], ["check"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        assert "sunset init" in result.output, (command, result.output)
