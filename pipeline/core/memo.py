"""`memo(maxsize)`: `functools.lru_cache` for a pure one-argument function whose argument is
usually hashable (a frozen dataclass of tuples) but need not be: an unhashable argument (a
table built with lists) is computed without the cache instead of raising `TypeError`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


def memo(maxsize: int) -> Callable[[Callable[[Any], R]], Callable[[Any], R]]:
    def wrap(fn: Callable[[Any], R]) -> Callable[[Any], R]:
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def call(arg: Any) -> R:
            try:
                return cached(arg)
            except TypeError:
                # unhashable: compute directly (a TypeError of `fn` itself is raised again)
                return fn(arg)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call

    return wrap
