"""The cross-check step on a store (no HTTP): untrusted catalogue text in ops messages,
several disagreements in one message, confirmation rows the review gate can join."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from pipeline.alerts.decide import decide
from pipeline.alerts.notify.email import render_alert_email
from pipeline.alerts.notify.slack import render_slack_messages
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, Record, ReferenceEntry
from pipeline.sources.reference.stage import check_references
from storage import records as record_store
from storage import reference as reference_store
from storage import review as review_store
from storage import sources as source_store
from storage.db import transaction

DAY = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
TEAMS = TeamsFile.model_validate(
    {"delivery": {"ops": {"slack_channel": "#ops", "email": ["ops@example.com"]}}}
)


def setup(
    db, records: list[Record], entries: list[ReferenceEntry], *, review_reason: str | None = None
) -> None:
    source_store.sync_sources(
        db,
        [
            {
                "id": "page",
                "provider": "acme",
                "url": "https://a.test/",
                "format": "html",
                "interval_minutes": 60,
                "enabled": 1,
            },
            {
                "id": "mdd",
                "kind": "reference",
                "provider": "*",
                "url": "https://m.test/models.json",
                "format": "json",
                "interval_minutes": 60,
                "enabled": 1,
            },
        ],
    )
    with transaction(db):
        record_store.apply_source_records(
            db,
            source_id="page",
            records=[{**asdict(r), "review_reason": review_reason} for r in records],
            snapshot_sha256="x",
            now=DAY.isoformat(),
            run_id=None,
        )
        reference_store.replace_entries(
            db, "mdd", [asdict(e) for e in entries], snapshot_sha256="y", now=DAY.isoformat()
        )


def test_catalogue_text_is_escaped_in_ops_messages(db):
    setup(
        db,
        [Record("acme", "acme-1", shutdown_date="2027-01-01", url="https://a.test/#acme-1")],
        [
            ReferenceEntry(
                "acme", "<script>x</script>", aliases=("acme-1",), shutdown_date="2027-02-01"
            )
        ],
    )
    assert check_references(db, TEAMS, now=DAY) == 2
    rows = list(db.query("SELECT * FROM alerts WHERE team = 'ops' ORDER BY id"))
    slack = Alert.from_payload(rows[0]["payload"])
    text = str(render_slack_messages(slack, now=DAY))
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "Reference disagrees" in text
    email = Alert.from_payload(rows[1]["payload"])
    message = render_alert_email(email, now=DAY, sender="s@example.com", recipients=["o@x.y"])
    html = message.get_body(("html",)).get_content()
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    plain = message.get_body(("plain",)).get_content()
    assert "page says 2027-01-01; reference mdd (<script>x</script>) says 2027-02-01" in plain


def test_a_cycles_disagreements_share_one_message(db):
    setup(
        db,
        [
            Record("acme", "acme-1", shutdown_date="2027-01-01"),
            Record("acme", "acme-2", shutdown_date="2027-01-02"),
            Record("acme", "acme-3", shutdown_date="2027-01-03"),
        ],
        [
            ReferenceEntry("acme", "acme-1", shutdown_date="2027-03-01"),
            ReferenceEntry("acme", "acme-2", shutdown_date="2027-03-02"),
            ReferenceEntry("acme", "acme-3", shutdown_date="2027-01-03"),
        ],
    )
    assert check_references(db, TEAMS, now=DAY) == 2  # one message per ops channel
    (slack, _) = [Alert.from_payload(r["payload"]) for r in db.query("SELECT payload FROM alerts")]
    assert [i.model for i in slack.items] == ["acme-1", "acme-2"]
    assert slack.title == "Reference catalogue disagrees on 2 shutdown dates"
    assert check_references(db, TEAMS, now=DAY + dt.timedelta(hours=1)) == 0


def test_confirmations_follow_the_record_date(db):
    """How the review gate reads a confirmation: a row whose shutdown_date is the record's."""
    setup(
        db,
        [Record("acme", "acme-1", shutdown_date="2027-01-01")],
        [ReferenceEntry("acme", "acme-1", shutdown_date="2027-01-01")],
    )
    check_references(db, TEAMS, now=DAY)
    (row,) = db.query("SELECT * FROM confirmations")
    assert (row["confirmed_by"], row["shutdown_date"], row["confirmed_at"]) == (
        "mdd",
        "2027-01-01",
        iso(DAY),
    )
    assert reference_store.confirmed_records(db) == {
        row["record_id"]: [{"confirmed_by": "mdd", "confirmed_at": iso(DAY)}]
    }
    # Checked again later: the first confirmation time stays.
    check_references(db, TEAMS, now=DAY + dt.timedelta(days=1))
    assert next(db.query("SELECT confirmed_at FROM confirmations"))["confirmed_at"] == iso(DAY)
    # A page date that moves is no longer confirmed, even before the next cross-check.
    db.execute("UPDATE records SET shutdown_date = '2027-02-01'")
    assert reference_store.confirmed_records(db) == {}


def test_a_reference_confirms_a_record_waiting_for_review(db):
    setup(
        db,
        [
            Record("acme", "acme-1", shutdown_date="2027-01-01"),
            Record("acme", "acme-2", shutdown_date="2027-01-02"),
            Record("acme", "acme-3", shutdown_date="2027-01-03"),
        ],
        [
            ReferenceEntry("acme", "acme-1", shutdown_date="2027-01-01"),
            ReferenceEntry("acme", "acme-2", shutdown_date="2027-02-02"),
            ReferenceEntry("acme", "acme-3", shutdown_date="2027-01-03"),
        ],
        review_reason="confidence 0.30 below 0.50",
    )
    ids = {r["model"]: r["id"] for r in db.query("SELECT id, model FROM records")}
    review_store.set_state(db, [ids["acme-3"]], "rejected", by="operator", at=iso(DAY))
    teams = TeamsFile.model_validate(
        {
            "delivery": {"ops": {"slack_channel": "#ops"}},
            "teams": [{"name": "core", "slack_channel": "#core", "uses": [{"model": "acme-*"}]}],
        }
    )
    check_references(db, teams, now=DAY)
    states = {
        r["model"]: (r["review_state"], r["reviewed_by"])
        for r in db.query("SELECT model, review_state, reviewed_by FROM records")
    }
    assert states == {
        "acme-1": ("confirmed", "reference:mdd"),  # agrees: released
        "acme-2": ("needs_review", None),  # disagrees: still waits
        "acme-3": ("rejected", "operator"),  # an operator's rejection stands
    }
    (log,) = db.query("SELECT * FROM review_log WHERE by = 'reference:mdd'")
    assert (log["record_id"], log["new_state"]) == (ids["acme-1"], "confirmed")
    decide(db, teams, now=DAY)
    (alert,) = [
        Alert.from_payload(r["payload"])
        for r in db.query("SELECT * FROM alerts WHERE team = 'core'")
    ]
    assert [i.model for i in alert.items] == ["acme-1"]
