"""Reading deprecation events from the store and describing them in safe plain text.

Every string that came from the web passes through `clean_text`, because lxml (under
feedgen) refuses control characters and calendar clients choke on them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pipeline.core.scope import product_name, product_of

# Records waiting for review or rejected are never published.
from storage.records import ALERTABLE_SQL as ALERTABLE

MAX_ITEMS = 500
# Changes that are news for a reader; a re-worded evidence quote, a moved anchor or a new
# alias alone is not an item.
NEWS_FIELDS = ("kind", "shutdown_date", "shutdown_kind", "announced_date", "replacements", "status")
FIELD_LABELS = {
    "shutdown_date": "shutdown date",
    "shutdown_kind": "shutdown kind",
    "announced_date": "announced date",
}

# Everything outside XML 1.0's Char production, plus C1 controls (never meaningful in text).
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_HTTP_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def clean_text(value: Any) -> str:
    """`value` as text that is safe for XML, JSON and iCalendar (None becomes "")."""
    if value is None:
        return ""
    return _INVALID_CHARS.sub("", str(value))


@dataclass(frozen=True)
class FeedItem:
    """One feed entry: a record first seen, or one change of a record's field."""

    id: str
    title: str
    text: str
    url: str | None
    published: dt.datetime
    record: dict[str, Any]
    change: dict[str, Any] | None


def team_clause(team: str | None, column: str) -> tuple[str, list[Any]]:
    """An ` AND ...` restricting `column` (a record id) to the team's active exposures."""
    if team is None:
        return "", []
    return (
        f" AND {column} IN (SELECT record_id FROM exposures WHERE team = ? AND active = 1)",
        [team],
    )


def rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def feed_items(db: sqlite_utils.Database, team: str | None, now: dt.datetime) -> list[FeedItem]:
    """Record and change events, newest first, at most `MAX_ITEMS`."""
    where, params = team_clause(team, "id")
    recent = rows(
        db,
        f"SELECT * FROM records WHERE {ALERTABLE}{where} ORDER BY first_seen DESC, id DESC LIMIT ?",
        [*params, MAX_ITEMS],
    )
    change_where, change_params = team_clause(team, "record_id")
    changes = rows(
        db,
        "SELECT id, record_id, field, old_value, new_value, changed_at FROM record_changes"
        f" WHERE field IN ({', '.join('?' * len(NEWS_FIELDS))})"
        f" AND record_id IN (SELECT id FROM records WHERE {ALERTABLE}){change_where}"
        " ORDER BY changed_at DESC, id DESC LIMIT ?",
        [*NEWS_FIELDS, *change_params, MAX_ITEMS],
    )
    records = {r["id"]: r for r in recent}
    missing = sorted({c["record_id"] for c in changes} - records.keys())
    if missing:
        marks = ", ".join("?" * len(missing))
        for record in rows(db, f"SELECT * FROM records WHERE id IN ({marks})", missing):
            records[record["id"]] = record
    items = [_record_item(r, now) for r in recent]
    # Defensive: skip a change whose record row is gone rather than fail the whole export.
    items += [
        _change_item(c, records[c["record_id"]], now) for c in changes if c["record_id"] in records
    ]
    # Ties (same timestamp) put a change above its record's creation, then higher ids first,
    # so the order is total and re-exports are identical.
    items.sort(key=lambda i: (i.published, i.change is not None, _id_number(i)), reverse=True)
    return items[:MAX_ITEMS]


def _id_number(item: FeedItem) -> int:
    return int(item.change["id"] if item.change else item.record["id"])


def _record_item(record: dict[str, Any], now: dt.datetime) -> FeedItem:
    shutdown = clean_text(record.get("shutdown_date"))
    kind = clean_text(record.get("shutdown_kind"))
    title = f"{display_name(record)}: deprecated"
    if shutdown:
        title += f", shutdown {shutdown}" + (f" ({kind})" if kind not in ("firm", "none") else "")
    return FeedItem(
        id=f"sunset-watch:record:{record['id']}",
        title=title,
        text=describe(record),
        url=http_url(record.get("url")),
        published=parse_time(record.get("first_seen"), now),
        record=record,
        change=None,
    )


def _change_item(change: dict[str, Any], record: dict[str, Any], now: dt.datetime) -> FeedItem:
    field = clean_text(change["field"])
    label = FIELD_LABELS.get(field, field.replace("_", " "))
    old = clean_text(change["old_value"]) or "(none)"
    new = clean_text(change["new_value"]) or "(none)"
    return FeedItem(
        id=f"sunset-watch:change:{change['id']}",
        title=f"{clean_text(record['model'])}: {label} {old} -> {new}",
        text=f"Changed {label}: {old} -> {new}\n\n{describe(record)}",
        url=http_url(record.get("url")),
        published=parse_time(change.get("changed_at"), now),
        record=record,
        change=change,
    )


def display_name(record: dict[str, Any]) -> str:
    """ "gpt-4o (openai)", or "gpt-4o (openai, ChatGPT only)" for a product change."""
    product = product_of(record.get("scope"))
    where = clean_text(record["provider"])
    if product is not None:
        where += f", {clean_text(product_name(product))} only"
    return f"{clean_text(record['model'])} ({where})"


def json_list(value: Any) -> list[str]:
    """A JSON text list column as clean strings; a malformed value degrades to one item."""
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return [clean_text(value)] if value else []
    if not isinstance(items, list):
        return []
    return [clean_text(i) for i in items if i is not None]


def describe(record: dict[str, Any]) -> str:
    """Plain-text body: provider, model, shutdown date and kind, replacements, evidence, url."""
    shutdown = clean_text(record.get("shutdown_date"))
    kind = clean_text(record.get("shutdown_kind"))
    replacements = json_list(record.get("replacements"))
    lines = [
        f"Provider: {clean_text(record['provider'])}",
        f"Model: {clean_text(record['model'])}",
        f"Kind: {clean_text(record.get('kind'))}",
        f"Status: {clean_text(record.get('status'))}",
        f"Shutdown date: {shutdown} ({kind})" if shutdown else "Shutdown date: not announced",
        *_scope_lines(record),
        "Replacements: " + (", ".join(replacements) if replacements else "none named"),
    ]
    evidence = clean_text(record.get("evidence")).strip()
    if evidence:
        lines.append(f"Evidence: \u201c{evidence}\u201d")
    url = http_url(record.get("url"))
    if url:
        lines.append(f"Source: {url}")
    return "\n".join(lines)


def _scope_lines(record: dict[str, Any]) -> list[str]:
    product = product_of(record.get("scope"))
    if product is None:
        return []
    return [f"Scope: leaves {clean_text(product_name(product))}; API unaffected"]


def http_url(value: Any) -> str | None:
    """The value if it is an http(s) URL (no javascript:, data: or relative links)."""
    url = clean_text(value).strip()
    return url if _HTTP_URL.match(url) else None


def aware(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes in the store are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_time(value: Any, fallback: dt.datetime) -> dt.datetime:
    try:
        return aware(dt.datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return fallback


def feed_title(team: str | None) -> str:
    return "Sunset Watch" + (f" \u2014 team {clean_text(team)}" if team else "")
