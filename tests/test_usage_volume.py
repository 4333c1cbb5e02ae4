"""Volume everywhere a person decides: alerts and the digest show requests in the last 7 days
and the last call, order by urgency, soften reminders of models not called for 30 days, and
"still in use after shutdown" follows real traffic."""

from __future__ import annotations

import datetime as dt

from pipeline.alerts.decide import decide
from pipeline.alerts.notify.digest import collect_digest, render_digest_parts
from pipeline.alerts.notify.email import render_alert_email
from pipeline.alerts.notify.slack import render_slack_messages
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert
from storage import usage as usage_store
from storage.db import transaction
from tests.test_decide import put_records

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


def config(uses=()) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "teams": [
                {
                    "name": "payments",
                    "slack_channel": "#pay",
                    "email": ["pay@example.com"],
                    "uses": list(uses),
                }
            ]
        }
    )


def calls(db, *rows, origin="openai-org", now=NOW):
    """rows: (day, model, requests[, last_seen]) for team payments, provider openai."""
    buckets = [
        {
            "unit": "proj_checkout",
            "team": "payments",
            "provider": "openai",
            "model": row[1],
            "raw_model": row[1],
            "day": row[0],
            "requests": row[2],
            "tokens": None,
            "first_seen": row[0],
            "last_seen": row[3] if len(row) > 3 else row[0],
            "pulled_at": now.isoformat(),
        }
        for row in rows
    ]
    with transaction(db):
        usage_store.replace_window(db, origin, "2000-01-01", "2999-12-31", buckets)
        usage_store.sync_pulled_usage(db, origin)


def items(db):
    return [
        item
        for row in db.query("SELECT payload FROM alerts WHERE channel = 'slack' ORDER BY id")
        for item in Alert.from_payload(row["payload"]).items
    ]


