"""Operations: the layer that wires the stages together and keeps them running.

Owns `cycle` (one run: fetch -> extract -> validate -> store -> cross-check -> decide),
`pulls` (usage pulled, then exposures refreshed), `worker` (the APScheduler service),
`lock_holder` (holding a lock row of `storage.lock_rows`: owners, heartbeats, dead-owner
takeover), `doctor` (readiness checks) and `serve` (Datasette with its templates and plugin).

May import every stage (`sources`, `usage`, `alerts`, `export`) and everything below them;
never `demo` or `cli`.
"""
