"""The daily digest: collecting from the store, sections and subject, empty digests, outbox."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlite_utils

from pipeline.alerts.notify.digest import (
    DigestData,
    collect_digest,
    enqueue_digest,
    queue_digest,
    render_digest,
)
from pipeline.alerts.notify.email import EmailNotifier
from pipeline.core.clock import iso
from pipeline.core.config import EmailDelivery, TeamConfig, TeamsFile
from pipeline.core.models import Alert
from storage.db import open_db

NOW = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
EARLIER = iso(NOW - dt.timedelta(days=30))
RECENT = iso(NOW - dt.timedelta(hours=2))
TEAM = TeamConfig.model_validate(
    {
        "name": "payments",
        "email": ["payments@example.com"],
        "waivers": [{"model": "gpt-4-0613", "reason": "migration planned", "until": "2026-12-31"}],
    }
)


@pytest.fixture
def store() -> Iterator[sqlite_utils.Database]:
    db = open_db(":memory:")
    db["teams"].insert({"name": "payments"})
    db["sources"].insert(
        {"id": "openai", "provider": "openai", "url": "https://o.example/d", "format": "html"}
    )
    db["sources"].insert(
        {
            "id": "mistral",
            "provider": "mistral",
            "url": "https://m.example/d",
            "format": "html",
            "health": "failing",
            "health_reason": "HTTP 503 <b>x3</b>",
        }
    )
    yield db
    db.close()


def add(
    db: sqlite_utils.Database,
    model: str,
    shutdown: str | None,
    *,
    exposed: str = EARLIER,
    **kw: Any,
) -> int:
    record_id = (
        db["records"]
        .insert(
            {
                "provider": kw.pop("provider", "openai"),
                "model": model,
                "shutdown_date": shutdown,
                "shutdown_kind": kw.pop("kind", "firm"),
                "replacements": json.dumps(kw.pop("replacements", [])),
                "source_id": "openai",
                "url": "https://o.example/d",
                "evidence": kw.pop("evidence", f"{model} retires"),
                "first_seen": EARLIER,
                "last_seen": RECENT,
            }
        )
        .last_pk
    )
    db["exposures"].insert(
        {
            "team": "payments",
            "record_id": record_id,
            "usage_model": model,
            "usage_provider": "openai",
            "how": "exact",
            "origin": "declared",
            "first_seen": exposed,
            "last_seen": RECENT,
        }
    )
    return record_id


def populate(db: sqlite_utils.Database) -> None:
    add(db, "soon-b", "2027-01-10", replacements=["gpt-5"])
    add(db, "soon-a", "2026-12-04", exposed=RECENT, evidence="<script>x</script>")
    changed = add(db, "moved", "2027-02-01", kind="earliest")
    add(db, "far", "2027-06-01")
    add(db, "gone", "2026-11-20")
    add(db, "gpt-4-0613", "2026-12-01")
    db["record_changes"].insert(
        {
            "record_id": changed,
            "field": "shutdown_date",
            "old_value": "2027-01-01",
            "new_value": "2027-02-01",
            "changed_at": RECENT,
        }
    )


def names(items: tuple[Any, ...]) -> list[str]:
    return [item.model for item in items]


def test_collect_sections(store: sqlite_utils.Database) -> None:
    populate(store)
    data = collect_digest(store, TEAM, NOW)
    assert names(data.new) == ["soon-a"]
    assert names(data.changed) == ["moved"]
    assert data.changed[0].change == "shutdown date 2027-01-01 -> 2027-02-01"
    # issue 19: a model listed as new or changed is not repeated as upcoming
    assert names(data.upcoming) == ["soon-b"]
    assert [i.days_left for i in data.upcoming] == [47]
    assert names(data.past) == ["gone"]
    assert names(data.waived) == ["gpt-4-0613"]
    assert "migration planned" in (data.waived[0].note or "")
    assert names(data.failing_sources) == ["mistral"]


def test_render_digest(store: sqlite_utils.Database) -> None:
    populate(store)
    message = render_digest(TEAM, collect_digest(store, TEAM, NOW), NOW)
    assert message is not None
    assert message["Subject"] == (
        "Sunset Watch digest for payments: 1 upcoming shutdown, "
        "1 model past shutdown still in use, 1 new, 1 changed"
    )
    assert message["To"] == "payments@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    order = [text.index(h) for h in ("== New", "== Changed", "== Upcoming", "== Past", "== Waived")]
    assert order == sorted(order)
    assert "soon-a (openai): shuts down on 2026-12-04 (in 10 days)" in text
    assert "moved (openai): shutdown date 2027-01-01 -> 2027-02-01" in text
    assert "not before 2027-02-01 (in 69 days)" in text
    assert "gone (openai): shut down on 2026-11-20 (4 days ago)" in text
    assert "far" not in text.replace("Failing", "")
    assert "Failing sources" in text and "mistral" in text
    assert "<b>x3</b>" not in html and "&lt;b&gt;x3&lt;/b&gt;" in html


def test_empty_digest(store: sqlite_utils.Database) -> None:
    add(store, "far", "2027-06-01")
    data = collect_digest(store, TEAM, NOW)
    assert not data.has_news
    assert render_digest(TEAM, data, NOW) is None
    message = render_digest(TEAM, data, NOW, send_empty=True)
    assert message is not None and message["Subject"].endswith(": nothing new")


def test_digest_goes_through_the_outbox_once_per_day(store: sqlite_utils.Database) -> None:
    populate(store)
    teams = TeamsFile(teams=[TEAM])
    assert enqueue_digest(store, teams, "payments", NOW)
    assert not enqueue_digest(store, teams, "payments", NOW + dt.timedelta(hours=1))
    row = next(store.query("SELECT * FROM alerts"))
    assert (row["kind"], row["channel"], row["team"]) == ("digest", "email", "payments")
    alert = Alert.from_payload(row["payload"])
    assert {item.kind for item in alert.items} == {
        "new",
        "changed",
        "upcoming",
        "past",
        "waived",
        "source",
    }
    sent: list[Any] = []
    notifier = EmailNotifier(delivery=EmailDelivery(), recipients=TEAM.email)
    notifier.send_message = sent.append  # type: ignore[method-assign]
    notifier.send(alert, now=NOW)
    assert (
        sent[0]["Subject"] == render_digest(TEAM, collect_digest(store, TEAM, NOW), NOW)["Subject"]
    )  # type: ignore[index]


def test_since_previous_digest(store: sqlite_utils.Database) -> None:
    populate(store)
    teams = TeamsFile(teams=[TEAM])
    assert enqueue_digest(store, teams, "payments", NOW)
    tomorrow = NOW + dt.timedelta(days=1)
    data = collect_digest(store, TEAM, tomorrow)
    assert data.since == iso(NOW)
    assert not data.new and not data.changed
    assert names(data.upcoming) == ["soon-a", "soon-b", "moved"]


def test_team_without_email_gets_no_digest(store: sqlite_utils.Database) -> None:
    populate(store)
    quiet = TeamConfig(name="payments")
    assert not enqueue_digest(store, TeamsFile(teams=[quiet]), "payments", NOW)
    assert isinstance(collect_digest(store, quiet, NOW), DigestData)


def test_forced_digest_is_queued_even_when_empty_or_repeated(store: sqlite_utils.Database) -> None:
    add(store, "far", "2027-06-01")
    teams = TeamsFile(teams=[TEAM])
    assert not queue_digest(store, teams, TEAM, now=NOW)
    assert queue_digest(store, teams, TEAM, now=NOW, force=True)
    assert queue_digest(store, teams, "payments", now=NOW + dt.timedelta(minutes=1), force=True)
    assert store.execute("SELECT COUNT(*) FROM alerts WHERE kind = 'digest'").fetchone()[0] == 2


def test_facts_from_the_run_of_the_previous_digest_are_not_new_again(
    store: sqlite_utils.Database,
) -> None:
    teams = TeamsFile(teams=[TEAM])
    add(store, "soon", "2026-12-04", exposed=iso(NOW))
    assert queue_digest(store, teams, TEAM, now=NOW)
    data = collect_digest(store, TEAM, NOW + dt.timedelta(days=1))
    assert not data.new and names(data.upcoming) == ["soon"]
