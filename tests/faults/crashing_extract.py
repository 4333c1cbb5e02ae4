"""Extraction functions that misbehave on a marked page (module-level, so children import them)."""

from __future__ import annotations

import os
import time
from dataclasses import replace

from pipeline.extract import extract_document
from pipeline.sources.extract_pool import (
    _extract_job as real_extract_job,  # bound before any patching
)


def extract_or_die(body: bytes, fmt: str, provider: str, url: str, today, known=frozenset()):
    if b"KILL-THE-WORKER" in body:
        os._exit(17)  # what an out-of-memory kill or a C-library crash looks like
    if b"HANG-THE-WORKER" in body:
        while True:  # a pure-Python loop: holds the GIL wherever it runs
            pass
    if b"SLEEP-THE-WORKER" in body:
        time.sleep(3600)
    if b"EAT-MEMORY" in body:
        hoard = []
        while True:
            hoard.append(bytearray(64 * 1024 * 1024))
    return extract_document(body, fmt=fmt, provider=provider, url=url, today=today)


def extract_raises(body: bytes, fmt: str, provider: str, url: str, today, known=frozenset()):
    raise RuntimeError("parser bug")


def extract_doubtful(body: bytes, fmt: str, provider: str, url: str, today, known=frozenset()):
    """The real extraction, with zeta-2 records made low-confidence (for review tests)."""
    extraction = real_extract_job(body, fmt, provider, url, today)
    records = tuple(
        replace(r, confidence=0.3, why=("name only in a <b>Substitute</b> column",))
        if r.model.startswith("zeta-2")
        else r
        for r in extraction.records
    )
    return replace(extraction, records=records)
