"""A warm decide skips matching when nothing matching reads changed, and only then.

Matching is skipped when the teams file, the stored usage, records (the columns matching
reads), team products, waivers and exposures are as the last decide left them
(`pipeline.alerts.match_inputs`); every date-driven fact is still decided.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.alerts import exposures as decide_module  # matching happens there
from pipeline.alerts.decide import decide
from storage import teams as team_store
from storage.db import transaction
from tests.test_decide import DAY, alerts, put_records, teams_config


@pytest.fixture
def match_calls(monkeypatch):
    """How many times `decide` matched usage to records."""
    calls = []
    real = decide_module.match

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(decide_module, "match", counting)
    return calls


def exposures(db):
    return db.execute(
        "SELECT team, record_id, usage_model, how, active FROM exposures ORDER BY id"
    ).fetchall()


def test_nothing_changed_matches_once(db, match_calls):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"}])
    assert decide(db, teams, now=DAY) == 2
    before = exposures(db)
    assert decide(db, teams, now=DAY + dt.timedelta(hours=6)) == 0
    assert match_calls == [1]
    assert exposures(db) == before
    stamped = db.execute("SELECT last_seen FROM exposures").fetchone()[0]
    assert stamped.startswith((DAY + dt.timedelta(hours=6)).date().isoformat())


def test_the_same_page_stored_again_does_not_rematch(db, match_calls):
    teams = teams_config()
    record = {"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"}
    put_records(db, [record])
    decide(db, teams, now=DAY)
    put_records(db, [record], now=DAY + dt.timedelta(hours=1))  # moves last_seen only
    decide(db, teams, now=DAY + dt.timedelta(hours=2))
    assert match_calls == [1]


def test_reminder_due_by_the_date_alone_still_fires(db, match_calls):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2026-12-20"}])
    decide(db, teams, now=DAY)  # 26 days left: the new alert covers the 30-day threshold
    assert decide(db, teams, now=DAY + dt.timedelta(days=1)) == 0
    assert decide(db, teams, now=DAY + dt.timedelta(days=21)) == 2  # 5 days left
    reminder = alerts(db)[-1][1]
    assert reminder.kind == "reminder" and reminder.items[0].days_left == 5
    assert decide(db, teams, now=DAY + dt.timedelta(days=30)) == 2  # past: still in use
    assert "past" in {item.kind for item in alerts(db)[-1][1].items}
    assert match_calls == [1]


def test_usage_written_outside_teams_yml_is_matched(db, match_calls):
    teams = teams_config()
    put_records(
        db,
        [
            {"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"},
            {"model": "gpt-4-0613", "shutdown_date": "2027-02-01"},
        ],
    )
    decide(db, teams, now=DAY)
    with transaction(db):
        team_store.add_usage(
            db,
            [
                {
                    "team": "payments",
                    "provider": "*",
                    "model": "gpt-4-0613",
                    "origin": "scan",
                    "where_seen": "app/llm.py:3",
                    "last_seen": None,
                    "volume": None,
                }
            ],
        )
    assert decide(db, teams, now=DAY + dt.timedelta(hours=1)) == 2
    assert alerts(db)[-1][1].items[0].model == "gpt-4-0613"
    assert len(match_calls) == 2


def test_a_record_put_on_hold_is_unmatched(db, match_calls):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"}])
    decide(db, teams, now=DAY)
    db.execute("UPDATE records SET review_state = 'needs_review'")  # by hand, in sqlite3
    decide(db, teams, now=DAY + dt.timedelta(hours=1))
    assert [row[-1] for row in exposures(db)] == [0]
    assert len(match_calls) == 2


def test_a_changed_teams_file_is_matched(db, match_calls):
    put_records(
        db,
        [
            {"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"},
            {"model": "gpt-4-0613", "shutdown_date": "2027-02-01"},
        ],
    )
    decide(db, teams_config(), now=DAY)
    wider = teams_config(uses=[{"model": "gpt-4*", "provider": "openai"}])
    assert decide(db, wider, now=DAY + dt.timedelta(hours=1)) == 2
    assert sorted(row[2] for row in exposures(db) if row[-1]) == ["gpt-4*", "gpt-4*"]
    assert len(match_calls) == 2


def test_an_exposure_deleted_by_hand_comes_back(db, match_calls):
    teams = teams_config()
    put_records(db, [{"model": "gpt-4o-2024-05-13", "shutdown_date": "2027-06-01"}])
    decide(db, teams, now=DAY)
    db.execute("DELETE FROM exposures")
    decide(db, teams, now=DAY + dt.timedelta(hours=1))
    assert len(exposures(db)) == 1
    assert len(match_calls) == 2
