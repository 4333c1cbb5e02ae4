"""Review gating in the store and in decide: records waiting for review reach no team until a
second source or an operator confirms them; rejections hold; corrections outlive extraction.

End to end through decide and the outbox: nothing about a waiting record is ever delivered.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from pipeline.alerts.decide import decide
from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.alerts.review import review_reason
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, Record
from storage import records as record_store
from storage import review as review_store
from storage import sources as source_store
from storage.db import transaction

DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
TEAMS = TeamsFile.model_validate(
    {
        "delivery": {"ops": {"slack_channel": "#ops"}},
        "teams": [
            {
                "name": "payments",
                "slack_channel": "#payments",
                "lead_days": [90, 30, 7, 1],
                "uses": [{"model": "gpt-4o-2024-05-13", "provider": "openai"}],
            }
        ],
    }
)
MODEL = "gpt-4o-2024-05-13"


def put(db, records, *, source="s1", now=DAY, reason=None, **common):
    source_store.sync_sources(
        db,
        [
            {
                "id": sid,
                "provider": "openai",
                "url": f"https://{sid}.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            }
            for sid in ("s1", "s2")
        ],
    )
    rows = [
        {
            "provider": "openai",
            "kind": "model",
            "aliases": [],
            "shutdown_kind": "firm",
            "announced_date": None,
            "replacements": [],
            "status": "deprecated",
            "evidence": f"{r['model']} retires",
            "url": None,
            "review_reason": reason,
            **common,
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


def row(db, model=MODEL) -> dict[str, Any]:
    return record_store.decode_record(
        next(db.query("SELECT * FROM records WHERE model = ?", [model]))
    )


def team_alerts(db) -> list[Alert]:
    return [
        Alert.from_payload(r["payload"])
        for r in db.query("SELECT payload FROM alerts WHERE team != 'ops' ORDER BY id")
    ]


class Capture:
    """A notifier that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[Alert] = []

    def send(self, alert: Alert, *, now: dt.datetime) -> None:
        self.sent.append(alert)


def deliver(db, now=DAY) -> list[Alert]:
    """Deliver the outbox through the real router with a capturing notifier per alert."""
    router = build_notifiers(TEAMS)
    capture = Capture()
    router.route = lambda alert: (f"{alert.team}:{alert.channel}", capture)  # type: ignore[method-assign]
    deliver_due(db, router, now=now)
    return capture.sent


def confirm(db, record_id, now=DAY):
    with transaction(db):
        return review_store.set_state(
            db, [record_id], "confirmed", by="operator", at=now.isoformat()
        )


def test_confidence_why_and_scope_are_stored(db):
    put(
        db,
        [{"model": MODEL, "shutdown_date": "2027-03-01"}],
        confidence=0.42,
        why=("table column 'Shutdown date'", "heading 'Legacy'"),
        scope="product:chatgpt",
    )
    stored = row(db)
    assert stored["confidence"] == 0.42
    assert stored["why"] == ["table column 'Shutdown date'", "heading 'Legacy'"]
    assert stored["scope"] == "product:chatgpt"
    put(
        db,
        [{"model": MODEL, "shutdown_date": "2027-03-01"}],
        confidence=0.9,
        why=("x",),
        scope="product:chatgpt",
    )
    assert (row(db)["confidence"], row(db)["why"], row(db)["scope"]) == (
        0.9,
        ["x"],
        "product:chatgpt",
    )
    # Scope is part of a record's key: the API record of the same model is another record.
    put(db, [{"model": MODEL, "shutdown_date": "2027-06-01"}], confidence=0.8)
    scopes = db.execute("SELECT scope FROM records WHERE model = ? ORDER BY id", [MODEL])
    assert [r[0] for r in scopes] == ["product:chatgpt", "api"]


@pytest.mark.parametrize(
    ("confidence", "note", "expected"),
    [
        (0.59, None, "confidence 0.59 below 0.60"),
        (0.6, None, None),
        (1.0, "page structure changed: added x", "page structure changed: added x"),
        (0.1, "page structure changed", "confidence 0.10 below 0.60; page structure changed"),
    ],
)
def test_review_reason_threshold_and_structure(confidence, note, expected):
    record = Record(provider="openai", model=MODEL, confidence=confidence)
    assert review_reason(record, min_confidence=0.6, structure_note=note) == expected


