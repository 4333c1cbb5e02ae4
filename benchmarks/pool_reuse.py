"""Extraction processes started per cycle against kept across cycles (the worker's pool).

Five "cycles" of four small changed pages each, through `ExtractPool`: first with a new pool
per cycle (as `run_cycle` without a kept pool), then with one pool kept (as the worker does).
Prints wall time a cycle; the kept pool's figure is the floor (the extraction itself).

    python benchmarks/pool_reuse.py [--cycles 5] [--pages 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from pipeline.sources.extract_pool import ExtractPool

PAGE = (
    b"<html><body><h1>Deprecations</h1><table><tr><th>Model</th><th>Shutdown date</th></tr>"
    b"<tr><td>gpt-4-0613</td><td>2027-01-15</td></tr></table></body></html>"
)
JOB = (PAGE, "html", "openai", "https://example.com/deprecations", dt.date(2026, 12, 7))


def one_cycle(pool: ExtractPool, pages: int) -> None:
    for i in range(pages):
        pool.submit(i, lambda: JOB)
    done = 0
    while done < pages:
        done += len(pool.collect(5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    with ExtractPool() as pool:  # start the fork server once, as any first cycle does
        one_cycle(pool, args.pages)
    start = time.perf_counter()
    for _ in range(args.cycles):
        with ExtractPool() as pool:
            one_cycle(pool, args.pages)
    fresh = (time.perf_counter() - start) / args.cycles
    start = time.perf_counter()
    with ExtractPool() as pool:
        for _ in range(args.cycles):
            one_cycle(pool, args.pages)
    kept = (time.perf_counter() - start) / args.cycles
    print(f"{args.cycles} cycles of {args.pages} small pages, wall time a cycle:")
    print(f"  new pool each cycle   {fresh * 1000:8.1f} ms   {fresh / kept:5.2f}x")
    print(f"  one pool kept (floor) {kept * 1000:8.1f} ms   {1.0:5.2f}x")


if __name__ == "__main__":
    main()
