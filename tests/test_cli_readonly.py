"""Read-only commands leave no -wal/-shm files behind, on error paths too (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db


@pytest.mark.parametrize(
    "argv",
    [
        ["upcoming"],
        ["upcoming", "--team", "typo"],
        ["export", "--format", "ics", "--team", "typo"],
        ["sources"],
    ],
)
def test_no_wal_files_left_behind(tmp_path: Path, argv: list[str]) -> None:
    path = tmp_path / "s.db"
    open_db(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]
    CliRunner().invoke(main, [*argv, "--db", str(path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]
