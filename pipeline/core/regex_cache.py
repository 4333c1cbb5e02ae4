"""Compiled regular expressions kept from one process to the next (`sunset extract`).

The extraction passes compile ~200 patterns at import and on first use: ~45 ms of a one-page
`sunset extract`, every time, for the same patterns. CPython compiles a pattern in two steps:
Python code in `re._compiler` parses it and emits its opcodes (the slow part), then
`_sre.compile(pattern, flags, code, groups, groupindex, indexgroup)` builds the pattern
object in C. `install()` keeps the arguments of that second step in a `marshal` file in the
cache folder (`pipeline.core.caches`), and a pattern found there is built from them directly.

Safety: the file is for one interpreter build (`sys.version`, `_sre.MAGIC`, `_sre.CODESIZE`
in its header) and its payload carries a CRC-32; anything else (another Python, a damaged
file, a missing hook in a future `re`) means the file is ignored and patterns compile as
usual. An entry is only stored after the pattern rebuilt from it compared equal (`==`
compares pattern, flags and code) to the one `re` compiled. At most `MAX_ENTRIES` patterns
are kept (the ones seen first: the passes' own; few are built from page text).
"""

from __future__ import annotations

import atexit
import logging
import marshal
import struct
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

from pipeline.core.caches import cache_dir, write_atomic

log = logging.getLogger(__name__)

FORMAT = 1
MAX_ENTRIES = 2048
_MAGIC = b"sunset-regex\n"
_CRC = struct.Struct("<I")
_FILE = f"regex-v{FORMAT}.marshal"

Key = tuple[str | bytes, int]
Args = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

_installed = False
HITS = [0]  # patterns built from the cache in this process (for tests and benchmarks)
_lock = threading.Lock()


def _header() -> bytes:
    import _sre

    stamp = f"{sys.implementation.name} {sys.version} {_sre.MAGIC} {_sre.CODESIZE}"
    return _MAGIC + stamp.encode() + b"\n"


def _read(path: Path) -> dict[Key, Args]:
    try:
        blob = path.read_bytes()
    except OSError:
        return {}
    head = _header()
    body = blob[len(head) :]
    if not blob.startswith(head) or len(body) < _CRC.size:
        return {}
    (crc,), payload = _CRC.unpack(body[: _CRC.size]), body[_CRC.size :]
    if zlib.crc32(payload) != crc:
        return {}
    try:
        table = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    return table if isinstance(table, dict) else {}


def _write(path: Path, table: dict[Key, Args]) -> None:
    payload = marshal.dumps(table)
    write_atomic(path, _header() + _CRC.pack(zlib.crc32(payload)) + payload)


class _Recorder:
    """Stands in for the `_sre` module inside `re._compiler`: passes everything through and
    remembers, per thread, the arguments of the last `compile` call."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.last = threading.local()

    def compile(self, *args: Any) -> Any:
        self.last.args = args
        return self._real.compile(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def install() -> bool:
    """Build patterns from the cache file from now on and add new ones to it at exit.
    Returns False (and changes nothing) when caching is off or `re` is not shaped as
    expected."""
    global _installed
    if _installed:
        return True
    folder = cache_dir()
    try:
        import _sre
        import re
        import re._compiler as compiler
    except ImportError:
        return False
    original = getattr(compiler, "compile", None)
    if folder is None or original is None or getattr(compiler, "_sre", None) is not _sre:
        return False
    path = folder / _FILE
    table = _read(path)
    added: dict[Key, Args] = {}
    recorder = _Recorder(_sre)
    debug = re.DEBUG

    def compile(p: Any, flags: int = 0) -> Any:
        key = (p, int(flags))
        if type(p) in (str, bytes) and not flags & debug:
            args = table.get(key)
            if args is not None:
                try:
                    built = _sre.compile(p, *args)
                    HITS[0] += 1
                    return built
                except Exception:  # a bad entry: compile as usual
                    table.pop(key, None)
        compiled = original(p, flags)
        if type(p) in (str, bytes) and not flags & debug and len(table) < MAX_ENTRIES:
            _remember(key, compiled, recorder, table, added)
        return compiled

    compiler._sre = recorder
    compiler.compile = compile
    _installed = True
    atexit.register(_save, path, added)
    return True


def _remember(key: Key, compiled: Any, recorder: _Recorder, table: dict, added: dict) -> None:
    args = getattr(recorder.last, "args", None)
    recorder.last.args = None
    if not args or len(args) != 6 or args[0] is not key[0]:
        return
    try:  # plain ints, lists and dicts only: marshal writes no enum members
        import _sre

        _, flags, code, groups, groupindex, indexgroup = args
        plain: Args = (
            int(flags),
            [int(op) for op in code],
            int(groups),
            {str(name): int(i) for name, i in groupindex.items()},
            tuple(None if name is None else str(name) for name in indexgroup),
        )
        if _sre.compile(key[0], *plain) != compiled:
            return
    except Exception:
        return
    with _lock:
        table[key] = added[key] = plain


def _save(path: Path, added: dict[Key, Args]) -> None:
    """At exit: merge this process's new patterns into the file (another process may have
    written it meanwhile)."""
    if not added:
        return
    try:
        with _lock:
            table = _read(path)
            for key, args in added.items():
                if len(table) >= MAX_ENTRIES:
                    break
                table[key] = args
        _write(path, table)
    except Exception as exc:  # a cache never fails the command
        log.debug("regex cache not saved: %s", exc)
