"""Alerts: from records and usage to messages people get.

Owns `match` (usage x records -> exposures), `exposure_volumes` (the pulled volume of each
exposure), `decide` (exposures and record changes -> outbox rows, once per fact), `review`
(records waiting for an operator) and `notify/` (Slack, e-mail, the digest, outbox delivery).

May import `pipeline.fetch` (Slack's Retry-After), `pipeline.ops_alerts`, `storage` and
`pipeline.core`; never another stage (`sources`, `usage`, `export`) nor `ops` or `cli`.
"""
