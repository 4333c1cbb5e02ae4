"""`--json` on `upcoming` and `sources` for scripts (`check --json`: tests/test_config.py)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db


def test_upcoming_and_sources_json(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = open_db(path)
    db["sources"].insert(
        {"id": "acme", "provider": "acme", "url": "https://a.test/", "format": "html"}
    )
    db["records"].insert(
        {
            "provider": "acme",
            "model": "acme-1",
            "scope": "api",
            "shutdown_date": "2027-01-11",
            "shutdown_kind": "firm",
            "replacements": '["acme-2"]',
            "first_seen": "2026-11-01T00:00:00Z",
            "last_seen": "2026-11-01T00:00:00Z",
        }
    )
    db.close()
    runner = CliRunner()
    up = runner.invoke(main, ["upcoming", "--json", "--db", str(path), "--now", "2026-11-25"])
    assert up.exit_code == 0, up.output
    assert json.loads(up.output) == [
        {
            "provider": "acme",
            "model": "acme-1",
            "scope": "api",
            "shutdown_date": "2027-01-11",
            "shutdown_kind": "firm",
            "replacements": ["acme-2"],
            "days_left": 47,
        }
    ]
    none = runner.invoke(main, ["upcoming", "--json", "--db", str(path), "--days", "1"])
    assert json.loads(none.output) == []
    src = runner.invoke(main, ["sources", "--json", "--db", str(path)])
    assert src.exit_code == 0, src.output
    (row,) = json.loads(src.output)
    assert row["id"] == "acme" and row["enabled"] is True and row["health"]
