"""The store: SQLite through sqlite-utils, one module per table family.

`db` opens a database (WAL, migrations by `PRAGMA user_version`, transactions, one-line
errors), `schema` / `schema_first` hold the migrations, and one module per family of tables:
`sources` (sources, fetches, snapshots, runs), `records` (records, record_changes), `review`,
`reference`, `model_lists`, `teams` (teams, usage, exposures, waivers), `usage` (usage
sources' buckets and units), `volume` (pulled volume per exposure), `alerts` (the outbox),
`destinations`, `lock_rows` (the `locks` table) and `common`. `metadata.yml` is Datasette's.

Plain dicts in and out (the sqlite-utils idiom). Never imports `pipeline` (`.importlinter`):
every layer of `pipeline` above `core` may use it.
"""
