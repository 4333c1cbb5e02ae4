"""YAML for configuration files: `yaml.safe_load` semantics, but a mapping that repeats a key
is an error naming the line (PyYAML silently keeps the last value), and dates stay text.

PyYAML turns `2026-12-31` into a `date` while parsing and raises a bare `ValueError` for
`2026-13-31` or `2026-02-30`, before any field is known; kept as text, the pydantic model
validates it like every other field and the error names the file, entry and field.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKeyLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings refuse repeated keys (merge keys `<<` still work)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the base constructor reports unhashable keys
            if key in seen:
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)


DuplicateKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


try:  # libyaml: PyYAML's parser in C, when PyYAML was built with it
    from yaml.cyaml import CParser
except ImportError:  # pragma: no cover - a PyYAML without libyaml
    CParser = None


if CParser is not None:

    class _FastDuplicateKeyLoader(CParser, DuplicateKeyLoader):  # type: ignore[misc,valid-type]
        """The same constructor over libyaml's parser: a 100,000-row teams.yml parses in
        ~1 s instead of ~15."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def load(text: str) -> Any:
    """Parse one YAML document like `yaml.safe_load`, refusing duplicate mapping keys.

    Parsed by libyaml (C) when available; a document it refuses is parsed again by PyYAML's
    own parser, so every error says what it always said (file, line and problem)."""
    if CParser is not None:
        try:
            return yaml.load(text, Loader=_FastDuplicateKeyLoader)
        except yaml.YAMLError:
            pass  # the pure-Python parser below raises the error (with its wording)
    return yaml.load(text, Loader=DuplicateKeyLoader)  # a SafeLoader subclass
