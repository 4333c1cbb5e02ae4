"""Alerts: from records and usage to messages people get.

Owns `match` (usage x records -> exposures), `match_inputs` (whether anything matching reads
changed since the last decide), `exposures` and `exposure_volumes` (the pulled volume of each
exposure), `items`, `decide` (exposures and record changes -> outbox rows, once per fact),
`holds/` (ack, snooze, waive), `review` (records waiting for an operator), `notify/`
(Slack, e-mail, the digest, outbox delivery, test notifications) and `slack_actions/` (the
buttons on Slack alerts and their clicks: request URL and Socket Mode).

May import `pipeline.fetch` (Slack's Retry-After), `pipeline.ops_alerts`, `storage` and
`pipeline.core`; never another stage (`sources`, `usage`, `export`) nor `ops` or `cli`.
"""
