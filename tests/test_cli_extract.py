"""`sunset extract` on big files (issue 12, defect 11): a size cap with one clear line, and
stage lines on stderr in a terminal only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import extract as cli
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
    monkeypatch.setattr(cli, "stderr_is_tty", lambda: True)
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


def test_a_database_or_binary_file_is_not_a_document(tmp_path: Path) -> None:
    """Issue 19, major 6: `sunset extract demo.db` read SQLite as text and printed 47
    records (exit 0); random bytes gave "0 records", exit 0."""
    import os

    from storage.db import open_db

    store = open_db(tmp_path / "demo.db")
    store["teams"].insert({"name": "gpt-4-0613 shuts down on 2027-01-04"})
    store.close()
    noise = tmp_path / "noise.bin"
    noise.write_bytes(os.urandom(4096))
    archive = tmp_path / "page.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    for path, what in ((tmp_path / "demo.db", "SQLite database"), (noise, "binary data"),
                       (archive, "ZIP archive")):  # fmt: skip
        result = CliRunner().invoke(main, ["extract", str(path), "--now", "2026-11-01"])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and what in result.output
        assert "not a document" in result.output and "record" not in result.output
    # text in another encoding, and a page with a BOM, are still documents
    latin = tmp_path / "page.html"
    latin.write_bytes(PAGE.format(pad="<p>caf\xe9</p>").encode("latin-1"))
    assert CliRunner().invoke(main, ["extract", str(latin), "--now", "2026-11-01"]).exit_code == 0
    bom = tmp_path / "bom.html"
    bom.write_bytes(b"\xef\xbb\xbf" + PAGE.format(pad="").encode())
    assert CliRunner().invoke(main, ["extract", str(bom), "--now", "2026-11-01"]).exit_code == 0
