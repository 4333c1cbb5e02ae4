"""File checks for the CLI: which output files a command may overwrite, and which input
files are documents worth reading.

`sunset export -o FILE` must never overwrite the store, a configuration file, or a file that
is not one of its own earlier exports; `sunset extract FILE` must refuse a database, an
archive or other binary instead of "finding" records in its bytes. Pure functions of paths
and bytes; the CLI turns a returned problem into one `error:` line.
"""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
CONFIG_SUFFIXES = (".yml", ".yaml", ".toml", ".ini", ".cfg", ".env")
# What each export format begins with (after an optional BOM / XML declaration / spaces).
EXPORT_STARTS = {
    "ics": (b"BEGIN:VCALENDAR",),
    "rss": (b"<?xml", b"<rss"),
    "jsonfeed": (b"{",),
}
# Binary formats `sunset extract` refuses by their first bytes (a name for the message).
BINARY_MAGIC = {
    SQLITE_MAGIC: "an SQLite database",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip file",
    b"%PDF": "a PDF (convert it to text or HTML first)",
    b"\x7fELF": "an executable",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"BZh": "a bzip2 file",
    b"\xfd7zXZ": "an xz file",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x28\xb5\x2f\xfd": "a zstd file",
}
SNIFF_BYTES = 8192


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def looks_like_export(head: bytes, fmt: str) -> bool:
    """Is this the start of an earlier `sunset export --format fmt`?"""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(EXPORT_STARTS[fmt]):
        return False
    if fmt == "rss":
        return b"<rss" in text[:512]
    if fmt == "jsonfeed":
        return b"jsonfeed.org/version" in text[:512]
    return True


def output_problem(
    output: Path, fmt: str, *, db_path: str, config_paths: tuple[Path, ...], force: bool
) -> str | None:
    """Why `-o output` must not be written, or None. The store and configuration files are
    refused even with `--force`; any other existing file only when it is an earlier export of
    the same format or `--force` is given."""
    if output.is_dir():
        return f"{output} is a folder: give a file name"
    if not output.parent.is_dir():
        return f"{output}: No such file or directory"
    if db_path != ":memory:" and (_same_file(output, Path(db_path)) or output == Path(db_path)):
        return f"{output} is the database being read: choose another output file"
    if not output.exists():
        return None
    if not output.is_file():  # a device or pipe (/dev/stdout): writing it destroys nothing
        return None
    head = _head(output)
    if head.startswith(SQLITE_MAGIC):
        return f"{output} is an SQLite database: refusing to overwrite it"
    if any(_same_file(output, path) for path in config_paths) or (
        output.suffix.lower() in CONFIG_SUFFIXES
    ):
        return f"{output} is a configuration file: refusing to overwrite it"
    if force or looks_like_export(head, fmt) or not head:
        return None
    return (
        f"{output} exists and is not an earlier {fmt} export: refusing to overwrite it "
        "(choose another file, or use --force to replace it)"
    )


def write_replacing(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, so an interrupted write
    never leaves a truncated file in place of a good one."""
    if path.exists() and not path.is_file():  # a device or pipe: written in place
        path.write_bytes(data)
        return
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def not_a_document(path: Path) -> str | None:
    """Why `path` is not a document `sunset extract` can read (a database, an archive, an
    image, other binary data, or text in no encoding we read), or None."""
    head = _head(path)
    for magic, what in BINARY_MAGIC.items():
        if head.startswith(magic):
            return f"{path} is {what}, not a document (HTML, Markdown, RSS/Atom or text)"
    if not head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM: text
        return None
    if b"\x00" in head:
        return f"{path} is binary data, not a document (HTML, Markdown, RSS/Atom or text)"
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x0b\x1b")
    if controls > len(head) // 100 + 1:
        return f"{path} is binary data, not a document (HTML, Markdown, RSS/Atom or text)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            undecodable = sum(1 for byte in head if byte >= 0x80)
            if undecodable > len(head) // 4:
                return f"{path} is binary data, not a document (HTML, Markdown, RSS/Atom or text)"
    return None
