"""The parser registry: format name -> function(text, url) -> Document.

A format is declared with the module that implements it (`declare`), and that module is
imported on the first use of the format (`get`), where its `@PARSERS.register(...)` fills the
registry. A process that reads one HTML page never imports feedparser or markdown-it; one
that serves many pages (the extraction fork server) imports them all up front (`load_all`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pipeline.parse.document import Document

ParserFn = Callable[[str, str | None], Document]


class Registry:
    """A tiny name -> parser map filled by the `register` decorator, on first use."""

    def __init__(self) -> None:
        self._parsers: dict[str, ParserFn] = {}
        self._modules: dict[str, str] = {}  # format -> module that registers its parser

    def declare(self, module: str, *names: str) -> None:
        """`module` registers the parsers of `names` when imported (on their first use)."""
        for name in names:
            if name in self._modules:
                raise ValueError(f"parser {name!r} declared twice")
            self._modules[name] = module

    def register(self, *names: str) -> Callable[[ParserFn], ParserFn]:
        def deco(fn: ParserFn) -> ParserFn:
            for name in names:
                if name in self._parsers:
                    raise ValueError(f"parser {name!r} registered twice")
                self._parsers[name] = fn
            return fn

        return deco

    def get(self, name: str) -> ParserFn:
        if name not in self._parsers and name in self._modules:
            importlib.import_module(self._modules[name])
        try:
            return self._parsers[name]
        except KeyError:
            raise ValueError(f"unknown format {name!r}; known: {self.names()}") from None

    def names(self) -> list[str]:
        return sorted({*self._parsers, *self._modules})

    def load_all(self) -> None:
        """Import every declared parser now (a process about to fork page readers)."""
        for module in sorted(set(self._modules.values())):
            importlib.import_module(module)


PARSERS = Registry()
