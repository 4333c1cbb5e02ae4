"""`core.memo`: cached for hashable arguments, computed for unhashable ones, clearable."""

from __future__ import annotations

from pipeline.core.memo import memo


def test_hashable_arguments_are_computed_once() -> None:
    calls: list[object] = []

    @memo(8)
    def size(arg: tuple[int, ...]) -> int:
        calls.append(arg)
        return len(arg)

    assert size((1, 2)) == 2 and size((1, 2)) == 2
    assert len(calls) == 1
    size.cache_clear()  # type: ignore[attr-defined]
    assert size((1, 2)) == 2 and len(calls) == 2


def test_an_unhashable_argument_is_computed_not_refused() -> None:
    @memo(8)
    def size(arg: list[int]) -> int:
        return len(arg)

    assert size([1, 2, 3]) == 3


def test_classify_takes_a_table_built_with_lists() -> None:
    from pipeline.extract.tables import classify
    from pipeline.parse.document import Table

    listy = Table(header=["Model", "Shutdown date"], rows=[["x-1", "2027-01-01"]])  # type: ignore[arg-type]
    same = Table(header=("Model", "Shutdown date"), rows=(("x-1", "2027-01-01"),))
    assert classify(listy) == classify(same)
    assert classify(same) is classify(same)  # cached: a frozen Columns, shared
