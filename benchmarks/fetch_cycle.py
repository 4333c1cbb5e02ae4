"""Benchmark of one fetch cycle: `fetch_all` against a loopback server, cold then warm.

For each size N (default 10, 100, 1000) it fetches N sources twice: the first cycle gets
200s with ~100 KB bodies, the second sends the stored ETags and gets 304s. Each page answer
is delayed by 100 ms to look like a real provider. Per cycle it also computes what the cycle
would store (a fetch row per source, a zlib-compressed snapshot per changed body), which is
the part the lead will later replace with the full cycle function.

The server runs in its own process and each size runs in a fresh client process, so the
printed peak RSS is the fetcher's own (ru_maxrss of the client process) and sizes do not
inherit each other's peaks.

Usage: python benchmarks/fetch_cycle.py [--sizes 10,100,1000] [--latency 0.1] [--body-kb 100]
       [--streaming]   (fetch_each + drop bodies once stored, to compare peak RSS)
       [--full]        (the real `run_cycle`: fetch, snapshot, extract, validate, store in a
                        temporary SQLite file; use --sizes 10,100,1000,5000 for the scale run)
       [--full --vs-floor] (also the floor: bare httpx with the same limits, each page parsed
                        with lxml.html on the cold cycle, conditional GETs on the warm one;
                        prints the real cycle's ratios to it)
Targets (2 cores): 1,000 sources first cycle < 15 s, second < 5 s, peak RSS < 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import time
import zlib
from collections import Counter
from dataclasses import replace
from multiprocessing.queues import Queue
from typing import Any

from pipeline.core.models import FetchResult, SourceState
from pipeline.fetch import FetchSettings, fetch_all, fetch_each

# --- the loopback server (separate process) -------------------------------------------------

# Sources are spread over ten loopback addresses (all of 127.0.0.0/8 reaches loopback on
# Linux), so the fetcher runs with its default per-host limit (6) and per-host pools, as it
# would against ~10 provider hosts; 10 x 6 slots exceed the global limit of 50, so the global
# limit is what binds. (Piling all sources on 127.0.0.1 would need per_host=50 and measure
# one oversized connection pool instead.)
LOOPBACKS = [f"127.0.0.{i}" for i in range(1, 11)]


def _page(index: int, size: int) -> bytes:
    """A deterministic, unique, HTML-ish page of about `size` bytes."""
    rows = []
    total = 0
    row = 0
    while total < size:
        line = (
            f"<tr><td>model-{index}-{row}</td><td>2026-{row % 12 + 1:02d}-{row % 28 + 1:02d}"
            f"</td><td>successor-{index}-{row * 7 % 1000}</td></tr>\n"
        )
        rows.append(line)
        total += len(line)
        row += 1
    return ("<html><body><table>\n" + "".join(rows) + "</table></body></html>").encode()


async def _serve(port_queue: Queue[int], latency: float, body_size: int) -> None:
    bodies: dict[int, bytes] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # HTTP/1.1 keep-alive: many requests per connection
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                await asyncio.sleep(latency)
                if not path.startswith("/s/"):
                    status, body, extra = "404 Not Found", b"", ""
                else:
                    index = int(path.rsplit("/", 1)[1])
                    etag = f'"v1-{index}"'
                    if headers.get("if-none-match") == etag:
                        status, body, extra = "304 Not Modified", b"", f"ETag: {etag}\r\n"
                    else:
                        if index not in bodies:
                            bodies[index] = _page(index, body_size)
                        body = bodies[index]
                        status = "200 OK"
                        extra = f"ETag: {etag}\r\nContent-Type: text/html; charset=utf-8\r\n"
                length = f"Content-Length: {len(body)}\r\n" if not status.startswith("304") else ""
                writer.write(f"HTTP/1.1 {status}\r\n{extra}{length}\r\n".encode() + body)
                await writer.drain()
        finally:
            writer.close()

    first = await asyncio.start_server(handle, LOOPBACKS[0], 0, backlog=4096)
    port = first.sockets[0].getsockname()[1]
    others = await asyncio.start_server(handle, LOOPBACKS[1:], port, backlog=4096)
    port_queue.put(port)
    async with first, others:
        await asyncio.gather(first.serve_forever(), others.serve_forever())


def _server_main(port_queue: Queue[int], latency: float, body_size: int) -> None:
    asyncio.run(_serve(port_queue, latency, body_size))


# --- the client (one fresh process per size) ------------------------------------------------


def _store(results: list[FetchResult]) -> tuple[list[dict[str, Any]], int]:
    """What a cycle would write: a fetch row per source, a compressed snapshot per new body."""
    rows = []
    snapshot_bytes = 0
    for r in results:
        rows.append(
            {
                "source": r.source_id,
                "started": r.started,
                "duration": r.duration_ms,
                "status": r.status,
                "bytes": r.size,
                "not_modified": r.outcome in ("not_modified", "unchanged"),
                "error": r.error,
                "etag": r.etag,
                "sha256": r.sha256,
            }
        )
        if r.outcome == "ok" and r.body is not None:
            snapshot_bytes += len(zlib.compress(r.body, 6))
    return rows, snapshot_bytes


async def _streamed_cycle(
    sources: list[SourceState], settings: FetchSettings
) -> tuple[list[FetchResult], int]:
    """`fetch_each` variant: store each result as it arrives and keep it without its body."""
    kept: dict[str, FetchResult] = {}
    snap_bytes = 0
    async for result in fetch_each(sources, settings):
        snap_bytes += _store([result])[1]
        kept[result.source_id] = replace(result, body=None)
    return [kept[s.id] for s in sources], snap_bytes


async def _two_cycles(port: int, size: int, streaming: bool) -> dict[str, Any]:
    settings = FetchSettings()  # defaults: concurrency 50, per_host 6 (see LOOPBACKS)
    sources = [
        SourceState(f"src-{i}", f"http://{LOOPBACKS[i % len(LOOPBACKS)]}:{port}/s/{i}")
        for i in range(size)
    ]

    t0 = time.perf_counter()
    if streaming:
        first, snap_bytes = await _streamed_cycle(sources, settings)
        fetched_1 = time.perf_counter() - t0
    else:
        first = await fetch_all(sources, settings)
        fetched_1 = time.perf_counter() - t0
        _, snap_bytes = _store(first)
    cycle_1 = time.perf_counter() - t0
    outcomes_1 = Counter(r.outcome for r in first)
    state = [
        SourceState(s.id, s.url, etag=r.etag, last_modified=r.last_modified, content_hash=r.sha256)
        for s, r in zip(sources, first, strict=True)
    ]
    del first

    t0 = time.perf_counter()
    if streaming:
        second, _ = await _streamed_cycle(state, settings)
    else:
        second = await fetch_all(state, settings)
    fetched_2 = time.perf_counter() - t0
    _store(second)
    cycle_2 = time.perf_counter() - t0
    return {
        "cycle_1": cycle_1,
        "fetch_1": fetched_1,
        "cycle_2": cycle_2,
        "fetch_2": fetched_2,
        "outcomes_1": dict(outcomes_1),
        "outcomes_2": dict(Counter(r.outcome for r in second)),
        "snapshot_mb": snap_bytes / 1e6,
    }


def _full_cycles(port: int, size: int) -> dict[str, Any]:
    """Two real `run_cycle` runs (fetch, snapshot, extract, validate, store) on a temp DB."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from pipeline.core.config import SourceConfig
    from pipeline.ops.cycle import run_cycle
    from storage.db import open_db

    sources = [
        SourceConfig(
            id=f"src-{i}",
            provider="bench",
            url=f"http://{LOOPBACKS[i % len(LOOPBACKS)]}:{port}/s/{i}",
            format="html",
        )
        for i in range(size)
    ]
    settings = FetchSettings(respect_robots=False)
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "bench.db")
        t0 = time.perf_counter()
        first = run_cycle(db, sources, now=now, settings=settings)
        cycle_1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = run_cycle(db, sources, now=now + dt.timedelta(hours=6), settings=settings)
        cycle_2 = time.perf_counter() - t0
        snapshot_mb = db.execute("SELECT SUM(length(body)) FROM snapshots").fetchone()[0] / 1e6
        db.close()
    return {
        "cycle_1": cycle_1,
        "fetch_1": first.fetch_seconds,
        "cycle_2": cycle_2,
        "fetch_2": second.fetch_seconds,
        "outcomes_1": {"changed": first.fetched, "failed": first.failed},
        "outcomes_2": {"unchanged": second.not_modified, "failed": second.failed},
        "snapshot_mb": snapshot_mb,
    }


