"""Slack buttons on alerts ("Acknowledge", "Snooze 7 days", "Open page") and the clicks coming
back: the buttons (`buttons`), the request checks (`guard`), the one handler both paths share
(`handler`), the HTTP request URL (`http`), Socket Mode (`socket`) and their commands."""
