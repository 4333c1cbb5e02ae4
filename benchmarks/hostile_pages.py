"""Hostile page shapes: extraction time at growing sizes, and the cost of a budget kill.

Usage: python benchmarks/hostile_pages.py [--sizes 32000,128000,512000]
Prints seconds per shape and size (in-process, best of 3) and the growth per 4x of size,
then how long the sandbox takes to give up on a page that never finishes (1 s budget).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from pipeline.extract import extract_document
from pipeline.sources.extract_pool import Budget, ExtractPool

TODAY = dt.date(2026, 11, 24)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


SHAPES = {
    "dated clauses, one line (text)": (
        lambda n: _repeat("acme-chat-2 will be retired on January 4, 2027 and acme-3 too, ", n),
        "text",
    ),
    "a-a-a... token before 预览版 (text)": (
        lambda n: "以下模型将下线: " + _repeat("a-", n) + "预览版",
        "text",
    ),
    "nested tables (html)": (lambda n: _repeat("<table><tr><td>", n) + "x", "html"),
    "one long paragraph (html)": (
        lambda n: "<p>" + _repeat("gpt-4-0613 is deprecated; use gpt-4.1 instead, ", n) + "</p>",
        "html",
    ),
}


def _best(body: bytes, fmt: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        extract_document(body, fmt=fmt, provider="acme", today=TODAY)
        best = min(best, time.perf_counter() - started)
    return best


def _hang(body: bytes, fmt: str, provider: str, url: str, today: dt.date):
    while True:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="32000,128000,512000")
    sizes = [int(s) for s in ap.parse_args().sizes.split(",")]
    for name, (make, fmt) in SHAPES.items():
        times = [_best(make(size).encode(), fmt) for size in sizes]
        cells = "  ".join(
            f"{s // 1000:>5} KB {t:7.3f} s" for s, t in zip(sizes, times, strict=True)
        )
        growth = times[-1] / times[0] if times[0] else float("nan")
        print(f"{name:<38} {cells}  (x{growth:.1f} for x{sizes[-1] / sizes[0]:.0f} size)")
    with ExtractPool(workers=1, budget=Budget(seconds=1.0), extract=_hang) as pool:
        started = time.perf_counter()
        pool.submit("hang", lambda: (b"", "text", "acme", "", TODAY))
        while not (done := pool.collect(timeout=0.5)):
            pass
        print(f"page that never finishes: {done[0][1]} after {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