def test_waiting_record_reaches_no_team_until_confirmed(db):
    events = put(db, [{"model": MODEL, "shutdown_date": "2026-12-20"}], reason="confidence low")
    assert events[0]["review"] == "entered"
    stored = row(db)
    assert (stored["review_state"], stored["review_reason"]) == ("needs_review", "confidence low")
    # Days pass, lead days are crossed: still nothing for the team, in the outbox or delivered.
    for day in range(0, 30, 3):
        assert decide(db, TEAMS, now=DAY + dt.timedelta(days=day)) == 0
    assert team_alerts(db) == [] and deliver(db) == []
    assert db.execute("SELECT COUNT(*) FROM exposures WHERE active = 1").fetchone()[0] == 0
    assert confirm(db, stored["id"]) == [(stored["id"], "needs_review", "confirmed")]
    later = DAY + dt.timedelta(days=1)
    assert decide(db, TEAMS, now=later) == 1
    sent = deliver(db, later)
    assert [(a.team, a.items[0].kind, a.items[0].model) for a in sent] == [
        ("payments", "new", MODEL)
    ]
    log = list(db.query("SELECT action, by FROM review_log ORDER BY id"))
    assert log == [
        {"action": "needs_review", "by": "source:s1"},
        {"action": "confirmed", "by": "operator"},
    ]


def test_doubtful_change_is_withheld_then_told_old_to_new(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}])
    assert decide(db, TEAMS, now=DAY) == 1  # the team heard of 2027-03-01
    put(
        db,
        [{"model": MODEL, "shutdown_date": "2026-12-01"}],
        reason="page structure changed",
        now=DAY + dt.timedelta(hours=1),
    )
    assert row(db)["review_state"] == "needs_review"
    # Neither the change nor the reminders its new date would trigger reach the team.
    for day in (1, 2, 5):
        assert decide(db, TEAMS, now=DAY + dt.timedelta(days=day)) == 0
    # The page moves again while waiting; the team will hear of one change, first to last.
    put(
        db,
        [{"model": MODEL, "shutdown_date": "2026-12-15"}],
        reason="page structure changed",
        now=DAY + dt.timedelta(days=5),
    )
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=5)) == 0
    confirm(db, row(db)["id"], DAY + dt.timedelta(days=6))
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=6)) == 1
    changed = team_alerts(db)[-1]
    assert changed.kind == "changed"
    assert changed.items[0].change == "shutdown date 2027-03-01 -> 2026-12-15"
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=6, hours=1)) == 0  # told once
    assert row(db)["review_from_change"] is None


def test_confident_change_of_a_confirmed_record_alerts_normally(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], reason="low")
    confirm(db, row(db)["id"])
    decide(db, TEAMS, now=DAY)
    put(db, [{"model": MODEL, "shutdown_date": "2027-04-01"}])
    assert row(db)["review_state"] == "confirmed"
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=1)) == 1
    assert team_alerts(db)[-1].items[0].change == "shutdown date 2027-03-01 -> 2027-04-01"


def test_second_source_with_the_same_date_confirms(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], reason="confidence low")
    # Another source that is itself doubtful does not confirm; nor does a different date
    # (which it may not write over the first source's date either).
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], source="s2", reason="low")
    put(db, [{"model": MODEL, "shutdown_date": "2027-05-01"}], source="s2")
    # The first source repeating itself is no second opinion.
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], reason="confidence low")
    assert row(db)["review_state"] == "needs_review"
    assert decide(db, TEAMS, now=DAY) == 0
    events = put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], source="s2")
    assert [e["review"] for e in events] == ["confirmed"]
    stored = row(db)
    assert (stored["review_state"], stored["reviewed_by"]) == ("confirmed", "source:s2")
    assert decide(db, TEAMS, now=DAY) == 1
    assert team_alerts(db)[0].items[0].shutdown_date == "2027-03-01"


def test_no_date_is_no_agreement(db):
    put(db, [{"model": MODEL, "shutdown_date": None, "shutdown_kind": "none"}], reason="low")
    put(db, [{"model": MODEL, "shutdown_date": None, "shutdown_kind": "none"}], source="s2")
    assert row(db)["review_state"] == "needs_review"


