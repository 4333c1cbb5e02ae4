"""Benchmark of applying model-list pulls (`pipeline.sources.model_lists.stage.apply_listing`).

For each size N (default 100, 1000, 10000 models) it applies pulls to an in-memory store:
a baseline, a second pull (everything listed twice), then a pull in which 1% of the models
are gone and 5% carry a deprecation date: the pull that writes records. Printed per size:
milliseconds per pull and models per second of the last pull, and that rate as a ratio of
the floor (FLOOR_MODELS_PER_S on 2 cores; a ratio under 1.0 is a regression).

Usage: python benchmarks/model_lists.py [--sizes 100,1000,10000]
"""

from __future__ import annotations

import argparse
import time

from pipeline.sources.model_lists.pull import Listing
from pipeline.sources.model_lists.shapes import ListedModel
from pipeline.sources.model_lists.stage import apply_listing
from storage import sources as source_store
from storage.db import open_db, transaction

FLOOR_MODELS_PER_S = 20_000  # the largest list providers publish (~2,000) in 0.1 s


def listing(size: int, *, gone: bool) -> Listing:
    models = []
    for n in range(size):
        if gone and n % 100 == 0:
            continue
        deprecation = "2027-01-01" if gone and n % 20 == 1 else None
        models.append(ListedModel(f"vendor/model-{n:05d}", deprecation=deprecation))
    return Listing(models=tuple(models))


def run(size: int) -> tuple[list[float], int]:
    db = open_db(":memory:")
    source = {"id": "bench", "provider": "bench", "url": "https://bench.test/v1/models"}
    source_store.sync_sources(
        db, [{**source, "format": "json", "interval_minutes": 60, "enabled": 1,
              "kind": "model_list"}],
    )  # fmt: skip
    timings = []
    events = 0
    for hour, gone in ((0, False), (1, False), (2, True)):
        pull = listing(size, gone=gone)
        started = time.perf_counter()
        with transaction(db):
            found, _ = apply_listing(
                db, source=source, listing=pull, snapshot_sha256=None,
                now=f"2026-09-01T{hour:02d}:00:00Z", run_id=None,
            )  # fmt: skip
        timings.append(time.perf_counter() - started)
        events += len(found)
    db.close()
    return timings, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    print(f"{'models':>7} {'baseline ms':>12} {'second ms':>10} {'changes ms':>11} "
          f"{'models/s':>10} {'x floor':>8} {'records':>8}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        (base, second, last), events = run(size)
        rate = size / last
        print(
            f"{size:>7} {base * 1e3:>12.1f} {second * 1e3:>10.1f} {last * 1e3:>11.1f} "
            f"{rate:>10,.0f} {rate / FLOOR_MODELS_PER_S:>8.2f} {events:>8}"
        )


if __name__ == "__main__":
    main()
