"""A group given no sub-command prints its normal help (issue 19, major 4: bare `sunset` and
`sunset usage` printed the whole help squashed into one 1,500-character `error:` line)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import main


@pytest.mark.parametrize(
    ("argv", "heading"),
    [([], "Usage: sunset [OPTIONS] COMMAND"), (["usage"], "Usage: sunset usage [OPTIONS]")],
)
def test_bare_group_prints_its_help(argv: list[str], heading: str) -> None:
    result = CliRunner().invoke(main, argv, prog_name="sunset")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(heading)
    assert "error:" not in result.output
    assert "\nCommands:\n" in result.output  # laid out over lines, as `--help` prints it
    assert result.output == CliRunner().invoke(main, [*argv, "--help"], prog_name="sunset").output


def test_an_unknown_sub_command_is_still_one_error_line() -> None:
    result = CliRunner().invoke(main, ["usage", "imprt"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: sunset usage")