def test_rejected_never_alerts_and_stays_rejected_on_the_same_content(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], reason="low")
    record_id = row(db)["id"]
    with transaction(db):
        review_store.set_state(db, [record_id], "rejected", by="operator", at=DAY.isoformat())
    for day in range(3):
        # Re-extraction of the same content, even confident and from a second source.
        put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], now=DAY + dt.timedelta(days=day))
        put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}], source="s2")
        assert decide(db, TEAMS, now=DAY + dt.timedelta(days=day)) == 0
    assert row(db)["review_state"] == "rejected"
    assert deliver(db) == []
    # The page says something new: the operator looks again; still nothing for the team.
    put(db, [{"model": MODEL, "shutdown_date": "2027-06-01"}], now=DAY + dt.timedelta(days=4))
    stored = row(db)
    assert stored["review_state"] == "needs_review"
    assert stored["review_reason"] == "changed after it was rejected"
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=4)) == 0


def test_correction_outlives_reextraction(db):
    put(db, [{"model": "gpt-4o-2024-05-1", "shutdown_date": "2027-13-01"}], reason="low")
    record_id = row(db, "gpt-4o-2024-05-1")["id"]
    with transaction(db):
        changes = review_store.correct(
            db,
            record_id,
            {
                "model": MODEL,
                "shutdown_date": "2027-03-01",
                "shutdown_kind": "firm",
                "replacements": ["gpt-5"],
            },
            by="operator",
            at=DAY.isoformat(),
        )
    assert [c[0] for c in changes] == ["model", "shutdown_date", "replacements"]
    for hour in (1, 2):
        # The page still prints the truncated id and the bad date: nothing is undone, and no
        # second record appears for the truncated id.
        put(
            db,
            [{"model": "gpt-4o-2024-05-1", "shutdown_date": "2027-13-01", "replacements": []}],
            now=DAY + dt.timedelta(hours=hour),
        )
    assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1
    stored = row(db)
    assert (stored["id"], stored["shutdown_date"], stored["replacements"]) == (
        record_id,
        "2027-03-01",
        ["gpt-5"],
    )
    assert (stored["review_state"], stored["extracted_model"]) == ("confirmed", "gpt-4o-2024-05-1")
    assert stored["overrides"]["shutdown_date"] == {"value": "2027-03-01", "page": "2027-13-01"}
    assert decide(db, TEAMS, now=DAY) == 1
    item = team_alerts(db)[0].items[0]
    assert (item.model, item.shutdown_date, item.replacements) == (MODEL, "2027-03-01", ("gpt-5",))
    # Fields the operator did not correct still follow the page.
    put(
        db,
        [{"model": "gpt-4o-2024-05-1", "shutdown_date": "2027-13-01", "status": "retired"}],
        now=DAY + dt.timedelta(hours=3),
    )
    assert row(db)["status"] == "retired"


def test_page_that_moves_a_corrected_field_is_reviewed_again(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-13-01"}], reason="low")
    record_id = row(db)["id"]
    with transaction(db):
        review_store.correct(
            db, record_id, {"shutdown_date": "2027-03-01"}, by="operator", at=DAY.isoformat()
        )
    assert decide(db, TEAMS, now=DAY) == 1
    # The provider really moves the date: the correction still stands, but teams hear nothing
    # new until the operator has looked at what the page says now.
    put(db, [{"model": MODEL, "shutdown_date": "2027-04-01"}], now=DAY + dt.timedelta(days=1))
    stored = row(db)
    assert (stored["shutdown_date"], stored["review_state"]) == ("2027-03-01", "needs_review")
    assert stored["review_reason"] == (
        "page now says shutdown_date 2027-04-01 (corrected to 2027-03-01)"
    )
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=1)) == 0
    # Said again, it is not news: one review, not one per run.
    confirm(db, record_id)
    put(db, [{"model": MODEL, "shutdown_date": "2027-04-01"}], now=DAY + dt.timedelta(days=2))
    assert row(db)["review_state"] == "confirmed"
    with transaction(db):
        review_store.correct(
            db, record_id, {"shutdown_date": "2027-04-01"}, by="operator", at=DAY.isoformat()
        )
    assert decide(db, TEAMS, now=DAY + dt.timedelta(days=2)) == 1
    assert team_alerts(db)[-1].items[0].change == "shutdown date 2027-03-01 -> 2027-04-01"


def test_correction_of_an_announced_record_tells_the_team(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}])
    decide(db, TEAMS, now=DAY)
    with transaction(db):
        review_store.correct(
            db, row(db)["id"], {"shutdown_date": "2027-02-01"}, by="operator", at=DAY.isoformat()
        )
    assert decide(db, TEAMS, now=DAY + dt.timedelta(hours=1)) == 1
    assert team_alerts(db)[-1].items[0].change == "shutdown date 2027-03-01 -> 2027-02-01"


