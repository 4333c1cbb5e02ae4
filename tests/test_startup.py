"""`sunset --help` stays cheap (issue 12): it imports none of the heavy libraries, which load
only when a command runs (benchmarks/startup.py prints the time ratio)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ["pydantic", "sqlite_utils", "httpx", "jinja2", "yaml", "bs4", "lxml", "datasette",
         "slack_sdk", "apscheduler", "sqlite3", "logging"]  # fmt: skip

PROBE = """
import json, sys
from pipeline.cli import main
try:
    main(sys.argv[1:], prog_name="sunset")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules)), file=sys.stderr)
"""


def loaded(*argv: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
        timeout=60,
    )
    return {name.split(".")[0] for name in json.loads(result.stderr.strip().splitlines()[-1])}


def test_help_imports_nothing_heavy() -> None:
    for argv in (["--help"], ["-h"], ["--version"]):
        heavy = loaded(*argv) & set(HEAVY)
        assert not heavy, f"sunset {' '.join(argv)} imports {sorted(heavy)}"


def test_command_help_and_usage_mistakes_import_only_logging() -> None:
    # The group's callback (log set-up) runs before a sub-command parses its arguments.
    for argv in (["extract", "--help"], ["upcoming", "--days", "-5"]):
        heavy = loaded(*argv) & set(HEAVY)
        assert heavy <= {"logging"}, f"sunset {' '.join(argv)} imports {sorted(heavy)}"


def test_extract_needs_neither_config_nor_store(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<table><tr><th>Model</th><th>Shutdown</th></tr>"
        "<tr><td>gpt-4-0613</td><td>2027-01-04</td></tr></table>"
    )
    assert not loaded("extract", str(page)) & {"pydantic", "sqlite_utils", "sqlite3"}
