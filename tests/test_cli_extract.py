"""`sunset extract` on big files (issue 12, defect 11): a size cap with one clear line, and
stage lines on stderr in a terminal only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli
from pipeline.cli import main

PAGE = (
    "<html><body><h1>Deprecations</h1><table><tr><th>Model</th><th>Shutdown date</th></tr>"
    "<tr><td>gpt-4-0613</td><td>2027-01-04</td></tr></table>{pad}</body></html>"
)


def test_file_over_the_cap_is_refused_in_one_line(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    page.write_text(PAGE.format(pad="<p>x</p>" * 2_000))  # 16 kB
    result = CliRunner().invoke(main, ["extract", str(page), "--max-mb", "0.01"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "over the 0.01 MB limit" in lines[0] and "--max-mb" in lines[0]


def test_progress_only_in_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "big.html"
    page.write_text(PAGE.format(pad="<p>filler text</p>" * 100))
    monkeypatch.setattr(cli, "PROGRESS_FROM_BYTES", 1_000)  # "big" for this test
    quiet = CliRunner().invoke(main, ["extract", str(page), "--now", "2026-11-01"])
    assert quiet.exit_code == 0, quiet.output
    assert "reading" not in quiet.output and "gpt-4-0613" in quiet.output
    monkeypatch.setattr(cli, "_stderr_is_tty", lambda: True)
    shown = CliRunner().invoke(main, ["extract", str(page), "--now", "2026-11-01"])
    assert shown.exit_code == 0, shown.output
    assert "reading" in shown.output and "done: 1 record" in shown.output


def test_json_and_explain_together_are_refused(tmp_path: Path) -> None:
    """README: `[--json | --explain]`. Both at once used to print JSON and drop --explain."""
    page = tmp_path / "page.md"
    page.write_text("# Deprecations\n\n`gpt-4-0613` will be shut down on 2027-03-15.\n")
    result = CliRunner().invoke(main, ["extract", str(page), "--json", "--explain"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: sunset extract: --json and --explain are two outputs: choose one"
    ]
    assert CliRunner().invoke(main, ["extract", str(page), "--explain"]).exit_code == 0
