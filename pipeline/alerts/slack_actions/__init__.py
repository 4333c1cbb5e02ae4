"""Slack buttons on alerts ("Acknowledge", "Snooze 7 days", "Open page") and the clicks coming
back: the buttons (`buttons`), the request checks (`guard`), the one handler both paths share
(`handler`, which sets holds through `alerts.holds.actions`), the HTTP request URL
(`request_url`, uvicorn) and Socket Mode (`socket_mode`). Their commands are
`pipeline.cli.slack` (`sunset slack-listen`) and `pipeline.cli.serve` (`--slack-port`).

May import `alerts.notify` (escaping, the item views), `alerts.holds`, `pipeline.ops_alerts`,
`storage` and `pipeline.core`, as the rest of `alerts`.
"""
