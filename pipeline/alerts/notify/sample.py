"""`sunset notify test`: one clearly marked sample alert sent straight to each destination of
a team (never through the outbox: no alert row and no fact key is written, so nothing it
sends can suppress a later real alert), with what happened per destination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.alerts.notify.base import DeliveryError
from pipeline.alerts.notify.router import Router
from pipeline.core.config import TeamsFile, destinations
from pipeline.core.models import Alert, AlertItem

TITLE = "TEST — Sunset Watch test notification"
NOTE = (
    "This is a test notification from Sunset Watch (sunset notify test): no model is "
    "affected and nothing needs doing. If you can read this, alerts reach this destination."
)


@dataclass(frozen=True)
class Outcome:
    team: str
    channel: str
    destination: str
    ok: bool
    reason: str = ""


def sample_alert(team: str, channel: str, destination: str) -> Alert:
    item = AlertItem(
        kind="ops",
        provider="sunset-watch",
        model="TEST (not a real model)",
        status="test",
        note=NOTE,
    )
    return Alert(
        team=team,
        channel=channel,  # type: ignore[arg-type]
        kind="test",
        title=TITLE,
        items=(item,),
        destination=destination,
    )


def send_tests(
    teams: TeamsFile, names: list[str], *, now: dt.datetime, router: Router | None = None
) -> list[Outcome]:
    """Send the sample alert to each destination of each named team; one outcome each (a
    team without destinations is one failed outcome)."""
    router = router or Router(teams, rate_limit_retries=0)
    outcomes = []
    for name in names:
        team = teams.team(name)
        places = destinations(team)
        if not places:
            outcomes.append(Outcome(name, "-", "-", False, "no Slack channel, webhook or e-mail"))
        for channel, destination in places:
            alert = sample_alert(name, channel, destination)
            try:
                _, notifier = router.route(alert)
                notifier.send(alert, now=now)
            except DeliveryError as exc:
                outcomes.append(Outcome(name, channel, destination, False, router.redact(str(exc))))
            else:
                outcomes.append(Outcome(name, channel, destination, True))
    return outcomes
