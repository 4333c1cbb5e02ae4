"""The arguments of one extraction job, read from the store: a stored snapshot's body and
the models already known for its provider (`pipeline.sources.extract_pool` runs the job)."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from storage import sources as source_store

__all__ = ["known_models", "snapshot_job"]


def snapshot_job(
    db: sqlite_utils.Database,
    source: dict,
    sha: str,
    today: dt.date,
    text_of: tuple[str | None, str | None] | None = None,
) -> tuple:
    """The extractor's arguments for one stored snapshot, with the models already known for
    its provider (stored records, teams' usage) to ground the page's mentions; with
    `text_of` (content type, charset) the default extractor also returns the page's text."""
    body = source_store.load_snapshot(db, source["id"], sha) or b""
    known = known_models(db, source["provider"])
    job = (body, source["format"], source["provider"], source["url"], today, known)
    return job if text_of is None else (*job, text_of)


def known_models(db: sqlite_utils.Database, provider: str) -> frozenset[str]:
    """Model IDs the store already holds for a provider, and those teams declare or call
    (globs left out): grounding that raises extraction's confidence, never a filter."""
    rows = db.execute(
        """SELECT model FROM records WHERE provider = ? AND kind = 'model'
           UNION SELECT model FROM usage WHERE provider IN (?, '*')""",
        [provider, provider],
    ).fetchall()
    return frozenset(r[0].lower() for r in rows if r[0] and not any(c in r[0] for c in "*?["))
