"""Usage: who calls which model, from every place it comes in.

Owns `scan` (model IDs found in a source tree), `imported` (CSV / JSONL usage exports) and
`pullers/` (usage APIs, a LiteLLM proxy, OpenTelemetry files, stored as day buckets). Declared
usage is teams.yml (`pipeline.core.config`); all of them reach matching as `UsageEntry`s
(`pipeline.core.models`) through the store. The volume figures of pulled usage live with the
store (`storage.volume`).

May import `pipeline.fetch` (the pullers' HTTP), `pipeline.ops_alerts`, `storage` and
`pipeline.core`; never another stage (`sources`, `alerts`, `export`) nor `ops` or `cli`.
"""
