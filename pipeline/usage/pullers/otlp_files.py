"""The records of an OpenTelemetry Collector `file` exporter's output files, by layout.

Layouts, sniffed from the bytes rather than trusted to the file name:
- `format: json` without compression: one OTLP/JSON export request per line (`.json`,
  `.jsonl`); a gzip- (`.gz`) or zstd-compressed (`.zst`) copy of such a file is read as lines;
- `compression: zstd` (the exporter's only compression, which forces its length-prefixed
  writer): each export request is one zstd frame after its size as a 4-byte big-endian
  integer, whatever the file is named. A frame's content size may be missing (Go's encoder
  leaves it out when streaming); each is decompressed up to `MAX_RECORD` bytes.
A file that ends inside a record, or a frame that is not zstd, is a malformed pull naming the
file and the record.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import zstandard

from pipeline.fetch.errors import PullError, malformed

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
MAX_RECORD = 256 * 1024 * 1024  # one export request, decompressed
SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".json.zst", ".jsonl.zst", ".zst")


def records(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, one OTLP/JSON export request) for each record of a file, by its layout."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            handle.seek(0)
            if head[:4] == ZSTD_MAGIC:  # compressed whole: lines inside
                reader = zstandard.ZstdDecompressor().stream_reader(handle)
                yield from _lines(io.BufferedReader(reader), path)  # type: ignore[arg-type]
            elif head[:2] == GZIP_MAGIC:
                with gzip.open(handle) as lines:
                    yield from _lines(lines, path)  # type: ignore[arg-type]
            elif head[4:8] == ZSTD_MAGIC:  # the file exporter's `compression: zstd`
                yield from _framed(handle, path)
            else:
                yield from _lines(handle, path)
    except (OSError, EOFError, zstandard.ZstdError) as exc:
        raise malformed(f"{path.name}: cannot be read or decompressed ({exc})") from None


def _lines(handle: io.BufferedIOBase, path: Path) -> Iterator[tuple[str, bytes]]:
    for number, line in enumerate(handle, start=1):
        yield f"{path.name}:{number}", line


def _framed(handle: io.BufferedIOBase, path: Path) -> Iterator[tuple[str, bytes]]:
    """Length-prefixed zstd frames: a 4-byte big-endian size, then that many bytes."""
    decompressor = zstandard.ZstdDecompressor()
    number = 0
    while prefix := handle.read(4):
        number += 1
        where = f"{path.name}: record {number}"
        if len(prefix) < 4:
            raise malformed(f"{where}: the file ends inside a record's length")
        size = int.from_bytes(prefix, "big")
        frame = handle.read(size)
        if len(frame) < size:
            raise malformed(f"{where}: the file ends inside the record")
        try:
            data = decompressor.decompress(frame, max_output_size=MAX_RECORD)
        except zstandard.ZstdError as exc:
            raise malformed(f"{where}: not a zstd frame ({exc})") from None
        yield where, data


def files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise PullError(f"{directory}: no such directory")
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
