"""`ConfigError`, importable without pydantic (the CLI catches it; `pipeline.core.config` raises
and re-exports it)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid."""
