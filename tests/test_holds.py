"""Acknowledge, snooze, waive (issue 20 item 1): stored holds keep an exposure quiet in
decide until the record changes (ack) or the date comes (snooze, waive)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from pipeline.alerts.decide import decide
from pipeline.alerts.holds import actions
from pipeline.cli import main
from pipeline.core.errors import ConfigError
from storage import holds as hold_store
from storage.db import open_db
from tests.test_decide import DAY, alerts, put_records, teams_config

MODEL = "gpt-4o-2024-05-13"


def _setup(db, shutdown="2026-12-20"):
    teams = teams_config()
    put_records(db, [{"model": MODEL, "shutdown_date": shutdown}])
    decide(db, teams, now=DAY)  # 26 days left: the new alert
    return teams


def _hold(db, kind, now=DAY, **kwargs):
    pairs = actions.targets(db, "payments", MODEL)
    return actions.hold(
        db, pairs, team="payments", kind=kind, by="ana", via="cli", now=now, **kwargs
    )


def test_ack_stops_reminders_until_the_record_changes(db):
    teams = _setup(db)
    _hold(db, "ack", reason="migrating in sprint 12")
    assert decide(db, teams, now=DAY + dt.timedelta(days=21)) == 0  # the 7-day reminder: quiet
    assert hold_store.hold(db, "payments", 1)["kind"] == "ack"
    # A new shutdown date: the ack lapses, the change is told.
    put_records(
        db, [{"model": MODEL, "shutdown_date": "2026-12-18"}], now=DAY + dt.timedelta(days=22)
    )
    assert decide(db, teams, now=DAY + dt.timedelta(days=22)) == 2
    assert alerts(db)[-1][1].kind in ("changed", "update")
    assert hold_store.hold(db, "payments", 1) is None
    log = [(a["action"], a["by"], a["reason"]) for a in hold_store.actions(db)]
    assert log == [
        ("ack", "ana", "migrating in sprint 12"),
        ("ack-lapsed", "sunset", "shutdown date changed"),
    ]


def test_ack_lapses_on_new_replacement(db):
    teams = _setup(db)
    _hold(db, "ack")
    put_records(
        db,
        [{"model": MODEL, "shutdown_date": "2026-12-20", "replacements": ["gpt-4.1"]}],
        now=DAY + dt.timedelta(days=2),
    )
    assert decide(db, teams, now=DAY + dt.timedelta(days=2)) == 2
    assert hold_store.actions(db)[-1]["reason"] == "replacements changed"


def test_snooze_resumes_on_its_date(db):
    teams = _setup(db)
    _hold(db, "snooze", until="2026-12-17")
    assert decide(db, teams, now=DAY + dt.timedelta(days=21)) == 0  # 5 days left, snoozed
    assert decide(db, teams, now=dt.datetime(2026, 12, 16, 23, tzinfo=dt.UTC)) == 0
    assert decide(db, teams, now=dt.datetime(2026, 12, 17, 6, tzinfo=dt.UTC)) == 2
    reminder = alerts(db)[-1][1]
    assert reminder.kind == "reminder" and reminder.items[0].days_left == 3
    assert hold_store.actions(db)[-1]["action"] == "snooze-lapsed"


def test_waive_quiet_through_its_last_day(db):
    teams = _setup(db)
    _hold(db, "waive", reason="vendor contract", until="2026-12-16")
    assert decide(db, teams, now=dt.datetime(2026, 12, 16, 6, tzinfo=dt.UTC)) == 0
    assert decide(db, teams, now=dt.datetime(2026, 12, 17, 6, tzinfo=dt.UTC)) == 2


def test_unsnooze_resumes_at_once(db):
    teams = _setup(db)
    _hold(db, "snooze", until="2026-12-19")
    pairs = actions.targets(db, "payments", MODEL)
    later = DAY + dt.timedelta(days=21)
    actions.release(db, pairs, team="payments", kind="snooze", by="bo", via="cli", now=later)
    assert decide(db, teams, now=later) == 2
    assert [a["action"] for a in hold_store.actions(db)] == ["snooze", "unsnooze"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"until": "2026-11-20"}, "not after today"),
        ({"until": "2027-01-05"}, "after gpt-4o-2024-05-13's shutdown date 2026-12-20"),
    ],
)
def test_snooze_dates_refused(db, kwargs, message):
    _setup(db)
    with pytest.raises(ConfigError, match=message):
        _hold(db, "snooze", **kwargs)
    assert hold_store.actions(db) == []


def test_unknown_team_and_model_name_the_known_ones(db):
    _setup(db)
    with pytest.raises(ConfigError, match=r"no team named 'paymnts' \(known: payments\)"):
        actions.targets(db, "paymnts", MODEL)
    with pytest.raises(ConfigError, match=f"its models: {MODEL}"):
        actions.targets(db, "payments", "gpt-4o")


def test_cli_end_to_end(tmp_path, monkeypatch):
    path = str(tmp_path / "s.db")
    db = open_db(path)
    _setup(db)
    db.close()
    monkeypatch.setenv("USER", "carol")
    runner = CliRunner()
    now = ["--db", path, "--now", DAY.isoformat()]
    result = runner.invoke(main, ["snooze", MODEL, "--team", "payments", "--for", "7d", *now])
    assert result.exit_code == 0, result.output
    assert "snoozed until 2026-12-01: payments gpt-4o-2024-05-13 (openai) by carol" in result.output
    bad = [
        (["snooze", MODEL, "--team", "payments", "--until", "2026-02-30"], "not a date"),
        (["snooze", MODEL, "--team", "payments", "--for", "7x"], "not a duration"),
        (["snooze", MODEL, "--team", "payments"], "give one of"),
        (["ack", MODEL, "--team", "nobody"], "known: payments"),
        (
            ["waive", "gpt-5", "--team", "payments", "--reason", "r", "--until", "2026-12-01"],
            "its models",
        ),
        (["unack", MODEL, "--team", "payments"], "has no ack"),
    ]
    for args, message in bad:
        result = runner.invoke(main, [*args, *now])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and result.output.count("\n") == 1, result.output
    result = runner.invoke(main, ["unsnooze", MODEL, "--team", "payments", "--by", "dan", *now])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(
        main, ["ack", MODEL, "--team", "payments", "--db", str(tmp_path / "x.db")]
    )
    assert missing.exit_code != 0 and "no database" in missing.output
    db = open_db(path)
    assert [(a["action"], a["by"]) for a in hold_store.actions(db)] == [
        ("snooze", "carol"),
        ("unsnooze", "dan"),
    ]
