"""The schema's first migration (the whole data model of DESIGN.md) and the records table's
text as of migration 3, kept here verbatim: applied migrations are never edited, and
migration 4 rebuilds the records table from this text. New migrations go in
`storage.schema`, never here.
"""

from __future__ import annotations

# The records table as of migration 3, for rebuilding it in migration 4 (applied migrations
# keep their own text: they are never edited).
RECORD_COLUMNS_V3 = """
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'model',
            shutdown_date TEXT,
            shutdown_kind TEXT NOT NULL DEFAULT 'none',
            announced_date TEXT,
            replacements TEXT NOT NULL DEFAULT '[]',
            aliases TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'deprecated',
            source_id TEXT REFERENCES sources(id),
            url TEXT,
            evidence TEXT NOT NULL DEFAULT '',
            snapshot_sha256 TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            listed INTEGER NOT NULL DEFAULT 1,
            field_sources TEXT NOT NULL DEFAULT '{}',
            confidence REAL NOT NULL DEFAULT 1.0,
            why TEXT NOT NULL DEFAULT '[]',
            scope TEXT NOT NULL DEFAULT 'api',
            review_state TEXT NOT NULL DEFAULT 'ok',
            review_reason TEXT,
            reviewed_by TEXT,
            reviewed_at TEXT,
            review_from_change INTEGER,
            overrides TEXT NOT NULL DEFAULT '{}',
            extracted_model TEXT,
            review_alerted INTEGER NOT NULL DEFAULT 0"""
RECORD_NAMES_V3 = (
    "id, provider, model, kind, shutdown_date, shutdown_kind, announced_date, replacements,"
    " aliases, status, source_id, url, evidence, snapshot_sha256, first_seen, last_seen,"
    " listed, field_sources, confidence, why, scope, review_state, review_reason, reviewed_by,"
    " reviewed_at, review_from_change, overrides, extracted_model, review_alerted"
)
RECORD_TRIGGERS_V3 = [
    """CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN
            INSERT INTO records_fts(rowid, model, aliases, evidence, replacements)
            VALUES (new.id, new.model, new.aliases, new.evidence, new.replacements);
        END""",
    """CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, model, aliases, evidence, replacements)
            VALUES ('delete', old.id, old.model, old.aliases, old.evidence, old.replacements);
        END""",
    """CREATE TRIGGER records_au AFTER UPDATE ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, model, aliases, evidence, replacements)
            VALUES ('delete', old.id, old.model, old.aliases, old.evidence, old.replacements);
            INSERT INTO records_fts(rowid, model, aliases, evidence, replacements)
            VALUES (new.id, new.model, new.aliases, new.evidence, new.replacements);
        END""",
]
# The views over records as of migration 3, each now showing the record's scope.
RECORD_VIEWS_V3 = [
    """CREATE VIEW upcoming_shutdowns AS
            SELECT r.provider, r.model, r.shutdown_date, r.shutdown_kind, r.status,
                   r.replacements, r.source_id, r.url, r.evidence, r.confidence, r.scope,
                   CAST(julianday(r.shutdown_date) - julianday(date('now')) AS INTEGER)
                     AS days_left,
                   (SELECT COUNT(*) FROM exposures e
                     WHERE e.record_id = r.id AND e.active = 1) AS teams_exposed
            FROM records r
            WHERE r.kind = 'model' AND r.listed = 1 AND r.shutdown_date >= date('now')
              AND r.review_state IN ('ok', 'confirmed')
            ORDER BY r.shutdown_date, r.provider, r.model""",
    """CREATE VIEW team_exposure AS
            SELECT e.team, r.provider, r.model, r.scope, r.shutdown_date, r.shutdown_kind,
                   r.status, r.replacements, e.usage_model, e.how, e.origin,
                   CAST(julianday(r.shutdown_date) - julianday(date('now')) AS INTEGER)
                     AS days_left,
                   EXISTS (SELECT 1 FROM waivers w WHERE w.team = e.team
                           AND (r.model GLOB w.model OR e.usage_model GLOB w.model)
                           AND w.until >= date('now')) AS waived
            FROM exposures e JOIN records r ON r.id = e.record_id
            WHERE e.active = 1
            ORDER BY e.team, r.shutdown_date IS NULL, r.shutdown_date""",
    """CREATE VIEW needs_review AS
            SELECT r.id, r.provider, r.model, r.scope, r.shutdown_date, r.shutdown_kind,
                   r.replacements, r.confidence, r.why, r.review_reason, r.source_id,
                   r.evidence, r.url, r.first_seen, r.last_seen
            FROM records r
            WHERE r.review_state = 'needs_review'
            ORDER BY r.first_seen, r.id""",
]

