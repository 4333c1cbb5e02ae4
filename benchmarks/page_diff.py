"""Cost of storing what changed on a page (issue 20 item 6), against parsing the page once.

For pages of growing size (a provider table of N rows, one date changed in every tenth row),
prints the time to turn both versions into text and diff them (`page_text` x 2 +
`bounded_diff`) as a ratio of the floor, one `lxml.html` parse of the new page (which the
extractor pays anyway), and the peak memory it allocates (tracemalloc) against the page size.

    python benchmarks/page_diff.py [--rows 1000,10000,50000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import lxml.html

from pipeline.sources.pagediff.diff import bounded_diff
from pipeline.sources.pagediff.text import page_text


def _page(rows: int, changed: bool) -> bytes:
    body = "".join(
        f"<tr><td>model-{i}</td><td>{'2027-03-15' if changed and i % 10 == 0 else '2027-02-01'}"
        f"</td><td>model-{i}-next</td></tr>"
        for i in range(rows)
    )
    return f"<html><body><h1>Deprecations</h1><table>{body}</table></body></html>".encode()


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000,10000,50000")
    args = parser.parse_args()
    print("rows     page MB  floor (parse) s  text+diff s  ratio  peak MB  peak/page  cut")
    for rows in (int(r) for r in args.rows.split(",")):
        old, new = _page(rows, False), _page(rows, True)
        floor = _best(lambda new=new: lxml.html.document_fromstring(new))

        def work(old=old, new=new):
            return bounded_diff(page_text(old, "text/html", None)[0],
                                page_text(new, "text/html", None)[0])  # fmt: skip

        cost = _best(work)
        tracemalloc.start()
        result = work()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        mb = len(new) / 1e6
        print(
            f"{rows:<8} {mb:7.2f}  {floor:15.3f}  {cost:11.3f}  {cost / floor:5.1f}  "
            f"{peak / 1e6:7.1f}  {peak / len(new):9.1f}  {result.truncated}"
        )


if __name__ == "__main__":
    main()
