"""Deciding alerts: new exposures, changes, reminders with catch-up, waivers, providers."""

from __future__ import annotations

import datetime as dt

from pipeline.alerts.decide import decide
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert
from storage import records as record_store
from storage import sources as source_store
from storage.db import transaction

DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


def teams_config(**team_overrides) -> TeamsFile:
    team = {
        "name": "payments",
        "slack_channel": "#payments",
        "email": ["pay@example.com"],
        "lead_days": [90, 30, 7, 1],
        "uses": [
            {"model": "gpt-4o-2024-05-13", "provider": "openai"},
            {"model": "anthropic.claude-3-*", "provider": "aws-bedrock"},
        ],
    }
    team.update(team_overrides)
    return TeamsFile.model_validate({"teams": [team]})


def put_records(db, records, source="s1", provider="openai", now=DAY):
    source_store.sync_sources(
        db,
        [
            {
                "id": source,
                "provider": provider,
                "url": "https://e.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
        ],
    )
    rows = [
        {
            "provider": provider,
            "kind": "model",
            "aliases": [],
            "shutdown_kind": "firm",
            "announced_date": None,
            "replacements": [],
            "status": "deprecated",
            "evidence": "",
            "url": None,
            **r,
        }
        for r in records
    ]
    with transaction(db):
        return record_store.apply_source_records(
            db,
            source_id=source,
            records=rows,
            snapshot_sha256="x",
            now=now.isoformat(),
            run_id=None,
        )


def alerts(db):
    return [
        (row, Alert.from_payload(row["payload"]))
        for row in db.query("SELECT * FROM alerts ORDER BY id")
    ]


def test_new_exposure_grouped_once_per_channel(db):
    put_records(
        db,
        [
            {
                "model": "gpt-4o-2024-05-13",
                "shutdown_date": "2027-03-01",
                "replacements": ["gpt-5"],
            },
            {"model": "gpt-4o", "shutdown_date": "2027-03-01"},
        ],
    )
    teams = teams_config()
    assert decide(db, teams, now=DAY) == 2
    sent = alerts(db)
    assert sorted(row["channel"] for row, _ in sent) == ["email", "slack"]
    alert = sent[0][1]
    assert [item.model for item in alert.items] == ["gpt-4o-2024-05-13"]  # gpt-4o not matched
    assert alert.items[0].kind == "new" and alert.items[0].days_left == 97
    assert decide(db, teams, now=DAY) == 0
    assert decide(db, teams, now=DAY + dt.timedelta(hours=1)) == 0


def test_date_moved_alerts_old_to_new(db):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-03-01"}])
    decide(db, teams, now=DAY)
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-15"}])
    assert decide(db, teams, now=DAY + dt.timedelta(days=1)) == 2
    changed = alerts(db)[-1][1]
    assert changed.kind == "changed"
    assert changed.items[0].change == "shutdown date 2027-03-01 -> 2027-01-15"


def test_reminder_catch_up_over_skipped_week(db):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2026-12-20"}])
    decide(db, teams, now=DAY)  # 26 days left: the new alert covers the 30-day threshold
    assert decide(db, teams, now=DAY + dt.timedelta(days=1)) == 0
    # No run for a week and more: 5 days left -> only the 7-day reminder, once.
    later = DAY + dt.timedelta(days=21)
    assert decide(db, teams, now=later) == 2
    reminder = alerts(db)[-1][1]
    assert reminder.kind == "reminder" and reminder.items[0].days_left == 5
    assert decide(db, teams, now=later + dt.timedelta(days=1)) == 0
    assert decide(db, teams, now=DAY + dt.timedelta(days=26)) == 2  # 0 days left: 1-day reminder
    kinds = [a.kind for _, a in alerts(db)]
    assert kinds.count("reminder") == 4  # 7-day and 1-day, each on two channels


def test_past_shutdown_still_in_use_at_most_daily(db):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2026-11-01"}])
    decide(db, teams, now=DAY)
    assert alerts(db)[0][1].items[0].kind == "past"
    assert decide(db, teams, now=DAY + dt.timedelta(hours=5)) == 0
    assert decide(db, teams, now=DAY + dt.timedelta(days=1)) == 2


def test_waiver_suppresses_until_expiry(db):
    teams = teams_config(
        waivers=[{"model": "gpt-4o-2024-05-13", "reason": "planned", "until": "2026-12-31"}]
    )
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"}])
    assert decide(db, teams, now=DAY) == 0
    assert decide(db, teams, now=dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)) == 0
    assert decide(db, teams, now=dt.datetime(2027, 1, 1, 1, tzinfo=dt.UTC)) == 2


