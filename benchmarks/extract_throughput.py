"""Extraction throughput over the shared corpus pages: prints pages/s and MB/s.

Usage: python benchmarks/extract_throughput.py [PAGES_DIR] [--rounds N] [--where]
Default PAGES_DIR is ../shared/corpus/pages relative to the repository root. For HTML pages
it also prints the floor, a raw `lxml.html` parse of the same bytes, and the ratio (issue
17's goal: at most 10x); `--where` profiles one round of the HTML pages and prints where
the CPU time goes, by library and by extraction module.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.extract import extract_document, infer_format

try:  # per-text memo of the passes: cleared per page so rounds measure cold work
    from pipeline.extract import clear_text_caches
except ImportError:  # older checkouts (the baseline in a comparison) have none

    def clear_text_caches() -> None:
        return None


ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAGES = ROOT.parent / "shared" / "corpus" / "pages"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="?", type=Path, default=DEFAULT_PAGES)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--where", action="store_true", help="profile the HTML pages by module")
    args = ap.parse_args()
    if not args.pages.is_dir():
        print(f"corpus pages not found: {args.pages} (pass a folder of saved pages)")
        return 2
    pages = [(p, p.read_bytes()) for p in sorted(args.pages.iterdir()) if p.is_file()]
    if not pages:
        print(f"no pages in {args.pages}")
        return 2
    for path, body in pages:  # warm-up (imports, regex compilation)
        extract_document(body, fmt=infer_format(str(path)), provider="bench")
    per_page: dict[str, float] = {}
    cpu_start = time.process_time()
    start = time.perf_counter()
    for _ in range(args.rounds):
        for path, body in pages:
            clear_text_caches()
            t0 = time.process_time()  # CPU time: the figure for "one core" on a shared box
            extract_document(body, fmt=infer_format(str(path)), provider="bench")
            per_page[path.name] = per_page.get(path.name, 0.0) + time.process_time() - t0
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    count = len(pages) * args.rounds
    size = sum(len(b) for _, b in pages) * args.rounds
    html = [(p, b) for p, b in pages if p.suffix in (".html", ".htm")]
    print(f"pages: {len(pages)} x {args.rounds} rounds, {size / 1e6:.2f} MB in {elapsed:.2f} s")
    print(f"all pages : {count / elapsed:7.1f} pages/s  {size / 1e6 / elapsed:6.2f} MB/s (wall)")
    print(f"all pages : {count / cpu:7.1f} pages/s  {size / 1e6 / cpu:6.2f} MB/s (CPU time)")
    if html:
        t_html = sum(per_page[p.name] for p, _ in html)
        mb_html = sum(len(b) for _, b in html) * args.rounds / 1e6
        mean_kb = mb_html * 1e3 / len(html) / args.rounds
        print(
            f"HTML pages: {len(html) * args.rounds / t_html:7.1f} pages/s  "
            f"{mb_html / t_html:6.2f} MB/s (CPU time, mean {mean_kb:.0f} KB)"
        )
        t_lxml = _lxml_floor(html, args.rounds)
        print(
            f"HTML pages: extraction {t_html * 1e3 / args.rounds:.1f} ms CPU a round, raw"
            f" lxml.html parse {t_lxml * 1e3 / args.rounds:.1f} ms:"
            f" {t_html / t_lxml:.1f}x the floor (goal <= 10x)"
        )
        if args.where:
            _where(html)
    for name, seconds in sorted(per_page.items(), key=lambda kv: -kv[1]):
        print(f"  {name:48s} {seconds * 1e3 / args.rounds:7.1f} ms CPU")
    return 0


def _lxml_floor(pages: list[tuple[Path, bytes]], rounds: int) -> float:
    """CPU seconds to parse the pages with `lxml.html`, `rounds` times."""
    import lxml.html

    start = time.process_time()
    for _ in range(rounds):
        for _path, body in pages:
            lxml.html.document_fromstring(body)
    return time.process_time() - start


def _where(pages: list[tuple[Path, bytes]]) -> None:
    """Profile one round of `pages`; print own (tottime) CPU by library / pipeline module."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for path, body in pages:
        clear_text_caches()
        extract_document(body, fmt=infer_format(str(path)), provider="bench")
    profile.disable()
    totals: dict[str, float] = {}
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        totals[_group(filename)] = totals.get(_group(filename), 0.0) + tottime
    whole = sum(totals.values())
    print(f"where the CPU goes (one round, {whole * 1e3:.0f} ms profiled):")
    for group, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {group:40s} {seconds * 1e3:8.1f} ms {seconds / whole:6.1%}")


def _group(filename: str) -> str:
    parts = Path(filename).parts
    for root in ("pipeline", "bs4", "lxml", "soupsieve", "dateparser", "regex", "re"):
        if root in parts:
            at = len(parts) - 1 - parts[::-1].index(root)
            tail = parts[at:]
            return "/".join(tail[:3] if root == "pipeline" else tail[:1])
    if filename == "~":
        return "built-ins (C: regex search, str methods)"
    return "other" if filename.startswith("/") else filename


if __name__ == "__main__":
    sys.exit(main())
