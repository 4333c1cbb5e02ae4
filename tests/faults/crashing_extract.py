"""An extraction function that kills its worker process on a marked page (for pool tests)."""

from __future__ import annotations

import os

from pipeline.extract import extract_document


def extract_or_die(body: bytes, fmt: str, provider: str, url: str, today):
    if b"KILL-THE-WORKER" in body:
        os._exit(17)  # what an out-of-memory kill or a C-library crash looks like
    return extract_document(body, fmt=fmt, provider=provider, url=url, today=today)
