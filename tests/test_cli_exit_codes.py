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


def test_quiet_by_default_one_plain_line_per_problem(tmp_path: Path, httpserver) -> None:
    """The default log was INFO with timestamps and Python reprs (`DeliveryReport(...)`),
    and -q / -v worked only before the sub-command."""
    import subprocess
    import sys

    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    url = httpserver.url_for("/gone")
    (tmp_path / "sources.yml").write_text(
        f"sources:\n  - {{id: gone, provider: acme, format: html, url: '{url}'}}\n"
    )
    (tmp_path / "teams.yml").write_text("teams:\n  - {name: payments, digest: off}\n")
    base = [sys.executable, "-m", "pipeline", "run", "--db", str(tmp_path / "s.db")]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *extra], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    quiet = run()
    assert quiet.returncode == 1, quiet.stderr
    lines = quiet.stderr.strip().splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines), quiet.stderr
    assert any("source gone" in line for line in lines)
    assert "INFO" not in quiet.stderr and "Report(" not in quiet.stderr
    verbose = run("-v")  # after the sub-command
    assert verbose.returncode == 1 and " INFO " in verbose.stderr, verbose.stderr
    silent = run("-q")
    assert silent.returncode == 1 and "warning:" not in silent.stderr, silent.stderr