# 1: the whole data model of DESIGN.md
MIGRATION_1: list[str] = [
    """CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            provider TEXT NOT NULL,
            url TEXT NOT NULL,
            format TEXT NOT NULL,
            interval_minutes INTEGER NOT NULL DEFAULT 360,
            enabled INTEGER NOT NULL DEFAULT 1,
            last_fetch_at TEXT,
            last_status TEXT,
            last_error TEXT,
            last_change_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            etag TEXT,
            last_modified TEXT,
            content_hash TEXT,
            record_count INTEGER,
            health TEXT NOT NULL DEFAULT 'ok',
            health_reason TEXT,
            next_due_at TEXT
        )""",
    """CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            source_id TEXT NOT NULL REFERENCES sources(id),
            started TEXT NOT NULL,
            duration_ms REAL,
            status INTEGER,
            outcome TEXT NOT NULL,
            bytes INTEGER NOT NULL DEFAULT 0,
            tries INTEGER NOT NULL DEFAULT 1,
            not_modified INTEGER NOT NULL DEFAULT 0,
            error_type TEXT,
            error TEXT,
            sha256 TEXT
        )""",
    "CREATE INDEX fetches_source ON fetches(source_id, started)",
    """CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            fetched_at TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            url TEXT,
            content_type TEXT,
            charset TEXT,
            size INTEGER NOT NULL,
            body BLOB NOT NULL,
            UNIQUE (source_id, sha256)
        )""",
    """CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'model',
            shutdown_date TEXT,
            shutdown_kind TEXT NOT NULL DEFAULT 'none',
            announced_date TEXT,
            replacements TEXT NOT NULL DEFAULT '[]',
            aliases TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'deprecated',
            source_id TEXT REFERENCES sources(id),
            url TEXT,
            evidence TEXT NOT NULL DEFAULT '',
            snapshot_sha256 TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            listed INTEGER NOT NULL DEFAULT 1,
            field_sources TEXT NOT NULL DEFAULT '{}',
            UNIQUE (provider, model)
        )""",
    "CREATE INDEX records_shutdown ON records(shutdown_date)",
    "CREATE INDEX records_source ON records(source_id)",
    """CREATE TABLE record_changes (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            snapshot_sha256 TEXT,
            changed_at TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id)
        )""",
    "CREATE INDEX record_changes_record ON record_changes(record_id, changed_at)",
    """CREATE TABLE teams (
            name TEXT PRIMARY KEY,
            slack_channel TEXT,
            slack_webhook_env TEXT,
            email TEXT NOT NULL DEFAULT '[]',
            digest_time TEXT,
            digest_timezone TEXT,
            lead_days TEXT NOT NULL DEFAULT '[90, 30, 7, 1]'
        )""",
    """CREATE TABLE usage (
            id INTEGER PRIMARY KEY,
            team TEXT NOT NULL REFERENCES teams(name),
            provider TEXT NOT NULL DEFAULT '*',
            model TEXT NOT NULL,
            origin TEXT NOT NULL,
            where_seen TEXT NOT NULL DEFAULT '',
            last_seen TEXT,
            volume INTEGER,
            UNIQUE (team, provider, model, origin, where_seen)
        )""",
    """CREATE TABLE exposures (
            id INTEGER PRIMARY KEY,
            team TEXT NOT NULL REFERENCES teams(name),
            record_id INTEGER NOT NULL REFERENCES records(id),
            usage_model TEXT NOT NULL,
            usage_provider TEXT NOT NULL,
            how TEXT NOT NULL,
            origin TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            announced INTEGER NOT NULL DEFAULT 0,
            reminded_lead INTEGER,
            reminded_for TEXT,
            UNIQUE (team, record_id)
        )""",
    """CREATE TABLE waivers (
            id INTEGER PRIMARY KEY,
            team TEXT NOT NULL REFERENCES teams(name),
            model TEXT NOT NULL,
            reason TEXT NOT NULL,
            until TEXT NOT NULL,
            UNIQUE (team, model)
        )""",
    """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            team TEXT NOT NULL,
            record_id INTEGER REFERENCES records(id),
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
    "CREATE INDEX alerts_due ON alerts(status, next_attempt)",
    # One row per alert-worthy fact already put in the outbox, so grouped messages never
    # repeat an item: the key names the fact, alert_id the message that carried it.
    """CREATE TABLE alert_keys (
            key TEXT PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            created_at TEXT NOT NULL
        )""",
    """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            sources_total INTEGER NOT NULL DEFAULT 0,
            fetched INTEGER NOT NULL DEFAULT 0,
            not_modified INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            records_new INTEGER NOT NULL DEFAULT 0,
            records_changed INTEGER NOT NULL DEFAULT 0,
            alerts_created INTEGER NOT NULL DEFAULT 0,
            duration_ms REAL
        )""",
    """CREATE TABLE warnings (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            source_id TEXT,
            message TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    """CREATE TABLE locks (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
    """CREATE VIRTUAL TABLE records_fts USING fts5(
            model, aliases, evidence, replacements,
            content='records', content_rowid='id'
        )""",
    """CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN
            INSERT INTO records_fts(rowid, model, aliases, evidence, replacements)
            VALUES (new.id, new.model, new.aliases, new.evidence, new.replacements);
        END""",
    """CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, model, aliases, evidence, replacements)
            VALUES ('delete', old.id, old.model, old.aliases, old.evidence, old.replacements);
        END""",
    """CREATE TRIGGER records_au AFTER UPDATE ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, model, aliases, evidence, replacements)
            VALUES ('delete', old.id, old.model, old.aliases, old.evidence, old.replacements);
            INSERT INTO records_fts(rowid, model, aliases, evidence, replacements)
            VALUES (new.id, new.model, new.aliases, new.evidence, new.replacements);
        END""",
    """CREATE VIEW upcoming_shutdowns AS
            SELECT r.provider, r.model, r.shutdown_date, r.shutdown_kind, r.status,
                   r.replacements, r.source_id, r.url, r.evidence,
                   CAST(julianday(r.shutdown_date) - julianday('now') AS INTEGER) AS days_left,
                   (SELECT COUNT(*) FROM exposures e
                     WHERE e.record_id = r.id AND e.active = 1) AS teams_exposed
            FROM records r
            WHERE r.kind = 'model' AND r.listed = 1 AND r.shutdown_date >= date('now')
            ORDER BY r.shutdown_date, r.provider, r.model""",
    """CREATE VIEW team_exposure AS
            SELECT e.team, r.provider, r.model, r.shutdown_date, r.shutdown_kind, r.status,
                   r.replacements, e.usage_model, e.how, e.origin,
                   CAST(julianday(r.shutdown_date) - julianday('now') AS INTEGER) AS days_left,
                   EXISTS (SELECT 1 FROM waivers w WHERE w.team = e.team
                           AND (r.model GLOB w.model OR e.usage_model GLOB w.model)
                           AND w.until >= date('now')) AS waived
            FROM exposures e JOIN records r ON r.id = e.record_id
            WHERE e.active = 1
            ORDER BY e.team, r.shutdown_date IS NULL, r.shutdown_date""",
]
