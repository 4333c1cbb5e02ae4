"""The send ledger: alerts that were delivered but whose `sent` mark could not be written.

Delivery claims an alert (`sending`, committed) before sending it. If the store then refuses
the `sent` mark (disk full, read-only, I/O error), the alert id goes into this ledger: in
this process's memory and, best effort, appended to a small file beside the database
(`<db>-sent`), so that a later run or another process settles it as sent instead of
sending it again. Claims without a ledger entry belong to a deliverer that died mid-send;
those are sent again (at most one duplicate per crash).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import sqlite_utils

from storage import alerts as outbox
from storage.db import db_file

log = logging.getLogger(__name__)

_MEMORY: dict[str, set[int]] = {}  # per database: ids sent but not yet marked


class SendLedger:
    """The ledger of one database (file path, or the connection for in-memory ones)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        path = db_file(db)
        self.file = Path(path + "-sent") if path else None
        self._ids = _MEMORY.setdefault(path or f"memory:{id(db.conn)}", set())

    def record(self, alert_id: int) -> None:
        """Remember that this alert was sent (called when its `sent` mark failed)."""
        self._ids.add(alert_id)
        if self.file is None:
            return
        try:
            fd = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, f"{alert_id}\n".encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            log.error("send ledger %s: cannot append alert %s: %s", self.file, alert_id, exc)

    def ids(self) -> set[int]:
        found = set(self._ids)
        if self.file is not None:
            try:
                text = self.file.read_text(encoding="ascii", errors="replace")
            except FileNotFoundError:
                text = ""
            except OSError as exc:
                log.error("send ledger %s: cannot read: %s", self.file, exc)
                text = ""
            found.update(int(line) for line in text.split() if line.isdigit())
        return found

    def settle(self, db: sqlite_utils.Database, now: str) -> int:
        """Mark every ledger entry sent, then forget them; raises if the store is still
        unwritable (the entries stay). Returns how many were settled."""
        ids = self.ids()
        if not ids:
            return 0
        with_claims = set(outbox.sending(db))
        for alert_id in sorted(ids & with_claims):
            outbox.mark_sent(db, alert_id, now)
        self._ids.clear()
        if self.file is not None:
            self.file.unlink(missing_ok=True)
        log.info("send ledger: %d alerts sent earlier are now marked sent", len(ids))
        return len(ids & with_claims)
