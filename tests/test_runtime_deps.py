"""What a documented command needs is a runtime dependency (issue 12, defect 10): `sunset
demo` runs in a process where every dev-only package (the `dev` extra that is not also a
runtime dependency) cannot be imported, as after `pip install .` without `[dev]`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (dev-only)")
        return None
sys.meta_path.insert(0, Block())
from pipeline.cli import main
main(sys.argv[2:], prog_name="sunset")
"""

IMPORT_NAMES = {"pytest-httpserver": "pytest_httpserver"}


def _names(requirements: list[str]) -> set[str]:
    names = {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].strip().lower() for r in requirements}
    return {IMPORT_NAMES.get(n, n.replace("-", "_")) for n in names}


def dev_only_modules() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return _names(project["optional-dependencies"]["dev"]) - _names(project["dependencies"])


def test_demo_runs_without_dev_dependencies(tmp_path: Path) -> None:
    blocked = dev_only_modules()
    assert "pytest" in blocked  # the blocker really blocks something
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            BLOCKER,
            ",".join(sorted(blocked)),
            "demo",
            "--out",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "=== day 2" in result.stdout