def test_bedrock_user_gets_bedrock_date_not_anthropics(db):
    put_records(
        db,
        [{"model": "claude-3-opus-20240229", "shutdown_date": "2026-01-05"}],
        source="anthropic",
        provider="anthropic",
    )
    put_records(
        db,
        [{"model": "anthropic.claude-3-opus-20240229-v1:0", "shutdown_date": "2027-01-15"}],
        source="bedrock",
        provider="aws-bedrock",
    )
    decide(db, teams_config(), now=DAY)
    items = [item for _, a in alerts(db) for item in a.items]
    assert {(i.provider, i.shutdown_date) for i in items} == {("aws-bedrock", "2027-01-15")}


def test_no_destination_sends_nothing_but_does_not_crash(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-03-01"}])
    assert decide(db, teams_config(slack_channel=None, email=[]), now=DAY) == 0


def test_feature_records_never_alert(db):
    put_records(
        db, [{"model": "gpt-4o-2024-05-13", "kind": "feature", "shutdown_date": "2027-03-01"}]
    )
    assert decide(db, teams_config(), now=DAY) == 0


def test_change_stored_by_a_run_that_never_decided_is_still_alerted(db):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-03-01"}])
    decide(db, teams, now=DAY)
    # A run stored the moved date and died before deciding; the next decide still sees it.
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-15"}])
    assert decide(db, teams, now=DAY + dt.timedelta(days=2)) == 2
    assert decide(db, teams, now=DAY + dt.timedelta(days=3)) == 0


def test_date_moving_back_and_forth_is_alerted_each_time(db):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-03-01"}])
    decide(db, teams, now=DAY)
    for day, date in enumerate(["2027-01-15", "2027-03-01", "2027-01-15"], start=1):
        put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": date}])
        assert decide(db, teams, now=DAY + dt.timedelta(days=day)) == 2, date
    last = alerts(db)[-1][1].items[0]
    assert last.change == "shutdown date 2027-03-01 -> 2027-01-15"


def test_several_changed_fields_make_one_item(db):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-03-01"}])
    decide(db, teams, now=DAY)
    put_records(
        db,
        [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-01-15", "replacements": ["gpt-5"]}],
    )
    decide(db, teams, now=DAY + dt.timedelta(days=1))
    alert = alerts(db)[-1][1]
    assert len(alert.items) == 1 and alert.title.endswith(": 1 model")
    assert "shutdown date 2027-03-01 -> 2027-01-15" in alert.items[0].change
    assert "replacements none -> gpt-5" in alert.items[0].change


def test_passed_earliest_date_is_not_a_shutdown(db):
    teams = teams_config()
    put_records(
        db,
        [
            {
                "model": "gpt-4o-2024-05-13",
                "shutdown_date": "2026-11-01",
                "shutdown_kind": "earliest",
            }
        ],
    )
    decide(db, teams, now=DAY)
    assert [a.items[0].kind for _, a in alerts(db)] == ["new", "new"]
    assert decide(db, teams, now=DAY + dt.timedelta(days=1)) == 0


def test_team_without_destination_gets_its_alerts_once_it_has_one(db):
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-03-01"}])
    assert decide(db, teams_config(slack_channel=None, email=[]), now=DAY) == 0
    assert decide(db, teams_config(email=[]), now=DAY + dt.timedelta(days=1)) == 1


def test_late_reminder_says_which_lead_day_fired_and_how_late(db):
    """Issue 19: a late reminder said "shutting down soon" over a "7 days ago" chip and never
    said which lead day fired."""
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2026-12-20"}])
    decide(db, teams, now=DAY)  # 26 days left: the new alert covers the 30-day threshold
    decide(db, teams, now=DAY + dt.timedelta(days=21))  # 5 days left: the 7-day reminder, late
    reminder = alerts(db)[-1][1]
    assert reminder.kind == "reminder"
    assert reminder.items[0].note == "7-day reminder (late: 5 days left)"
    assert "soon" not in reminder.title
    assert reminder.title.endswith("1 model shutting down in 5 days")
