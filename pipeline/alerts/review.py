"""Review gating in a cycle: which records wait for review, and the operator's batch alert.

A record waits (`needs_review`) when its confidence is below the source's
`review.min_confidence`, or when its page's structure changed since the last good snapshot
(`pipeline.structure`); storage applies the gate to new and changed records only. Teams hear
nothing of a waiting record until a second source agrees or an operator confirms it
(`sunset review`). The operator gets one alert per cycle listing the records that started
waiting, never one per record.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from pipeline.alerts.exposures import usage_entries
from pipeline.alerts.match import match
from pipeline.alerts.notify.escape import one_line
from pipeline.core.config import TeamsFile
from pipeline.core.model_ids import MODEL_ID
from pipeline.core.models import EARLIEST_YEAR, LATEST_YEARS_AHEAD, AlertItem, Record, record_of
from pipeline.ops_alerts import enqueue_ops_alert, ops_destinations
from storage import records as record_store

log = logging.getLogger(__name__)

ALERT_ITEMS_MAX = 20  # records listed in one batch alert; the rest are counted


def review_reason(
    record: Record, *, min_confidence: float, structure_note: str | None
) -> str | None:
    """Why `record` must be reviewed before teams hear of it, or None."""
    reasons = []
    if record.confidence < min_confidence:
        reasons.append(f"confidence {record.confidence:.2f} below {min_confidence:.2f}")
    if structure_note:
        reasons.append(structure_note)
    return "; ".join(reasons) or None


def correction(
    *,
    shutdown_date: str | None,
    shutdown_kind: str | None,
    replacements: Sequence[str],
    model: str | None,
    today: dt.date,
) -> dict[str, Any]:
    """The fields of an operator's correction, from command-line text; ValueError names the
    problem. `--shutdown-date none` means no date; `--replacement none` clears them."""
    if shutdown_date is None and shutdown_kind is None and not replacements and model is None:
        raise ValueError(
            "nothing to correct: give --shutdown-date, --kind, --replacement or --model"
        )
    fields: dict[str, Any] = {}
    if shutdown_date is not None and shutdown_date.lower() == "none":
        if shutdown_kind:
            raise ValueError("--kind needs a date, not --shutdown-date none")
        fields.update(shutdown_date=None, shutdown_kind="none")
    elif shutdown_date is not None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", shutdown_date):
            raise ValueError(f"--shutdown-date {shutdown_date!r} is not a date like 2027-01-31")
        try:
            day = dt.date.fromisoformat(shutdown_date)
        except ValueError:
            raise ValueError(f"--shutdown-date {shutdown_date} is not a real date") from None
        latest = today.year + LATEST_YEARS_AHEAD
        if not EARLIEST_YEAR <= day.year <= latest:
            raise ValueError(
                f"--shutdown-date {shutdown_date} is implausible ({EARLIEST_YEAR}..{latest})"
            )
        fields["shutdown_date"] = shutdown_date
    if shutdown_kind:
        fields["shutdown_kind"] = shutdown_kind
    if model is not None:
        if not MODEL_ID.match(model) or model.lower() == "none":
            raise ValueError(f"--model {model!r} is not a model id")
        fields["model"] = model
    if replacements:
        named = [r for r in replacements if r.lower() != "none"]
        if named and len(named) != len(replacements):
            raise ValueError("--replacement none clears the replacements; do not mix it with names")
        for name in named:
            if not MODEL_ID.match(name):
                raise ValueError(f"--replacement {name!r} is not a model id")
        fields["replacements"] = named
    return fields


def teams_using(db: sqlite_utils.Database, rows: Sequence[dict]) -> dict[int, list[str]]:
    """For decoded record rows (waiting ones, typically): the teams whose usage they match,
    i.e. who would hear of them once confirmed."""
    models = [(row["id"], record_of(row)) for row in rows if row["kind"] == "model"]
    found: dict[int, set[str]] = {}
    for exposure in match(usage_entries(db), models):
        found.setdefault(exposure.record_id, set()).add(exposure.team)
    return {record_id: sorted(teams) for record_id, teams in found.items()}


def _item(row: dict, teams: Sequence[str]) -> AlertItem:
    date = row["shutdown_date"] or "no date"
    if row["shutdown_kind"] == "earliest":
        date = f"not before {date}"
    why = ", ".join(row["why"]) if row["why"] else "-"
    note = (
        f"record {row['id']} from {row['source_id']}: shutdown {date}; "
        f"confidence {row['confidence']:.2f}; cues: {why}; teams using it: "
        f"{', '.join(teams) or 'none'}. Waiting because: {row['review_reason'] or 'needs review'}"
    )
    return AlertItem(
        kind="ops",
        status="review",
        provider=row["provider"],
        model=row["model"],
        shutdown_date=row["shutdown_date"],
        shutdown_kind=row["shutdown_kind"],
        replacements=tuple(row["replacements"]),
        evidence=row["evidence"] or "",
        url=row["url"],
        note=one_line(note, 500),
    )


def alert_batch(
    db: sqlite_utils.Database,
    teams: TeamsFile | None,
    *,
    run_id: int,
    now: dt.datetime,
) -> int:
    """One operator alert (per ops channel) for every record that started waiting and has
    not been in such an alert yet; return the number of alerts put in the outbox.

    Read from the store, not the cycle's memory, so records stored by a run that died
    before alerting are in the next run's batch. Call inside a transaction.
    """
    rows = [
        record_store.decode_record(row)
        for row in db.query(
            "SELECT * FROM records WHERE review_state = 'needs_review' AND review_alerted = 0"
            " ORDER BY id"
        )
    ]
    if not rows:
        return 0
    count = len(rows)
    noun = "record" if count == 1 else "records"
    log.warning("%d %s wait for review (run %d): `sunset review` lists them", count, noun, run_id)
    if teams is None:
        return 0  # told once a run has teams.yml and so an operator to tell
    shown = rows[:ALERT_ITEMS_MAX]
    more = f" ({count - len(shown)} more not listed here)" if count > len(shown) else ""
    summary = AlertItem(
        kind="ops",
        status="review",
        provider="sunset-watch",
        model=f"{count} {noun} to review",
        note=(
            f"{count} new or changed {noun} wait for review{more}. Teams hear nothing of them "
            "until confirmed. `sunset review` lists them; `sunset review confirm ID`, "
            "`sunset review reject ID` or `sunset review correct ID --shutdown-date D` "
            "decides."
        ),
    )
    using = teams_using(db, shown)
    destinations = ops_destinations(teams)
    if not destinations:
        log.warning("no ops destination (delivery.ops): no alert for %d %s to review", count, noun)
    created = 0
    for channel, destination in destinations:
        created += enqueue_ops_alert(
            db,
            channel=channel,
            destination=destination,
            title=f"{count} {noun} need review",
            item=summary,
            more=[_item(row, using.get(row["id"], ())) for row in shown],
            idempotency_key=f"ops:review:{run_id}:{channel}",
            now=now,
        )
    marks = ",".join("?" * count)
    db.execute(
        f"UPDATE records SET review_alerted = 1 WHERE id IN ({marks})", [r["id"] for r in rows]
    )
    return created
