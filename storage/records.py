"""Deprecation records: upsert per (provider, model, scope), change history, `listed` flags.

Scope is "api" or "product:<name>" (a model leaving ChatGPT while staying in the API): the
API record and a product record of one model are two records that never overwrite each other.

A record is owned by the first source that listed it; other sources may only fill fields
the owner left empty, so two pages about one model never flip a record back and forth. Each
field remembers which source set it (`field_sources`), and only that source may empty it
again: a page that is silent about a date never wipes the date another page gives.
A record that disappears from its page is marked `listed = 0`, never deleted.

Review gating (see `storage.review` for the operator's side): a record dict may carry a
`review_reason`; a new record, or a stored one whose content changes, is then kept in
`needs_review` and teams do not hear of it until it is confirmed. Fields an operator
corrected (`overrides`: field -> {"value": the operator's, "page": what the page said}) are
never overwritten by extraction; when the page later says something else about a corrected
field, the record is reviewed again. A model id the operator corrected still finds its
record through `extracted_model`.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

TRACKED = (
    "kind",
    "aliases",
    "shutdown_date",
    "shutdown_kind",
    "announced_date",
    "replacements",
    "status",
    "evidence",
    "url",
)
JSON_FIELDS = ("aliases", "replacements")
EMPTY = (None, "", "[]", "none")  # encoded values that state nothing
# Fields whose change makes a record worth reviewing again (what teams are told about).
REVIEW_FIELDS = ("kind", "shutdown_date", "shutdown_kind", "replacements", "status")
ALERTABLE_STATES = ("ok", "confirmed")  # teams hear only of records in these states
HELD_STATES = ("needs_review", "rejected")
ALERTABLE_SQL = "review_state IN ('ok', 'confirmed')"
DEFAULT_SCOPE = "api"


def _encode(field: str, value: Any) -> Any:
    if field in JSON_FIELDS:
        return json.dumps(list(value or []))
    return value


def decode_record(row: dict[str, Any]) -> dict[str, Any]:
    data = dict(row)
    for field in (*JSON_FIELDS, "why"):
        if field in data:
            data[field] = json.loads(data[field]) if data.get(field) else []
    if "overrides" in data:
        data["overrides"] = json.loads(data["overrides"] or "{}")
    return data


def find_record(
    db: sqlite_utils.Database, provider: str, model: str, scope: str = DEFAULT_SCOPE
) -> dict[str, Any] | None:
    """The stored row for (provider, model, scope), also when an operator corrected that
    model id."""
    # Two indexed lookups (the unique (provider, model, scope) key, then the corrected ids),
    # not one OR that SQLite answers by scanning all of the provider's records.
    for sql in (
        "SELECT * FROM records WHERE provider = ? AND model = ? AND scope = ?",
        "SELECT * FROM records WHERE provider = ? AND extracted_model = ? AND scope = ?"
        " ORDER BY id LIMIT 1",
    ):
        row = next(db.query(sql, [provider, model, scope]), None)
        if row is not None:
            return row
    return None


def log_review(
    db: sqlite_utils.Database,
    record_id: int,
    *,
    action: str,
    old_state: str | None,
    new_state: str,
    by: str,
    reason: str | None,
    at: str,
    run_id: int | None = None,
) -> None:
    db["review_log"].insert(
        {
            "record_id": record_id,
            "action": action,
            "old_state": old_state,
            "new_state": new_state,
            "by": by,
            "reason": reason,
            "at": at,
            "run_id": run_id,
        }
    )


def _extraction_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Columns extraction states about itself, stored as given (not tracked as changes)."""
    confidence = record.get("confidence")
    return {
        "confidence": 1.0 if confidence is None else round(float(confidence), 3),
        "why": json.dumps(list(record.get("why") or [])),
    }


