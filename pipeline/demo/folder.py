"""The demo's output folder: never delete or overwrite what the demo did not write.

`sunset demo --out DIR` writes into DIR only when DIR is missing, empty, or a previous demo
output (it holds the marker file `.sunset-demo`, a JSON list of the files that demo wrote).
Re-running removes exactly the files the marker lists (and folders left empty by that);
anything else a user put there is kept, and a file the demo would write that it did not
write before makes it refuse. Every refusal is a `DemoFolderError` with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

MARKER = ".sunset-demo"
# Folders the demo writes files into under names it chooses (001-payments-alerts.json, ...).
OWN_FOLDERS = ("pages", "slack", "email")
OWN_FILES = ("sources.yml", "teams.yml", "demo.db", "demo.db-wal", "demo.db-shm")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class DemoFolderError(RuntimeError):
    """The output folder cannot be used without harming files the demo did not write."""


def prepare(out: Path) -> set[Path]:
    """Make `out` ready for a demo run; return the files in it the demo must keep."""
    if out.exists() and not out.is_dir():
        raise DemoFolderError(f"{out} is a file, not a folder: choose another --out")
    if not out.exists():
        if not out.absolute().parent.is_dir():  # a typo'd path must not grow a folder chain
            raise DemoFolderError(
                f"{out.absolute().parent} does not exist: create it first, or choose another --out"
            )
        try:
            out.mkdir()
        except OSError as exc:
            raise DemoFolderError(f"cannot create {out}: {exc.strerror or exc}") from None
        _write_marker(out, [])
        return set()
    marker = out / MARKER
    if not marker.is_file():
        if any(out.iterdir()):
            raise DemoFolderError(
                f"{out} already has files and is not a previous demo output (it has no "
                f"{MARKER}): choose an empty or new folder with --out; nothing was changed"
            )
        _write_marker(out, [])
        return set()
    listed = _listed(out, marker)
    ours = set(listed)
    for path in listed:
        if path.suffix == ".db":
            # SQLite's companions of a database the demo wrote, left by a later reader
            # (`sunset serve`, `sunset export`): meaningless without it.
            ours.update(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)
    kept = {p for p in _files(out) if p != marker and p not in ours}
    clashes = sorted(
        p.relative_to(out).as_posix()
        for p in kept
        if (p.parent == out and p.name in OWN_FILES) or p.relative_to(out).parts[0] in OWN_FOLDERS
    )
    if clashes:  # refuse before deleting anything
        raise DemoFolderError(
            f"{out} has files the demo did not write where it writes ({', '.join(clashes[:3])}"
            f"{', ...' if len(clashes) > 3 else ''}): move them or choose another --out"
        )
    for path in ours:
        if path.is_file() or path.is_symlink():
            path.unlink()
    for folder in OWN_FOLDERS:
        _remove_empty_dirs(out / folder)
    return kept


def finish(out: Path, kept: set[Path]) -> None:
    """Record in the marker every file the demo wrote (also after a failed run)."""
    marker = out / MARKER
    written = sorted(p.relative_to(out).as_posix() for p in _files(out) - kept if p != marker)
    _write_marker(out, written)


def _write_marker(out: Path, files: list[str]) -> None:
    body = {"written_by": "sunset demo", "files": files}
    (out / MARKER).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


def _listed(out: Path, marker: Path) -> list[Path]:
    """The files the marker says the demo wrote (existing or not), never outside `out`."""
    try:
        body = json.loads(marker.read_text(encoding="utf-8"))
        names = [str(name) for name in body["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise DemoFolderError(
            f"{marker} is damaged: delete the folder yourself or choose another --out"
        ) from None
    root = out.resolve()
    paths = []
    for name in names:
        path = (out / name).resolve()
        if path.parent != root and root not in path.parents:
            continue  # never follow a listed name out of the folder
        paths.append(out / name)
    return paths


def _files(out: Path) -> set[Path]:
    return {p for p in out.rglob("*") if p.is_file() or p.is_symlink()}


def _remove_empty_dirs(folder: Path) -> None:
    if not folder.is_dir() or folder.is_symlink():
        return
    for child in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_dir() and not any(child.iterdir()):
            child.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
