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


def load(text: str) -> Any:
    """Parse one YAML document like `yaml.safe_load`, refusing duplicate mapping keys."""
    return yaml.load(text, Loader=DuplicateKeyLoader)  # a SafeLoader subclass