def test_review_errors_name_the_problem(db):
    put(db, [{"model": MODEL, "shutdown_date": "2027-03-01"}, {"model": "gpt-4"}], reason="low")
    with pytest.raises(review_store.ReviewError, match="no record with id 99"), transaction(db):
        review_store.set_state(db, [1, 99], "confirmed", by="operator", at="t")
    assert row(db)["review_state"] == "needs_review"  # nothing written for the good id
    with pytest.raises(review_store.ReviewError, match="already exists as record 1"):
        review_store.correct(db, 2, {"model": MODEL}, by="operator", at="t")
    assert [r["id"] for r in review_store.waiting(db)] == [1, 2]
    assert json.loads(db.execute("SELECT overrides FROM records WHERE id = 2").fetchone()[0]) == {}


def test_batch_alert_comes_from_the_store_once(db):
    from pipeline.alerts.review import ALERT_ITEMS_MAX, alert_batch

    # Records stored by a run that died before alerting: the next run's batch names them.
    models = [f"gpt-x-{i}" for i in range(ALERT_ITEMS_MAX + 5)]
    put(db, [{"model": m, "shutdown_date": "2027-03-01"} for m in models], reason="low")
    with transaction(db):
        assert alert_batch(db, None, run_id=1, now=DAY) == 0  # no teams.yml: nobody to tell
        assert alert_batch(db, TEAMS, run_id=2, now=DAY) == 1  # ops has Slack only
        assert alert_batch(db, TEAMS, run_id=3, now=DAY) == 0  # never twice
    (alert,) = [
        Alert.from_payload(r["payload"])
        for r in db.query("SELECT * FROM alerts WHERE team = 'ops'")
    ]
    assert alert.title == f"{len(models)} records need review"
    assert len(alert.items) == 1 + ALERT_ITEMS_MAX
    assert "(5 more not listed here)" in alert.items[0].note
    # A record that enters review again (rejected, then changed) is in the next batch.
    record_id = row(db, "gpt-x-0")["id"]
    with transaction(db):
        review_store.set_state(db, [record_id], "rejected", by="operator", at="t")
    put(db, [{"model": "gpt-x-0", "shutdown_date": "2027-04-01"}])
    with transaction(db):
        assert alert_batch(db, TEAMS, run_id=4, now=DAY) == 1
    last = Alert.from_payload(
        db.execute("SELECT payload FROM alerts ORDER BY id DESC LIMIT 1").fetchone()[0]
    )
    assert [i.model for i in last.items[1:]] == ["gpt-x-0"]


def test_waiting_and_rejected_records_are_not_published(tmp_path):
    from click.testing import CliRunner

    from pipeline.alerts.notify.digest import collect_digest
    from pipeline.cli import main
    from pipeline.export import export_feed
    from storage.db import open_db

    path = tmp_path / "w.db"
    db = open_db(path)
    put(db, [{"model": MODEL, "shutdown_date": "2026-12-20"}], reason="low")
    rejected = "gpt-3.5-turbo-0301"
    put(
        db,
        [
            {"model": "gpt-4-0613", "shutdown_date": "2026-12-21"},
            {"model": rejected, "shutdown_date": "2026-12-22", "review_reason": "low"},
        ],
        source="s2",
    )
    with transaction(db):
        review_store.set_state(db, [3], "rejected", by="operator", at="t")
    decide(db, TEAMS, now=DAY)

    def published() -> list[str]:
        found = []
        for fmt in ("jsonfeed", "rss", "ics"):
            body = export_feed(db, fmt, now=DAY).decode()
            found.append({m for m in (MODEL, "gpt-4-0613", rejected) if m in body})
        upcoming = CliRunner().invoke(
            main, ["upcoming", "--db", str(path), "--now", "2026-11-24", "--days", "60"]
        )
        found.append({m for m in (MODEL, "gpt-4-0613", rejected) if m in upcoming.stdout})
        return found

    assert published() == [{"gpt-4-0613"}] * 4
    assert collect_digest(db, TEAMS.team("payments"), DAY).items() == ()
    confirm(db, 1)
    decide(db, TEAMS, now=DAY)
    assert published() == [{"gpt-4-0613", MODEL}] * 4
    assert [i.model for i in collect_digest(db, TEAMS.team("payments"), DAY).items()] == [
        MODEL
    ]  # new (and not repeated under upcoming, issue 19)
    db.close()