def apply_source_records(
    db: sqlite_utils.Database,
    *,
    source_id: str,
    records: list[dict[str, Any]],
    keep: list[tuple[str, str]] | None = None,
    snapshot_sha256: str | None,
    now: str,
    run_id: int | None,
) -> list[dict[str, Any]]:
    """Upsert one source's full record list; return events as dicts.

    `keep` names (provider, model) pairs, or (provider, model, scope) triples, held for
    review: still on the page, so not unlisted, but not updated either (a pair means the API
    scope). A record with a `review_reason` that is new or whose
    content changes waits in `needs_review`. Each event: {"kind": new|changed|unlisted|
    relisted|reviewed, "record_id", "provider", "model", "changes": [(field, old, new), ...],
    "review": entered|confirmed|None}. Call inside a transaction.
    """
    events: list[dict[str, Any]] = []
    seen_ids: set[int] = set()
    for record in records:
        reason = record.get("review_reason")
        scope = record.get("scope") or DEFAULT_SCOPE
        current = find_record(db, record["provider"], record["model"], scope)
        if current is None:
            row = {field: _encode(field, record.get(field)) for field in TRACKED}
            row.update(
                provider=record["provider"],
                model=record["model"],
                scope=scope,
                source_id=source_id,
                snapshot_sha256=snapshot_sha256,
                first_seen=now,
                last_seen=now,
                listed=1,
                field_sources=json.dumps(
                    {f: source_id for f in TRACKED if row[f] not in EMPTY}, sort_keys=True
                ),
                review_state="needs_review" if reason else "ok",
                review_reason=reason,
                **_extraction_fields(record),
            )
            record_id = db["records"].insert(row).last_pk
            seen_ids.add(record_id)
            if reason:
                log_review(
                    db,
                    record_id,
                    action="needs_review",
                    old_state=None,
                    new_state="needs_review",
                    by=f"source:{source_id}",
                    reason=reason,
                    at=now,
                    run_id=run_id,
                )
            events.append(
                _event("new", record_id, record, [], review="entered" if reason else None)
            )
            continue
        record_id = current["id"]
        seen_ids.add(record_id)
        owned = current["source_id"] in (source_id, None) or not current["listed"]
        provenance: dict[str, str] = json.loads(current["field_sources"] or "{}")
        date_setter = provenance.get("shutdown_date", current["source_id"])
        overrides: dict[str, Any] = json.loads(current["overrides"] or "{}")
        changes: list[tuple[str, Any, Any]] = []
        updates: dict[str, Any] = {"last_seen": now}
        drift: list[str] = []
        for field in TRACKED:
            new = _encode(field, record.get(field))
            if field in overrides:
                # An operator's correction outlives re-extraction of the same page; when the
                # page itself says something new about the field, the operator looks again.
                corrected = overrides[field]
                if owned and new not in (corrected["page"], corrected["value"]):
                    drift.append(
                        f"page now says {field} {new or 'none'}"
                        f" (corrected to {corrected['value'] or 'none'})"
                    )
                    corrected["page"] = new
                continue
            old = current[field]
            setter = provenance.get(field)
            if new == old:
                if new not in EMPTY and setter is None:
                    provenance[field] = source_id
                continue
            if new in EMPTY:
                # Only the source that stated a value may withdraw it: another page that is
                # silent about a date must not wipe the date this one gives.
                may_clear = setter == source_id or (setter is None and owned)
                if field == "evidence" or not may_clear:
                    continue
                provenance.pop(field, None)
            else:
                if not (owned or old in EMPTY or setter == source_id):
                    continue
                provenance[field] = source_id
            updates[field] = new
            changes.append((field, old, new))
        updates["field_sources"] = json.dumps(provenance, sort_keys=True)
        if drift:
            updates["overrides"] = json.dumps(overrides, sort_keys=True)
        if owned:
            updates.update(source_id=source_id, snapshot_sha256=snapshot_sha256)
            updates.update(_extraction_fields(record))
        relisted = not current["listed"]
        if relisted:
            updates["listed"] = 1
            changes.append(("listed", 0, 1))
        state = current["review_state"]
        content = [c for c in changes if c[0] in REVIEW_FIELDS]
        transition = _review_transition(
            state,
            reason="; ".join(filter(None, [reason, *drift])) or None,
            content_changed=bool(content or drift),
            relisted=relisted,
            agrees=bool(
                current["shutdown_date"]
                and record.get("shutdown_date") == current["shutdown_date"]
                and date_setter not in (source_id, "operator")
            ),
        )
        if transition is not None:
            new_state, why_text = transition
            updates.update(review_state=new_state, review_reason=why_text, review_alerted=0)
            if new_state == "confirmed":
                updates.update(reviewed_by=f"source:{source_id}", reviewed_at=now)
        db["records"].update(record_id, updates)
        first_change: int | None = None
        for field, old, new in changes:
            change_id = (
                db["record_changes"]
                .insert(
                    {
                        "record_id": record_id,
                        "field": field,
                        "old_value": None if old is None else str(old),
                        "new_value": None if new is None else str(new),
                        "snapshot_sha256": snapshot_sha256,
                        "changed_at": now,
                        "run_id": run_id,
                    }
                )
                .last_pk
            )
            first_change = first_change or change_id
        final_state = transition[0] if transition else state
        if final_state in HELD_STATES and first_change and current["review_from_change"] is None:
            # Teams were not told of these changes; once confirmed, decide tells them.
            db["records"].update(record_id, {"review_from_change": first_change})
        review = None
        if transition is not None:
            review = "entered" if transition[0] == "needs_review" else transition[0]
            log_review(
                db,
                record_id,
                action=transition[0],
                old_state=state,
                new_state=transition[0],
                by=f"source:{source_id}",
                reason=transition[1],
                at=now,
                run_id=run_id,
            )
        if changes or review:
            kind = "relisted" if relisted else "changed" if changes else "reviewed"
            events.append(_event(kind, record_id, record, changes, review=review))
    held = {(*k, DEFAULT_SCOPE) if len(k) == 2 else tuple(k) for k in keep or ()}
    for row in db.query(
        "SELECT id, provider, model, scope FROM records WHERE source_id = ? AND listed = 1",
        [source_id],
    ):
        if row["id"] in seen_ids or (row["provider"], row["model"], row["scope"]) in held:
            continue
        db["records"].update(row["id"], {"listed": 0})
        db["record_changes"].insert(
            {
                "record_id": row["id"],
                "field": "listed",
                "old_value": "1",
                "new_value": "0",
                "snapshot_sha256": snapshot_sha256,
                "changed_at": now,
                "run_id": run_id,
            }
        )
        events.append(_event("unlisted", row["id"], row, [("listed", 1, 0)]))
    return events