async def _floor_cycles(port: int, size: int) -> dict[str, Any]:
    """The floor of a cycle: bare httpx with the fetcher's limits (50 in flight, 6 a host),
    every page parsed with `lxml.html` as it arrives (cold), then conditional GETs (warm)."""
    import httpx
    import lxml.html

    urls = [f"http://{LOOPBACKS[i % len(LOOPBACKS)]}:{port}/s/{i}" for i in range(size)]
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    per_host = {host: asyncio.Semaphore(6) for host in LOOPBACKS}
    etags: dict[str, str] = {}

    async def get(client: httpx.AsyncClient, url: str, parse: bool) -> None:
        headers = {"If-None-Match": etags[url]} if url in etags else {}
        async with per_host[url.split("/")[2].split(":")[0]]:
            response = await client.get(url, headers=headers)
        if response.status_code == 200:
            etags[url] = response.headers["etag"]
            if parse:
                lxml.html.document_fromstring(response.content)

    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for cycle in (1, 2):
            t0 = time.perf_counter()
            await asyncio.gather(*(get(client, url, cycle == 1) for url in urls))
            figures[f"cycle_{cycle}"] = figures[f"fetch_{cycle}"] = time.perf_counter() - t0
    figures.update(outcomes_1={"parsed": size}, outcomes_2={"304": size}, snapshot_mb=0.0)
    return figures


