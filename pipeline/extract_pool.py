"""Extracting a cycle's changed snapshots, in a pool of worker processes when there are many.

Extraction is CPU-bound and pure, so it parallelises across processes; bodies are read back
from the snapshots table a few at a time so memory stays flat however many pages changed.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import sqlite_utils

from pipeline.extract import extract_document
from pipeline.models import Extraction, FetchResult
from storage import sources as source_store

EXTRACT_WORKERS = 2  # processes for extraction when many pages changed at once
POOL_THRESHOLD = 16  # fewer changed pages than this are extracted in-process


def _extract_job(body: bytes, fmt: str, provider: str, url: str, today: dt.date) -> Extraction:
    return extract_document(body, fmt=fmt, provider=provider, url=url, today=today)


def extract_snapshots(
    db: sqlite_utils.Database,
    changed: Sequence[tuple[dict, FetchResult, str]],
    *,
    today: dt.date,
) -> Iterator[Extraction | BaseException]:
    """Extract each changed snapshot, in order; an exception is yielded, not raised.

    Many pages go to a pool of worker processes (extraction is CPU-bound); a handful are
    extracted here, which costs less than starting the pool. At most a few bodies are in
    flight at once, read back from the snapshots table.
    """

    def job(item: tuple[dict, FetchResult, str]) -> tuple:
        source, _, sha = item
        body = source_store.load_snapshot(db, source["id"], sha) or b""
        return (body, source["format"], source["provider"], source["url"], today)

    workers = min(EXTRACT_WORKERS, os.cpu_count() or 1)
    if len(changed) < POOL_THRESHOLD or workers < 2:
        for item in changed:
            try:
                yield _extract_job(*job(item))
            except Exception as exc:
                yield exc
        return
    context = multiprocessing.get_context("spawn")  # never fork a process holding threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        window: deque[Future[Extraction]] = deque()
        items = iter(changed)
        for item in items:
            window.append(pool.submit(_extract_job, *job(item)))
            if len(window) >= workers * 2:
                yield _result(window.popleft())
        while window:
            yield _result(window.popleft())


def _result(future: Future[Extraction]) -> Extraction | BaseException:
    try:
        return future.result()
    except Exception as exc:
        return exc
