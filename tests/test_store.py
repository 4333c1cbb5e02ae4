"""The store: migrations, record upserts with change history, unlisting, snapshots, outbox."""

from __future__ import annotations

import sqlite3

from storage import alerts as outbox
from storage import records as record_store
from storage import sources as source_store
from storage.db import open_db, transaction
from storage.schema import SCHEMA_VERSION


def _record(model: str, **fields) -> dict:
    base = {
        "provider": "openai",
        "model": model,
        "kind": "model",
        "aliases": [],
        "shutdown_date": "2026-03-01",
        "shutdown_kind": "firm",
        "announced_date": "2025-09-01",
        "replacements": ["gpt-5"],
        "status": "deprecated",
        "evidence": f"{model} shuts down 2026-03-01",
        "url": "https://example.test/#x",
    }
    return {**base, **fields}


def _seed_source(db) -> None:
    source_store.sync_sources(
        db,
        [
            {
                "id": "s1",
                "provider": "openai",
                "url": "https://e.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
        ],
    )


def _apply(db, records, now="2026-01-01T00:00:00Z"):
    with transaction(db):
        return record_store.apply_source_records(
            db, source_id="s1", records=records, snapshot_sha256="abc", now=now, run_id=None
        )


def test_file_database_uses_wal_and_foreign_keys(tmp_path):
    db = open_db(tmp_path / "x.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    reopened = open_db(tmp_path / "x.db")  # migrations are idempotent
    assert reopened.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_new_changed_unlisted_relisted(db):
    _seed_source(db)
    events = _apply(db, [_record("gpt-4"), _record("gpt-4-0613")])
    assert [e["kind"] for e in events] == ["new", "new"]

    events = _apply(db, [_record("gpt-4", shutdown_date="2026-04-01"), _record("gpt-4-0613")])
    assert len(events) == 1 and events[0]["kind"] == "changed"
    fields = {c[0] for c in events[0]["changes"]}
    assert "shutdown_date" in fields
    history = list(db.query("SELECT field, old_value, new_value FROM record_changes"))
    assert {
        "field": "shutdown_date",
        "old_value": "2026-03-01",
        "new_value": "2026-04-01",
    } in history

    events = _apply(db, [_record("gpt-4", shutdown_date="2026-04-01")])
    assert [(e["kind"], e["model"]) for e in events] == [("unlisted", "gpt-4-0613")]
    row = next(db.query("SELECT listed FROM records WHERE model = 'gpt-4-0613'"))
    assert row["listed"] == 0  # kept, never deleted

    events = _apply(db, [_record("gpt-4", shutdown_date="2026-04-01"), _record("gpt-4-0613")])
    assert [(e["kind"], e["model"]) for e in events] == [("relisted", "gpt-4-0613")]


def test_unchanged_records_make_no_events(db):
    _seed_source(db)
    _apply(db, [_record("gpt-4")])
    assert _apply(db, [_record("gpt-4")], now="2026-01-02T00:00:00Z") == []
    assert db.execute("SELECT COUNT(*) FROM record_changes").fetchone()[0] == 0


def test_held_records_are_not_unlisted(db):
    _seed_source(db)
    _apply(db, [_record("gpt-4"), _record("gpt-4-0613")])
    with transaction(db):
        events = record_store.apply_source_records(
            db,
            source_id="s1",
            records=[_record("gpt-4")],
            keep=[("openai", "gpt-4-0613")],
            snapshot_sha256="def",
            now="2026-01-02T00:00:00Z",
            run_id=None,
        )
    assert events == []


def test_fts_finds_evidence(db):
    _seed_source(db)
    _apply(db, [_record("gpt-4", evidence="retiring on 2026-03-01 in favour of gpt-5")])
    hits = list(db.query("SELECT rowid FROM records_fts WHERE records_fts MATCH 'favour'"))
    assert len(hits) == 1


def test_snapshots_deduplicated_and_compressed(db):
    _seed_source(db)
    body = b"<html>" + b"x" * 10000 + b"</html>"
    for _ in range(2):
        sha = source_store.store_snapshot(
            db, source_id="s1", fetched_at="t", body=body, url=None, content_type=None, charset=None
        )
    assert db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1
    assert source_store.load_snapshot(db, "s1", sha) == body
    stored = db.execute("SELECT length(body) FROM snapshots").fetchone()[0]
    assert stored < len(body) / 10


def test_outbox_idempotency_key(db):
    kwargs = dict(team="t", kind="new", channel="slack", payload="{}", now="2026-01-01T00:00:00Z")
    assert outbox.enqueue(db, idempotency_key="k1", **kwargs)
    assert not outbox.enqueue(db, idempotency_key="k1", **kwargs)
    assert len(outbox.due(db, "2026-01-01T00:00:00Z")) == 1
    alert_id = outbox.due(db, "2026-01-01T00:00:00Z")[0]["id"]
    outbox.mark_failed(db, alert_id, error="boom", next_attempt="2026-01-01T00:05:00Z", dead=False)
    assert outbox.due(db, "2026-01-01T00:01:00Z") == []
    assert len(outbox.due(db, "2026-01-01T00:05:00Z")) == 1
    outbox.mark_sent(db, alert_id, "2026-01-01T00:05:00Z")
    assert outbox.counts(db) == {"sent": 1}


def test_transaction_rolls_back(db):
    _seed_source(db)
    try:
        with transaction(db):
            db.execute("UPDATE sources SET consecutive_failures = 9")
            raise sqlite3.OperationalError("simulated")
    except sqlite3.OperationalError:
        pass
    assert db.execute("SELECT consecutive_failures FROM sources").fetchone()[0] == 0


def test_a_silent_owner_page_never_wipes_a_date_another_source_gave(db):
    source_store.sync_sources(
        db,
        [
            {
                "id": sid,
                "provider": "openai",
                "url": "https://e.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
            for sid in ("changelog", "deprecations")
        ],
    )

    def apply(source, record, now):
        with transaction(db):
            return record_store.apply_source_records(
                db,
                source_id=source,
                records=[record],
                snapshot_sha256=source,
                now=now,
                run_id=None,
            )

    undated = _record("gpt-4", shutdown_date=None, shutdown_kind="none", replacements=[])
    apply("changelog", undated, "t1")  # the changelog lists the model first, with no date
    apply("deprecations", _record("gpt-4"), "t2")  # the deprecations page gives the date
    apply("changelog", {**undated, "evidence": "changelog edited"}, "t3")
    row = record_store.decode_record(next(db.query("SELECT * FROM records")))
    assert (row["shutdown_date"], row["shutdown_kind"], row["replacements"]) == (
        "2026-03-01",
        "firm",
        ["gpt-5"],
    )
    assert row["source_id"] == "changelog" and row["evidence"] == "changelog edited"
    # The source that gave the date may withdraw it.
    apply("deprecations", undated, "t4")
    row = next(db.query("SELECT shutdown_date FROM records"))
    assert row["shutdown_date"] is None
