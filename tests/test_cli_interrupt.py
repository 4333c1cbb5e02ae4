"""Ctrl-C in any command is one line and exit status 130 (issue 19: `sunset demo` printed a
traceback, and click's "Aborted!" exited 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline.demo.run
from pipeline.cli import main


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.demo.run, "run_demo", interrupted)
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d")])
    assert result.exit_code == 130
    assert result.output.strip() == "interrupted"
    assert "Traceback" not in result.output and "Aborted" not in result.output
