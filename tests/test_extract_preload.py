"""The extraction fork server loads every parser and the known-models catalogue once, so
its children start warm (issue 17: each child used to read the catalogue again, and parsers
now load on first use). Checked from inside a real pool child, before its first page."""

from __future__ import annotations

import sys

import pytest

from pipeline.core.models import Extraction


def what_the_child_had(*_job: object) -> Extraction:
    """Runs in the child: report what was loaded before this (its first) job."""
    from pipeline.extract import catalogue

    libraries = sorted({"bs4", "feedparser", "markdown_it"} & set(sys.modules))
    warm = catalogue.known_ids.cache_info().currsize == 1
    return Extraction(records=(), warnings=(*libraries, f"catalogue loaded: {warm}"))


def test_pool_children_start_with_parsers_and_catalogue_loaded() -> None:
    from pipeline.sources.extract_pool import ExtractPool

    with ExtractPool(workers=1, extract=what_the_child_had) as pool:
        if pool._context.get_start_method() != "forkserver":
            pytest.skip("no fork server on this platform: each child loads what it needs")
        pool.submit("page", lambda: ())
        done: list = []
        for _ in range(12):  # a minute at most
            done = done or pool.collect(timeout=5)
    [(key, outcome)] = done
    assert key == "page"
    assert isinstance(outcome, Extraction), outcome
    assert outcome.warnings == ("bs4", "feedparser", "markdown_it", "catalogue loaded: True")
