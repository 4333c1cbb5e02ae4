"""Where Sunset Watch keeps what it compiles once for later processes, and how it writes it.

A cache here only saves time: every reader checks what it reads and falls back to building
the answer itself, so a missing, stale, corrupt or unwritable cache is never an error.

Where: `$SUNSET_CACHE_DIR`, else `$XDG_CACHE_HOME/sunset-watch`, else
`~/.cache/sunset-watch`. `SUNSET_CACHE_DIR=` (empty) turns every cache off.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def cache_dir() -> Path | None:
    """The directory for compiled caches, or None when caching is turned off."""
    explicit = os.environ.get("SUNSET_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit.strip() else None
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sunset-watch"


def write_atomic(path: Path, blob: bytes) -> bool:
    """Write `blob` to `path` so that a reader sees the old file or the new, never half of
    one; False (logged, not raised) when the folder cannot be written."""
    import tempfile  # only a process that writes a cache pays for the import

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("cache not written to %s: %s", path, exc)
        return False
    return True
