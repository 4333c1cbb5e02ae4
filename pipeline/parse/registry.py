"""The parser registry: format name -> function(text, url) -> Document."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.parse.document import Document

ParserFn = Callable[[str, str | None], Document]


class Registry:
    """A tiny name -> parser map filled by the `register` decorator."""

    def __init__(self) -> None:
        self._parsers: dict[str, ParserFn] = {}

    def register(self, *names: str) -> Callable[[ParserFn], ParserFn]:
        def deco(fn: ParserFn) -> ParserFn:
            for name in names:
                if name in self._parsers:
                    raise ValueError(f"parser {name!r} registered twice")
                self._parsers[name] = fn
            return fn

        return deco

    def get(self, name: str) -> ParserFn:
        try:
            return self._parsers[name]
        except KeyError:
            raise ValueError(f"unknown format {name!r}; known: {sorted(self._parsers)}") from None

    def names(self) -> list[str]:
        return sorted(self._parsers)


PARSERS = Registry()