def test_an_alert_names_requests_in_7_days_and_the_last_call(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"}])
    calls(
        db,
        ("2026-11-10", "gpt-4o-2024-05-13", 99_000),  # outside the 7 days
        ("2026-11-20", "gpt-4o-2024-05-13", 40_000),
        ("2026-11-24", "gpt-4o-2024-05-13", 1_230, "2026-11-24T05:14:00Z"),
    )
    decide(db, config(), now=NOW)
    [item] = items(db)
    assert (item.requests_7d, item.last_call, item.quiet) == (41_230, "2026-11-24T05:14:00Z", False)
    alert = Alert.from_payload(db.execute("SELECT payload FROM alerts").fetchone()[0])
    text = render_slack_messages(alert, now=NOW)[0]["text"] + str(
        render_slack_messages(alert, now=NOW)[0]["blocks"]
    )
    assert "Calls: 41,230 requests in the last 7 days, last call 2026-11-24 05:14 UTC" in text
    email = render_alert_email(alert, now=NOW, sender="s@example.com", recipients=["a@b.co"])
    assert "41,230 requests in the last 7 days" in email.get_body(("plain",)).get_content()
    assert "41,230 requests in the last 7 days" in email.get_body(("html",)).get_content()


def test_declared_usage_alone_shows_no_volume(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"}])
    decide(db, config([{"model": "gpt-4o-2024-05-13", "provider": "openai"}]), now=NOW)
    [item] = items(db)
    assert item.requests_7d is None and item.last_call is None
    alert = Alert.from_payload(db.execute("SELECT payload FROM alerts").fetchone()[0])
    assert "Calls:" not in str(render_slack_messages(alert, now=NOW))


def test_items_are_ordered_by_days_left_then_volume(db):
    put_records(
        db,
        [
            {"model": "gpt-4o-mini-2024-07-18", "shutdown_date": "2027-03-01"},
            {"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"},
            {"model": "gpt-4-0613", "shutdown_date": "2027-01-10"},
        ],
    )
    calls(
        db,
        ("2026-11-23", "gpt-4o-mini-2024-07-18", 900_000),
        ("2026-11-23", "gpt-4o-2024-05-13", 10),
        ("2026-11-23", "gpt-4-0613", 5_000),
    )
    decide(db, config(), now=NOW)
    assert [i.model for i in items(db)] == [
        "gpt-4-0613",
        "gpt-4o-2024-05-13",
        "gpt-4o-mini-2024-07-18",
    ]


def test_no_recent_calls_softens_reminders_to_the_digest(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"}])
    calls(db, ("2026-10-01", "gpt-4o-2024-05-13", 500))
    decide(db, config(), now=NOW)  # announced (new), with 47 days left
    [new] = items(db)
    assert new.kind == "new" and new.quiet
    later = dt.datetime(2027, 1, 4, 6, 0, tzinfo=dt.UTC)  # 6 days left: the 7-day lead crossed
    decide(db, config(), now=later)
    assert [i.kind for i in items(db)] == ["new"]  # no Slack/e-mail reminder
    team = config().teams[0]
    data = collect_digest(db, team, later)
    [upcoming] = data.upcoming
    assert upcoming.quiet
    _, text, _ = render_digest_parts("payments", data, later)
    assert "Calls: no recent calls (last call on 2026-10-01)" in text

    calls(db, ("2027-01-08", "gpt-4o-2024-05-13", 3))  # traffic is back
    decide(db, config(), now=dt.datetime(2027, 1, 9, 6, 0, tzinfo=dt.UTC))  # 1-day lead
    assert [i.kind for i in items(db)] == ["new", "reminder"]


def test_still_in_use_after_shutdown_follows_real_calls(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2026-11-20"}])
    calls(db, ("2026-11-23", "gpt-4o-2024-05-13", 50))
    decide(db, config(), now=NOW - dt.timedelta(days=1))  # first heard of: "past"
    day = NOW + dt.timedelta(days=1)
    calls(db, ("2026-11-25", "gpt-4o-2024-05-13", 50))
    decide(db, config(), now=day)
    assert [i.kind for i in items(db)] == ["past", "past"]
    # Traffic stops after 2026-11-25: the next day still sees yesterday's calls, then the
    # "still in use" alerts stop.
    for n in range(2, 6):
        decide(db, config(), now=NOW + dt.timedelta(days=n))
    assert [i.kind for i in items(db)] == ["past", "past", "past"]
    assert not collect_digest(db, config().teams[0], NOW + dt.timedelta(days=4)).past


def test_a_failing_usage_source_is_in_the_digest_footer(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"}])
    calls(db, ("2026-11-23", "gpt-4o-2024-05-13", 50))
    decide(db, config(), now=NOW)
    with transaction(db):
        usage_store.source_state(db, "openai-org", "openai_usage")
        usage_store.update_source(
            db, "openai-org", {"health": "failing", "health_reason": "HTTP 401 (OPENAI_ADMIN_KEY)"}
        )
    data = collect_digest(db, config().teams[0], NOW)
    _, text, _ = render_digest_parts("payments", data, NOW)
    assert "usage:openai-org (openai_usage): call volumes may be stale: HTTP 401" in text


def test_the_digest_orders_each_section_by_days_left_then_volume(db):
    put_records(
        db,
        [
            {"model": "gpt-4o-mini-2024-07-18", "shutdown_date": "2027-01-10"},
            {"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-10"},
            {"model": "gpt-4-0613", "shutdown_date": "2026-12-20"},
        ],
    )
    calls(
        db,
        ("2026-11-23", "gpt-4o-mini-2024-07-18", 9_000),  # more calls, alphabetically later
        ("2026-11-23", "gpt-4o-2024-05-13", 10),
        ("2026-11-23", "gpt-4-0613", 1),
    )
    decide(db, config(), now=NOW)
    data = collect_digest(db, config().teams[0], NOW)
    expected = ["gpt-4-0613", "gpt-4o-mini-2024-07-18", "gpt-4o-2024-05-13"]
    assert [i.model for i in data.upcoming] == []  # listed once, as new (issue 19)
    assert [i.model for i in data.new] == expected
    _, text, _ = render_digest_parts("payments", data, NOW)
    new = text.split("== New", 1)[1]
    assert new.index("gpt-4o-mini-2024-07-18") < new.index("gpt-4o-2024-05-13")
