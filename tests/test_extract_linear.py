"""Extraction cost grows linearly with page size, whatever the page looks like.

Each hostile shape is extracted at N and 4N bytes; linear work costs about 4x, quadratic
16x. The bound (8x) sits between the two; each size is timed as the best of a few runs and a
shape fails only when every one of three attempts grows too fast, so a loaded CI machine does
not make it flaky (quadratic code fails all three). No absolute time is asserted.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

import pytest

from pipeline.extract import extract_document

TODAY = dt.date(2026, 11, 24)
MAX_GROWTH = 8.0  # cost(4N) / cost(N): 4 when linear, 16 when quadratic
RUNS = 3  # each size timed as the best of RUNS
ATTEMPTS = 3  # a shape fails only if every attempt shows super-linear growth


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _dated_clauses(size: int) -> str:
    unit = "acme-chat-2 will be retired on January 4, 2027 and acme-chat-3 replaces it, "
    return _repeat(unit, size)


def _zh_preview(size: int) -> str:
    return "以下模型将于2027年1月4日下线: " + _repeat("a-", size) + "预览版"


def _nested_tables(size: int) -> str:
    return _repeat("<table><tr><td>", size) + "acme-2 retired 2027-01-04"


def _mentions_before_cue(size: int) -> str:
    return _repeat("acme-x-1 ", size) + " are deprecated."


def _many_dates(size: int) -> str:
    return "acme-9 retires on " + _repeat("2027-01-04 ", size)


def _list_lead(size: int) -> str:
    items = _repeat("- `acme-2`: March 3, 2027; deprecation date January 4, 2027\n", size)
    return "The following models will be retired:\n\n" + items


def _random_words(size: int) -> str:
    words = [
        "deprecated",
        "retired",
        "use",
        "instead",
        "acme-2.1",
        "Acme Chat 3",
        "2027-01-04",
        "January 4, 2027",
        "e.g.",
        "deprecation date",
        "预览版",
        "gpt-4o-mini",
        "once",
        "not sooner than",
        "Nov. 3",
        "(us-east-1)",
        "|",
        "-",
        ",",
        "a-",
    ]
    rng = random.Random(13)
    out: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(words)
        out.append(word)
        total += len(word) + 1
    return " ".join(out)


def _gap_before_predicate(size: int) -> str:
    # a subject, a long run of what both the glue and the auxiliary words accept, then a
    # word that is neither: the clause reader's gap test must fail in linear time
    return "`acme-2` and `acme-3` " + _repeat("both * ", size) + "x will be retired on 2027-01-04."


def _versions_run(size: int) -> str:
    return "acme-4 versions " + _repeat("1", size) + "x will be retired on 2027-01-04."


def _weak_names(size: int) -> str:
    return _repeat("Ab-", size) + "c_ and `acme-2` are deprecated."


def _alias_cell(size: int) -> str:
    return (
        "## Deprecated models\n\n| Model | Notes |\n|---|---|\n| `acme-2` | Alias for "
        + _repeat("a", size)
        + " |\n"
    )


def _cjk_names_without_noun(size: int) -> str:
    # coordinated names ("X 和 Y 两款模型") that no noun ends: each name must be read once
    return "以下模型将于2027年1月4日下线: acme-lite" + _repeat("和a", size) + "x"


def _version_table(size: int) -> str:
    # a model | version table of many models: each row must not scan every ID of the page
    head = "## Deprecated\n\n| Model | Version | Shutdown |\n|---|---|---|\n"
    rows = "".join(f"| `nu-{i}` | `00{i % 9}` | 2027-01-04 |\n" for i in range(size // 30))
    return head + rows + "| x | `nu-pro-002` | 2027-01-04 |\n"


SHAPES: dict[str, tuple[Callable[[int], str], str, int]] = {
    # kept under one sentence (2,000 characters) so the gap is read as one run
    "gap-before-predicate": (_gap_before_predicate, "text", 400),
    "version-run-after-versions": (_versions_run, "text", 20_000),
    "weak-hyphenated-names": (_weak_names, "text", 6_000),
    "alias-cell": (_alias_cell, "markdown", 20_000),
    "dated-clauses-one-line": (_dated_clauses, "text", 6_000),
    "zh-preview-after-long-token": (_zh_preview, "text", 20_000),
    "nested-tables": (_nested_tables, "html", 30_000),
    "many-mentions-before-one-cue": (_mentions_before_cue, "text", 6_000),
    "many-dates-one-sentence": (_many_dates, "text", 6_000),
    "long-list-under-lead-in": (_list_lead, "markdown", 6_000),
    "cjk-names-without-noun": (_cjk_names_without_noun, "text", 2_000),
    "version-table-many-models": (_version_table, "markdown", 12_000),
    "random-cue-soup-text": (_random_words, "text", 6_000),
    "random-cue-soup-html": (lambda n: f"<p>{_random_words(n)}</p>", "html", 6_000),
}


def _cost(body: bytes, fmt: str) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        extract_document(body, fmt=fmt, provider="acme", today=TODAY)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_extraction_cost_grows_linearly(shape):
    make, fmt, size = SHAPES[shape]
    small_body, large_body = make(size).encode(), make(4 * size).encode()
    seen = []
    for _ in range(ATTEMPTS):  # another process stealing the CPU inflates one attempt, not all
        small, large = _cost(small_body, fmt), _cost(large_body, fmt)
        # A floor of 2 ms keeps timer noise on tiny costs from reading as growth.
        growth = large / max(small, 0.002)
        if growth < MAX_GROWTH:
            return
        seen.append(f"{small:.4f}s -> {large:.4f}s (x{growth:.1f})")
    pytest.fail(f"{shape}: cost grows faster than the page: {'; '.join(seen)}")
