"""What changed on a provider's page: each stored snapshot's text and the diff from the one
before, computed once when the snapshot is stored (`record_page_change`, called by the cycle)
and browsed in Datasette (`page_changes` table, `page_changes_for_page` query).

`text` turns a snapshot's bytes into readable lines, `diff` makes a bounded unified diff,
`pipeline.core.page_links` builds the alerts' "what changed on the provider's page" link,
`cells` renders the text and diff columns in Datasette. Sizes are bounded everywhere (see each
module), so a huge page never costs unbounded memory, time or screen.
"""

from __future__ import annotations

import logging

import sqlite_utils

from pipeline.sources.pagediff.diff import bounded_diff
from pipeline.sources.pagediff.text import page_text
from storage import page_changes as store

log = logging.getLogger(__name__)

KEEP_TEXT = 5  # per source, the latest snapshots keep their text; older rows keep the diff
KEEP_ROWS = 200  # per source


def record_page_change(
    db: sqlite_utils.Database,
    *,
    source_id: str,
    sha256: str,
    fetched_at: str,
    url: str | None,
    body: bytes | None,
    content_type: str | None,
    charset: str | None,
    text: tuple[str, bool] | None = None,
) -> int | None:
    """Store the snapshot's text and its diff from the source's previous one; return the
    row id, or None when the body is the one stored last (nothing changed). `text`: the
    body's `page_text`, when computed already (by the extraction process). Never raises:
    a page that cannot be read is logged and skipped, the cycle goes on."""
    try:
        previous = store.latest(db, source_id)
        if previous is not None and previous["snapshot_sha256"] == sha256:
            return None
        text, text_cut = text or page_text(body or b"", content_type, charset)
        old = previous["text"] if previous is not None else None
        if previous is not None and old is None:
            old = ""  # its text was pruned: the diff would be against nothing
        diff = bounded_diff(old, text) if old is not None else None
        row_id = store.add(
            db,
            {
                "source_id": source_id,
                "snapshot_sha256": sha256,
                "previous_sha256": previous["snapshot_sha256"] if previous else None,
                "fetched_at": fetched_at,
                "url": url,
                "text": text,
                "diff": diff.text if diff else None,
                "added": diff.added if diff else None,
                "removed": diff.removed if diff else None,
                "truncated": int(text_cut or bool(diff and diff.truncated)),
            },
        )
        store.prune(db, source_id, keep_text=KEEP_TEXT, keep_rows=KEEP_ROWS)
        return row_id
    except Exception:  # a page diff must never stop a cycle
        log.warning("source %s: page text/diff not stored", source_id, exc_info=True)
        return None
