"""The SQLite schema: tables, indexes, full-text search and views, as ordered migrations.

Each migration is a list of SQL statements; `PRAGMA user_version` records how many have been
applied. Append new migrations, never edit an applied one. No column ever holds a secret:
Datasette shows every table.
"""

from __future__ import annotations

from storage.input_counters import input_counter_statements
from storage.schema_first import (
    MIGRATION_1,
    RECORD_COLUMNS_V3,
    RECORD_NAMES_V3,
    RECORD_TRIGGERS_V3,
    RECORD_VIEWS_V3,
)

# A migration whose first statement is this runs with foreign keys off (checked with
# `PRAGMA foreign_key_check` before it commits): SQLite can only change a table's keys by
# rebuilding it, and the rebuild briefly drops a table that others reference.
FOREIGN_KEYS_OFF = "PRAGMA foreign_keys = OFF"

MIGRATIONS: list[list[str]] = [
    # 1: the whole data model of DESIGN.md (storage.schema_first)
    MIGRATION_1,
    # 2: confidence and review. A record carries extraction's confidence, its cues (`why`,
    # a JSON list) and its scope; `review_state` gates what reaches teams (ok | needs_review |
    # confirmed | rejected); operator corrections live in `overrides` (field -> JSON value)
    # and are never overwritten by extraction. `review_from_change` is the first
    # record_changes id withheld from teams while the record waited for review.
    # A source remembers the structure signature of its last good snapshot.
    [
        "ALTER TABLE records ADD COLUMN confidence REAL NOT NULL DEFAULT 1.0",
        "ALTER TABLE records ADD COLUMN why TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE records ADD COLUMN scope TEXT NOT NULL DEFAULT 'api'",
        "ALTER TABLE records ADD COLUMN review_state TEXT NOT NULL DEFAULT 'ok'",
        "ALTER TABLE records ADD COLUMN review_reason TEXT",
        "ALTER TABLE records ADD COLUMN reviewed_by TEXT",
        "ALTER TABLE records ADD COLUMN reviewed_at TEXT",
        "ALTER TABLE records ADD COLUMN review_from_change INTEGER",
        "ALTER TABLE records ADD COLUMN overrides TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE records ADD COLUMN extracted_model TEXT",
        # 0 until the operator's batch alert has named the record's latest entry into review
        "ALTER TABLE records ADD COLUMN review_alerted INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX records_review ON records(review_state)",
        "CREATE INDEX records_extracted_model ON records(provider, extracted_model)",
        "ALTER TABLE sources ADD COLUMN structure TEXT",
        "ALTER TABLE sources ADD COLUMN structure_detail TEXT",
        "ALTER TABLE runs ADD COLUMN records_review INTEGER NOT NULL DEFAULT 0",
        # Every review decision: entering review, confirmation (by an operator or a second
        # source), rejection and correction, with who and why.
        """CREATE TABLE review_log (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            action TEXT NOT NULL,
            old_state TEXT,
            new_state TEXT NOT NULL,
            by TEXT NOT NULL,
            reason TEXT,
            at TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id)
        )""",
        "CREATE INDEX review_log_record ON review_log(record_id, at)",
        # Teams see only records that are ok or confirmed.
        "DROP VIEW upcoming_shutdowns",
        """CREATE VIEW upcoming_shutdowns AS
            SELECT r.provider, r.model, r.shutdown_date, r.shutdown_kind, r.status,
                   r.replacements, r.source_id, r.url, r.evidence, r.confidence, r.scope,
                   CAST(julianday(r.shutdown_date) - julianday('now') AS INTEGER) AS days_left,
                   (SELECT COUNT(*) FROM exposures e
                     WHERE e.record_id = r.id AND e.active = 1) AS teams_exposed
            FROM records r
            WHERE r.kind = 'model' AND r.listed = 1 AND r.shutdown_date >= date('now')
              AND r.review_state IN ('ok', 'confirmed')
            ORDER BY r.shutdown_date, r.provider, r.model""",
        """CREATE VIEW needs_review AS
            SELECT r.id, r.provider, r.model, r.shutdown_date, r.shutdown_kind,
                   r.replacements, r.confidence, r.why, r.review_reason, r.source_id,
                   r.evidence, r.url, r.first_seen, r.last_seen
            FROM records r
            WHERE r.review_state = 'needs_review'
            ORDER BY r.first_seen, r.id""",
    ],
    # 3: delivery survives any outage and any failed write: an alert is claimed (`sending`)
    # before it is sent, remembers its destination, and each destination has a health row.
    [
        "ALTER TABLE alerts ADD COLUMN destination TEXT",
        "ALTER TABLE alerts ADD COLUMN claimed_at TEXT",
        """CREATE TABLE destinations (
            key TEXT PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'up',
            since TEXT NOT NULL,
            last_error TEXT,
            probes INTEGER NOT NULL DEFAULT 0,
            next_probe TEXT
        )""",
    ],
    # 4: product-scoped records. A record is keyed by (provider, model, scope), so a model
    # leaving ChatGPT ("product:chatgpt") and the same model's API retirement ("api") are two
    # records; teams declare the products they use in `team_products`.
    [
        FOREIGN_KEYS_OFF,
        "DROP VIEW upcoming_shutdowns",
        "DROP VIEW team_exposure",
        "DROP VIEW needs_review",
        f"""CREATE TABLE records_rebuilt ({RECORD_COLUMNS_V3},
            UNIQUE (provider, model, scope)
        )""",
        f"INSERT INTO records_rebuilt ({RECORD_NAMES_V3}) SELECT {RECORD_NAMES_V3} FROM records",
        "DROP TABLE records",
        "ALTER TABLE records_rebuilt RENAME TO records",
        "CREATE INDEX records_shutdown ON records(shutdown_date)",
        "CREATE INDEX records_source ON records(source_id)",
        "CREATE INDEX records_review ON records(review_state)",
        "CREATE INDEX records_extracted_model ON records(provider, extracted_model)",
        *RECORD_TRIGGERS_V3,
        *RECORD_VIEWS_V3,
        """CREATE TABLE team_products (
            team TEXT NOT NULL REFERENCES teams(name),
            product TEXT NOT NULL,
            PRIMARY KEY (team, product)
        )""",
    ],
    # 5: reference catalogues (sources of kind "reference"): their dated entries, the
    # records they confirm, and where they disagree with a page. A record is confirmed by a
    # reference while a `confirmations` row holds the record's current shutdown date.
    [
        "ALTER TABLE sources ADD COLUMN kind TEXT NOT NULL DEFAULT 'page'",
        """CREATE TABLE reference_entries (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            shutdown_date TEXT,
            shutdown_kind TEXT NOT NULL DEFAULT 'none',
            deprecated_date TEXT,
            replacements TEXT NOT NULL DEFAULT '[]',
            status TEXT,
            snapshot_sha256 TEXT,
            seen_at TEXT NOT NULL
        )""",
        "CREATE INDEX reference_entries_source ON reference_entries(source_id)",
        """CREATE TABLE confirmations (
            record_id INTEGER NOT NULL REFERENCES records(id),
            confirmed_by TEXT NOT NULL REFERENCES sources(id),
            shutdown_date TEXT NOT NULL,
            reference_model TEXT NOT NULL,
            confirmed_at TEXT NOT NULL,
            checked_at TEXT NOT NULL,
            PRIMARY KEY (record_id, confirmed_by)
        )""",
        """CREATE TABLE disagreements (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            source_id TEXT NOT NULL REFERENCES sources(id),
            record_date TEXT NOT NULL,
            reference_date TEXT NOT NULL,
            reference_model TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            resolved_at TEXT,
            alerted_at TEXT,
            UNIQUE (record_id, source_id, record_date, reference_date)
        )""",
        "CREATE INDEX disagreements_open ON disagreements(status, source_id)",
    ],
    # 6: days left in the views counts whole days from today, like the canned queries and
    # `sunset upcoming` (julianday('now') carries the time of day and was one day short).
    [
        "DROP VIEW upcoming_shutdowns",
        "DROP VIEW team_exposure",
        *RECORD_VIEWS_V3[:2],
    ],
    # 7: usage pulled from where it really lives (provider usage APIs, LiteLLM, OpenTelemetry
    # files): daily buckets per (source, unit, provider, model); the unit's team is resolved
    # at pull time (NULL: unowned usage). Each usage source has a health row like a page
    # source; each unit is remembered so ops hears once of a new unowned one. Exposures carry
    # the volume alerts show (requests and tokens in the last 7 days, last call).
    [
        """CREATE TABLE usage_buckets (
            id INTEGER PRIMARY KEY,
            origin TEXT NOT NULL,
            unit TEXT NOT NULL DEFAULT '',
            team TEXT,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            raw_model TEXT NOT NULL,
            day TEXT NOT NULL,
            requests INTEGER,
            tokens INTEGER,
            first_seen TEXT,
            last_seen TEXT,
            pulled_at TEXT NOT NULL,
            UNIQUE (origin, unit, provider, model, day)
        )""",
        "CREATE INDEX usage_buckets_team ON usage_buckets(team, provider, model, day)",
        """CREATE TABLE usage_sources (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            health TEXT NOT NULL DEFAULT 'ok',
            health_reason TEXT,
            last_pull_at TEXT,
            last_status TEXT,
            last_error TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            window_start TEXT,
            window_end TEXT,
            rows INTEGER,
            next_due_at TEXT
        )""",
        """CREATE TABLE usage_units (
            origin TEXT NOT NULL,
            unit TEXT NOT NULL,
            team TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            notified_at TEXT,
            PRIMARY KEY (origin, unit)
        )""",
        "ALTER TABLE exposures ADD COLUMN requests_7d INTEGER",
        "ALTER TABLE exposures ADD COLUMN tokens_7d INTEGER",
        "ALTER TABLE exposures ADD COLUMN last_call TEXT",
        "ALTER TABLE exposures ADD COLUMN has_calls INTEGER NOT NULL DEFAULT 0",
        """CREATE VIEW unowned_usage AS
            SELECT b.origin, b.unit, b.provider, b.model, MIN(b.day) AS first_day,
                   MAX(COALESCE(b.last_seen, b.day)) AS last_seen,
                   SUM(b.requests) AS requests, SUM(b.tokens) AS tokens
            FROM usage_buckets b
            WHERE b.team IS NULL
            GROUP BY b.origin, b.unit, b.provider, b.model
            ORDER BY last_seen DESC, b.origin, b.unit, b.model""",
    ],
    # 8: the most records a source parsed to recently, for cliff detection of slow erosion
    [
        "ALTER TABLE sources ADD COLUMN best_count INTEGER",
        "ALTER TABLE sources ADD COLUMN best_count_at TEXT",
    ],
    # 9: what each model list (`kind: model_list`) listed, pull by pull
    [
        """CREATE TABLE model_listings (
            source_id TEXT NOT NULL,
            model TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'listed',
            streak INTEGER NOT NULL DEFAULT 0,
            first_listed TEXT NOT NULL,
            last_listed TEXT NOT NULL,
            absent_since TEXT,
            deprecation TEXT,
            replacement TEXT,
            PRIMARY KEY (source_id, model)
        )""",
        "CREATE INDEX model_listings_state ON model_listings(state, source_id)",
    ],
    # 10: "maybe sent" alerts: a send whose answer never came (a timeout after the request
    # went out, a deliverer killed mid-send) is never re-posted blindly. `maybe_sent` counts
    # it (2 = already re-posted once without a way to confirm), `maybe_sent_at` is when it
    # was first claimed, the start of the channel history to look in.
    [
        "ALTER TABLE alerts ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE alerts ADD COLUMN maybe_sent_at TEXT",
    ],
    # 11: an index for every lookup decide, the digest and the canned queries make: teams
    # exposed to a record (`upcoming`, the views), active exposures, a team's last digest,
    # changes since a time, and usage naming a model (`review_queue`).
    [
        "CREATE INDEX exposures_record ON exposures(record_id, active)",
        "CREATE INDEX exposures_active ON exposures(active, team)",
        "CREATE INDEX alerts_team ON alerts(team, kind, created_at)",
        "CREATE INDEX record_changes_changed ON record_changes(changed_at)",
        "CREATE INDEX usage_model ON usage(model, provider)",
    ],
    # 12 (issue 20): what changed on a provider's page: each new snapshot's text and its
    # bounded diff from the source's previous one, computed once when it is stored.
    [
        """CREATE TABLE page_changes (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            snapshot_sha256 TEXT NOT NULL,
            previous_sha256 TEXT,
            fetched_at TEXT NOT NULL,
            url TEXT,
            text TEXT,
            diff TEXT,
            added INTEGER,
            removed INTEGER,
            truncated INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX page_changes_source ON page_changes(source_id, id)",
        "CREATE INDEX page_changes_url ON page_changes(url)",
        "CREATE INDEX sources_url ON sources(url)",
    ],
    # 13 (issue 17): what matching reads, counted.
    # Triggers bump a counter on every write to the tables `decide` matches from (the record
    # columns matching reads, not `last_seen`), so a warm decide can tell in one read that
    # nothing changed since the last one (`storage/input_counters.py`). And indexes that let
    # the dashboard's longest lists stop at Datasette's row limit: records in due order
    # (no date last), and the teams exposed to a record without reading the exposure rows.
    [
        *input_counter_statements(),
        "CREATE INDEX records_due ON records(shutdown_date IS NULL, shutdown_date)",
        "CREATE INDEX exposures_record_team ON exposures(record_id, active, team)",
        "DROP INDEX exposures_record",
    ],
    # 14 (issue 20): acknowledgements, snoozes and waivers given from the CLI or Slack: the current
    # hold per (team, record) and an append-only log of every action with who and when.
    [
        """CREATE TABLE exposure_holds (
            team TEXT NOT NULL,
            record_id INTEGER NOT NULL REFERENCES records(id),
            kind TEXT NOT NULL CHECK (kind IN ('ack', 'snooze', 'waive')),
            reason TEXT,
            until TEXT,
            fingerprint TEXT,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            via TEXT NOT NULL,
            PRIMARY KEY (team, record_id)
        )""",
        """CREATE TABLE exposure_actions (
            id INTEGER PRIMARY KEY,
            team TEXT NOT NULL,
            record_id INTEGER NOT NULL,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            action TEXT NOT NULL,
            reason TEXT,
            until TEXT,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            via TEXT NOT NULL
        )""",
        "CREATE INDEX exposure_actions_team ON exposure_actions(team, record_id, at)",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
