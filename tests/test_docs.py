"""Docs that tests check: every CLI command has help text and appears in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):  # the commands' modules load on first use
        command = group.get_command(context, name)
        assert command is not None, name
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, full + " "))
        else:
            found.append((full, command))
    return found


COMMANDS = _commands(main)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_and_is_in_readme(name, command):
    assert command.help, f"`sunset {name}` has no help text"
    assert f"sunset {name}" in README, f"`sunset {name}` is not documented in README.md"
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"`sunset {name} {param.opts[0]}` has no help"


def test_readme_has_two_step_setup_and_one_test_command():
    assert "pip install -e '.[dev]'" in README
    assert "sunset demo" in README
    assert "python -m pytest -q" in README


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "python -m pytest -q" in ci
