"""Benchmark for the worker's memory: RSS over 1,000 simulated cycles (it should not grow).

Drives `Worker.tick` (config reload, lock, due sources, `run_cycle`, decide) 1,000 times
in-process against a loopback HTTP server with a few small deprecation pages. The injected
clock moves past every source's interval plus jitter before each tick, so every tick runs a
real cycle; one page changes every 10 cycles (new snapshot, records, events, alerts) and the
others answer 304. RSS is sampled with psutil every 100 cycles.

    python benchmarks/worker_rss.py [--cycles 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
from etag_pages import answer  # a sibling module: the scripts run from benchmarks/

from pipeline.fetch import FetchSettings
from pipeline.ops.worker import Worker

PAGES = 4
INTERVAL_MINUTES = 60
START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


class Site:
    """Small HTML tables; page 0 gains a row every 10 cycles, so it is re-processed."""

    def __init__(self) -> None:
        self.cycle = 0

    def body(self, page: int) -> bytes:
        rows = 3 + (self.cycle // 10 if page == 0 else 0)
        cells = "".join(
            f"<tr><td>gpt-4-{page}{n:03d}</td><td>2027-0{1 + n % 9}-04</td><td>gpt-4.1</td></tr>"
            for n in range(rows)
        )
        return (
            "<html><body><h1>Deprecations</h1><p>These models are deprecated and will be shut "
            "down.</p><table><tr><th>Model</th><th>Shutdown date</th><th>Replacement</th></tr>"
            f"{cells}</table></body></html>"
        ).encode()


def serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.startswith("/p"):
                self.send_response(404)
                self.end_headers()
                return
            body = site.body(int(self.path[2:]))
            answer(self, body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_config(folder: Path, port: int) -> tuple[Path, Path]:
    sources = folder / "sources.yml"
    sources.write_text(
        "sources:\n"
        + "".join(
            f"  - {{id: p{n}, provider: openai, format: html, interval: {INTERVAL_MINUTES},"
            f" url: 'http://127.0.0.1:{port}/p{n}'}}\n"
            for n in range(PAGES)
        )
    )
    teams = folder / "teams.yml"
    teams.write_text(
        "teams:\n  - {name: core, email: [core@example.com], digest: off,"
        " uses: [{model: 'gpt-4-0*', provider: openai}]}\n"
    )
    return sources, teams


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    site = Site()
    server = serve(site)
    with tempfile.TemporaryDirectory() as folder:
        sources, teams = write_config(Path(folder), server.server_address[1])
        clock = [START]
        worker = Worker(
            sources,
            teams,
            str(Path(folder) / "sunset.db"),
            now=lambda: clock[0],
            settings=FetchSettings(attempts=1, respect_robots=False),
        )
        step = dt.timedelta(minutes=INTERVAL_MINUTES * 1.2)  # past interval + max jitter
        samples: list[tuple[int, float]] = [(0, rss_mib())]
        began = time.perf_counter()
        for cycle in range(1, args.cycles + 1):
            site.cycle = cycle
            summary = worker.tick()
            if not summary.startswith("run "):
                raise SystemExit(f"cycle {cycle}: no cycle ran ({summary})")
            clock[0] += step
            if cycle % 100 == 0:
                gc.collect()
                samples.append((cycle, rss_mib()))
        elapsed = time.perf_counter() - began
    server.shutdown()

    print(f"worker RSS over {args.cycles} cycles ({PAGES} sources each, loopback server)")
    for cycle, rss in samples:
        print(f"  cycle {cycle:5d}: {rss:7.1f} MiB")
    by_cycle = dict(samples)
    if 100 in by_cycle and args.cycles in by_cycle:
        growth = by_cycle[args.cycles] - by_cycle[100]
        print(f"growth cycle 100 -> {args.cycles}: {growth:+.1f} MiB")
    print(f"{elapsed:.1f} s, {elapsed / args.cycles * 1000:.1f} ms per cycle")


if __name__ == "__main__":
    main()
