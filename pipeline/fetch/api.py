"""The public entry points: `fetch_all`, `fetch_each` (streaming) and `fetch_sources` (sync)."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime

from pipeline.core.models import FetchResult, SourceState
from pipeline.fetch.client import Run, fetch_one
from pipeline.fetch.settings import FetchSettings

_DEFAULTS = FetchSettings()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _trusted(sources: Sequence[SourceState], hosts: Iterable[str] | None) -> set[str]:
    """Origins a redirect may reach even in private address space: the configured sources'
    URLs (host and port), or the `hosts` given."""
    if hosts is not None:
        return set(hosts)
    return {source.url for source in sources if source.url}


async def fetch_all(
    sources: Sequence[SourceState],
    settings: FetchSettings = _DEFAULTS,
    *,
    now: Callable[[], datetime] | None = None,
    trusted_hosts: Iterable[str] | None = None,
) -> list[FetchResult]:
    """Fetch every source concurrently; one `FetchResult` per source, in input order.

    Never raises for a source's failure: each becomes an "error" result. All bodies are held
    until the call returns; for large runs `fetch_each` lets the caller drop them one by one.
    """
    run = Run(settings, now or _utcnow, _trusted(sources, trusted_hosts))
    try:
        return list(await asyncio.gather(*(fetch_one(run, s) for s in sources)))
    finally:
        await run.hosts.aclose()


async def fetch_each(
    sources: Sequence[SourceState],
    settings: FetchSettings = _DEFAULTS,
    *,
    now: Callable[[], datetime] | None = None,
    trusted_hosts: Iterable[str] | None = None,
) -> AsyncIterator[FetchResult]:
    """Like `fetch_all`, but yield each result as soon as it is ready (completion order).

    Only results not yet consumed are kept, so memory is bounded by how fast the caller
    stores them, not by the number of sources.
    """
    run = Run(settings, now or _utcnow, _trusted(sources, trusted_hosts))
    ready: asyncio.Queue[FetchResult] = asyncio.Queue()
    pending: set[asyncio.Task[None]] = set()

    async def one(source: SourceState) -> None:
        ready.put_nowait(await fetch_one(run, source))

    for source in sources:
        task = asyncio.create_task(one(source))
        pending.add(task)
        task.add_done_callback(pending.discard)
    try:
        for _ in range(len(sources)):
            yield await ready.get()
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await run.hosts.aclose()


def fetch_sources(
    sources: Sequence[SourceState],
    settings: FetchSettings = _DEFAULTS,
    *,
    now: Callable[[], datetime] | None = None,
) -> list[FetchResult]:
    """Synchronous `fetch_all` for callers without a running event loop."""
    return asyncio.run(fetch_all(sources, settings, now=now))


def fetch_into(
    out: queue.Queue,
    sources: Sequence[SourceState],
    settings: FetchSettings = _DEFAULTS,
    *,
    now: Callable[[], datetime] | None = None,
    trusted_hosts: Iterable[str] | None = None,
    cancel: Callable[[], bool] = lambda: False,
) -> None:
    """Fetch in this thread's own event loop, putting each result on `out` as it arrives.

    Meant as a thread's target, so a caller doing slow work never starves the event loop.
    Puts an exception if fetching itself failed, and None at the end; stops early (within
    about 0.2 s) once `cancel()` is true.
    """

    async def produce() -> None:
        async def consume() -> None:
            async for result in fetch_each(sources, settings, now=now, trusted_hosts=trusted_hosts):
                out.put(result)

        task = asyncio.create_task(consume())
        while not task.done():
            if cancel():
                task.cancel()
            await asyncio.wait({task}, timeout=0.2)
        if not task.cancelled():
            task.result()

    try:
        asyncio.run(produce())
    except asyncio.CancelledError:
        pass
    except BaseException as exc:  # handed to the consumer, which raises it
        out.put(exc)
    finally:
        out.put(None)