def _client_main(out: Queue[dict[str, Any]], port: int, size: int, mode: str) -> None:
    if mode == "run_cycle":
        figures = _full_cycles(port, size)
    elif mode == "floor":
        figures = asyncio.run(_floor_cycles(port, size))
    else:
        figures = asyncio.run(_two_cycles(port, size, mode == "fetch_each"))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated source counts")
    parser.add_argument("--latency", type=float, default=0.1, help="server delay per request (s)")
    parser.add_argument("--body-kb", type=int, default=100, help="page size in KB")
    parser.add_argument(
        "--streaming",
        action="store_true",
        help="use fetch_each and drop bodies once stored, instead of fetch_all",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="run the real cycle (run_cycle: fetch, snapshot, extract, store) on a temp DB",
    )
    parser.add_argument(
        "--vs-floor",
        action="store_true",
        help="with --full: also run the floor (bare httpx + lxml parse) and print the ratios",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    mode = "run_cycle" if args.full else "fetch_each" if args.streaming else "fetch_all"
    modes = ["floor", mode] if args.vs_floor else [mode]

    ctx = mp.get_context("spawn")
    ports: Queue[int] = ctx.Queue()
    server = ctx.Process(
        target=_server_main, args=(ports, args.latency, args.body_kb * 1000), daemon=True
    )
    server.start()
    try:
        port = ports.get(timeout=30)
        for size in sizes:
            runs: dict[str, dict[str, Any]] = {}
            for name in modes:
                out: Queue[dict[str, Any]] = ctx.Queue()
                client = ctx.Process(target=_client_main, args=(out, port, size, name))
                client.start()
                f = runs[name] = out.get(timeout=1800)
                client.join()
                print(
                    f"{name}  sources={size:>5}  first={f['cycle_1']:.2f}s"
                    f" (fetch {f['fetch_1']:.2f}s)"
                    f"  second={f['cycle_2']:.2f}s (fetch {f['fetch_2']:.2f}s)"
                    f"  peak_rss={f['peak_rss_mb']:.0f}MB  snapshots={f['snapshot_mb']:.1f}MB"
                    f"  first={f['outcomes_1']}  second={f['outcomes_2']}",
                    flush=True,
                )
            if "floor" in runs and len(runs) == 2:
                floor, real = runs["floor"], runs[mode]
                print(
                    f"ratio     sources={size:>5}"
                    f"  cold {real['cycle_1'] / floor['cycle_1']:.2f}x the floor"
                    f"  warm {real['cycle_2'] / floor['cycle_2']:.2f}x the floor",
                    flush=True,
                )
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