def _review_transition(
    state: str, *, reason: str | None, content_changed: bool, relisted: bool, agrees: bool
) -> tuple[str, str | None] | None:
    """The record's next review state and its reason, or None when it stays as it is.

    - waiting for review, and a second source (not the one that stated the date, and not
      itself doubtful) gives the same shutdown date: confirmed;
    - rejected: stays rejected while the page says the same; new content is reviewed again;
    - ok or confirmed: a doubtful new version (low confidence, changed page structure) of
      what teams are told about waits for review, and so does a page that now says something
      else about a field an operator corrected.
    """
    if state == "needs_review":
        if agrees and not reason:
            return "confirmed", "a second source gives the same shutdown date"
        return None
    if state == "rejected":
        if content_changed:
            return "needs_review", "changed after it was rejected" + (
                f"; {reason}" if reason else ""
            )
        return None
    if reason and (content_changed or relisted):
        return "needs_review", reason
    return None


def _event(
    kind: str,
    record_id: int,
    record: dict[str, Any],
    changes: list,
    *,
    review: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "record_id": record_id,
        "provider": record["provider"],
        "model": record["model"],
        "scope": record.get("scope") or DEFAULT_SCOPE,
        "changes": changes,
        "review": review,  # entered (needs_review) | confirmed | None
    }


def all_records(
    db: sqlite_utils.Database, *, listed_only: bool = False, alertable_only: bool = False
) -> list[dict[str, Any]]:
    """Records by id; `alertable_only` leaves out those waiting for review or rejected."""
    where = [c for c, on in (("listed = 1", listed_only), (ALERTABLE_SQL, alertable_only)) if on]
    sql = "SELECT * FROM records" + (" WHERE " + " AND ".join(where) if where else "")
    return [decode_record(row) for row in db.query(sql + " ORDER BY id")]


def upcoming(
    db: sqlite_utils.Database, since: str, until: str, *, team: str | None = None
) -> list[dict[str, Any]]:
    """Alertable model records still listed whose shutdown date is in [since, until] (ISO
    dates), of every record or only those `team` is exposed to, soonest first; their
    `replacements` as stored (JSON text)."""
    params: list[Any] = [since, until]
    sql = """SELECT r.provider, r.model, r.scope, r.shutdown_date, r.shutdown_kind, r.replacements
             FROM records r WHERE r.kind = 'model' AND r.listed = 1 AND r.shutdown_date >= ?
             AND r.shutdown_date <= ? AND r.review_state IN ('ok', 'confirmed')"""
    if team:
        sql += " AND r.id IN (SELECT record_id FROM exposures WHERE team = ? AND active = 1)"
        params.append(team)
    sql += " ORDER BY r.shutdown_date, r.provider, r.model"
    return list(db.query(sql, params))
