"""Extracting a cycle's changed snapshots, in a pool of worker processes when there are many.

Extraction is CPU-bound and pure, so it parallelises across processes; bodies are read back
from the snapshots table a few at a time so memory stays flat however many pages changed.
Each job also notes the page's structure (`pipeline.structure`) for review gating.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

import sqlite_utils

from pipeline import structure
from pipeline.extract import extract_document
from pipeline.models import Extraction, FetchResult
from storage import sources as source_store

log = logging.getLogger(__name__)

EXTRACT_WORKERS = 2  # processes for extraction when many pages changed at once
POOL_THRESHOLD = 16  # fewer changed pages than this are extracted in-process
MAX_POOL_BREAKS = 8  # dead worker processes tolerated in one cycle


def _extract_job(body: bytes, fmt: str, provider: str, url: str, today: dt.date) -> Extraction:
    extraction = extract_document(body, fmt=fmt, provider=provider, url=url, today=today)
    if extraction.structure is not None:
        return extraction
    # Parses the page a second time (about half of extraction's cost) until extraction
    # fills `Extraction.structure` from the Document it already parsed.
    return replace(extraction, structure=structure.of_body(body, fmt, url))


def extract_snapshots(
    db: sqlite_utils.Database,
    changed: Sequence[tuple[dict, FetchResult, str]],
    *,
    today: dt.date,
    extract: Callable[..., Extraction] | None = None,
) -> Iterator[Extraction | BaseException]:
    """Extract each changed snapshot, in order; an exception is yielded, not raised.

    Many pages go to a pool of worker processes (extraction is CPU-bound); a handful are
    extracted here, which costs less than starting the pool. At most a few bodies are in
    flight at once, read back from the snapshots table. `extract` (a module-level function,
    so worker processes can import it) replaces `extract_document` in tests.
    """

    def job(item: tuple[dict, FetchResult, str]) -> tuple:
        source, _, sha = item
        body = source_store.load_snapshot(db, source["id"], sha) or b""
        return (body, source["format"], source["provider"], source["url"], today)

    extract = extract or _extract_job

    def in_process(item: tuple[dict, FetchResult, str]) -> Extraction | BaseException:
        try:
            return extract(*job(item))
        except Exception as exc:
            return exc

    workers = min(EXTRACT_WORKERS, os.cpu_count() or 1)
    if len(changed) < POOL_THRESHOLD or workers < 2:
        for item in changed:
            yield in_process(item)
        return
    context = multiprocessing.get_context("spawn")  # never fork a process holding threads
    done = 0
    breaks = 0
    while done < len(changed):
        in_flight = 0
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                window: deque[Future[Extraction]] = deque()
                for item in changed[done:]:
                    window.append(pool.submit(extract, *job(item)))
                    in_flight = len(window)
                    if len(window) >= workers * 2:
                        yield _result(window.popleft())
                        done += 1
                        in_flight = len(window)
                while window:
                    yield _result(window.popleft())
                    done += 1
                    in_flight = len(window)
        except BrokenProcessPool:
            # A worker died (out of memory, a crash in a C library). Each page that was in
            # flight is retried alone in a fresh one-worker pool, so only the page that kills
            # workers fails; it is never extracted in this process.
            breaks += 1
            suspects = changed[done : done + max(1, in_flight)]
            for item in suspects:
                outcome = _isolated(extract, job(item), context)
                if isinstance(outcome, BrokenProcessPool):
                    log.error("source %s: extraction killed its worker process", item[0]["id"])
                yield outcome
            done += len(suspects)
            if breaks >= MAX_POOL_BREAKS:
                for _ in changed[done:]:
                    yield BrokenProcessPool("too many extraction worker crashes in one cycle")
                return


def _isolated(
    extract: Callable[..., Extraction], args: tuple, context
) -> Extraction | BaseException:
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(extract, *args).result()
        except Exception as exc:
            return exc


def _result(future: Future[Extraction]) -> Extraction | BaseException:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        return exc
