"""Migrating a store written by an older version: records rebuilt with a scope key, ids,
references, history and full-text search kept; new tables for products and references."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from storage.db import migrate
from storage.schema import FOREIGN_KEYS_OFF, MIGRATIONS, SCHEMA_VERSION


def version_1_store() -> sqlite_utils.Database:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db["sources"].insert(
        {"id": "s", "provider": "openai", "url": "https://o.test", "format": "html"}
    )
    db["records"].insert(
        {
            "id": 7,
            "provider": "openai",
            "model": "gpt-x-1",
            "shutdown_date": "2027-01-01",
            "source_id": "s",
            "evidence": "gpt-x-1 retires",
            "first_seen": "2026-01-01T00:00:00+00:00",
            "last_seen": "2026-01-01T00:00:00+00:00",
        }
    )
    db["record_changes"].insert(
        {"record_id": 7, "field": "listed", "new_value": "1", "changed_at": "2026-01-02"}
    )
    db["teams"].insert({"name": "core"})
    db["exposures"].insert(
        {
            "team": "core",
            "record_id": 7,
            "usage_model": "gpt-x-1",
            "usage_provider": "*",
            "how": "exact",
            "origin": "declared",
            "first_seen": "2026-01-02",
            "last_seen": "2026-01-02",
        }
    )
    return db


def test_version_1_store_migrates_with_its_data():
    db = version_1_store()
    assert migrate(db) == SCHEMA_VERSION
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    (row,) = db.query("SELECT id, model, scope, shutdown_date FROM records")
    assert row == {"id": 7, "model": "gpt-x-1", "scope": "api", "shutdown_date": "2027-01-01"}
    assert db.execute("SELECT kind FROM sources").fetchone()[0] == "page"
    hits = db.execute("SELECT rowid FROM records_fts WHERE records_fts MATCH 'retires'").fetchall()
    assert hits == [(7,)]
    # The triggers came back with the table: full-text search follows updates.
    db.execute("UPDATE records SET evidence = 'gpt-x-1 leaves soon' WHERE id = 7")
    assert db.execute("SELECT rowid FROM records_fts WHERE records_fts MATCH 'leaves'").fetchall()
    # A product record of the same model is now a second record.
    db["records"].insert(
        {
            "provider": "openai",
            "model": "gpt-x-1",
            "scope": "product:chatgpt",
            "first_seen": "2026-02-01",
            "last_seen": "2026-02-01",
        }
    )
    with pytest.raises(sqlite3.IntegrityError):
        db["records"].insert(
            {"provider": "openai", "model": "gpt-x-1", "first_seen": "x", "last_seen": "x"}
        )
    # Views carry the scope; foreign keys are enforced again.
    assert "scope" in {c.name for c in db["upcoming_shutdowns"].columns}
    with pytest.raises(sqlite3.IntegrityError):
        db["exposures"].insert(
            {
                "team": "core",
                "record_id": 999,
                "usage_model": "m",
                "usage_provider": "*",
                "how": "exact",
                "origin": "declared",
                "first_seen": "x",
                "last_seen": "x",
            }
        )


def test_a_migration_that_breaks_references_is_rolled_back(monkeypatch):
    db = version_1_store()
    rebuild = next(i for i, m in enumerate(MIGRATIONS) if m and m[0] == FOREIGN_KEYS_OFF)
    broken = [*MIGRATIONS[rebuild], "DELETE FROM records"]  # would orphan the exposure
    patched = [*MIGRATIONS[:rebuild], broken, *MIGRATIONS[rebuild + 1 :]]
    monkeypatch.setattr("storage.db.MIGRATIONS", patched)
    with pytest.raises(RuntimeError, match=f"migration {rebuild + 1} broke foreign keys"):
        migrate(db)
    assert db.execute("PRAGMA user_version").fetchone()[0] == rebuild
    assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
