"""Unusable database files (issue 13): every command taking --db fails with one line naming
the path and a non-zero status, never a traceback; read-only commands never create a file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from storage import db as storage_db
from storage.db import open_db
from storage.schema import SCHEMA_VERSION

READ_ONLY_COMMANDS = ["sources", "upcoming", "export", "serve"]
WRITING_COMMANDS = ["run", "deliver", "scan", "usage", "worker", "digest"]


def args_for(command: str, db: Path, tmp: Path) -> list[str]:
    (tmp / "sources.yml").write_text(
        "sources:\n  - {id: a, provider: openai, format: html, url: 'http://127.0.0.1:9/'}\n"
    )
    (tmp / "teams.yml").write_text("teams:\n  - {name: payments, digest: off}\n")
    (tmp / "usage.csv").write_text("model,requests\ngpt-4o,3\n")
    config = ["--sources", str(tmp / "sources.yml"), "--teams", str(tmp / "teams.yml")]
    return {
        "run": ["run", *config, "--no-deliver"],
        "deliver": ["deliver", "--teams", str(tmp / "teams.yml")],
        "sources": ["sources"],
        "upcoming": ["upcoming"],
        "scan": [
            "scan",
            str(tmp / "usage.csv"),
            "--team",
            "payments",
            "--teams",
            str(tmp / "teams.yml"),
        ],
        "usage": [
            "usage",
            "import",
            str(tmp / "usage.csv"),
            "--team",
            "payments",
            "--teams",
            str(tmp / "teams.yml"),
        ],
        "worker": ["worker", *config, "--once"],
        "digest": ["digest", "--teams", str(tmp / "teams.yml"), "--team", "payments"],
        "serve": ["serve", "--port", "9"],
        "export": ["export", "--format", "rss", "--teams", str(tmp / "teams.yml")],
    }[command] + ["--db", str(db)]


def make(kind: str, path: Path) -> None:
    if kind == "not-sqlite":
        path.write_text("model,shutdown\ngpt-4,2026-01-01\n" * 200)
        return
    open_db(path).close()
    if kind == "future-schema":
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()  # checkpoints the WAL into the file
    elif kind == "corrupt":
        data = bytearray(path.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)  # page 1 (the schema) after the header
        path.write_bytes(bytes(data))


def invoke(argv: list[str]):
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def assert_one_clear_line(result, path: Path) -> None:
    assert result.exit_code not in (0, None), result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(path) in errors[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["not-sqlite", "corrupt", "future-schema"])
@pytest.mark.parametrize("command", READ_ONLY_COMMANDS + WRITING_COMMANDS)
def test_unusable_database_fails_with_one_line(tmp_path: Path, kind: str, command: str) -> None:
    path = tmp_path / "sunset.db"
    make(kind, path)
    before = path.read_bytes()
    result = invoke(args_for(command, path, tmp_path))
    assert_one_clear_line(result, path)
    assert path.read_bytes() == before  # failed closed: nothing written


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS)
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: str) -> None:
    path = tmp_path / "missing" / "sunset.db"
    result = invoke(args_for(command, path, tmp_path))
    assert_one_clear_line(result, path)
    assert not path.parent.exists() and not path.exists()
    path = tmp_path / "sunset.db"
    assert_one_clear_line(invoke(args_for(command, path, tmp_path)), path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("sunset")) == []


@pytest.fixture
def read_only_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file that refuses writes: chmod 0444, and (as root, where chmod does not
    bind) SQLite's own query_only switch on every read-write connection to it."""
    path = tmp_path / "sunset.db"
    open_db(path).close()
    os.chmod(path, 0o444)
    if os.geteuid() == 0:
        real = storage_db.sqlite3.connect

        def connect(target: str, *args, **kwargs):
            conn = real(target, *args, **kwargs)
            if target == str(path):
                conn.execute("PRAGMA query_only = ON")
            return conn

        monkeypatch.setattr(storage_db.sqlite3, "connect", connect)
    return path


@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_read_only_database_fails_writers_clearly(
    tmp_path: Path, read_only_db: Path, command: str
) -> None:
    result = invoke(args_for(command, read_only_db, tmp_path))
    assert_one_clear_line(result, read_only_db)
    assert "cannot be written" in result.output or "read-only" in result.output


@pytest.mark.parametrize("command", ["sources", "upcoming", "export"])
def test_read_only_database_serves_readers(
    tmp_path: Path, read_only_db: Path, command: str
) -> None:
    result = invoke(args_for(command, read_only_db, tmp_path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", ["not-sqlite", "corrupt", "future-schema"])
@pytest.mark.parametrize(
    "argv", [["review", "list"], ["review", "confirm", "1"], ["review", "reject", "1"]]
)
def test_review_on_an_unusable_database_says_so_like_every_command(tmp_path, kind, argv) -> None:
    """`sunset review` gives the same one line as every --db command ('database PATH: why'),
    the path named once, and writes nothing."""
    path = tmp_path / "sunset.db"
    make(kind, path)
    before = path.read_bytes()
    result = invoke([*argv, "--db", str(path)])
    assert_one_clear_line(result, path)
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: database {path}: ") and line.count(str(path)) == 1, line
    assert path.read_bytes() == before
