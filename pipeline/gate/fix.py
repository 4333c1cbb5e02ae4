"""`sunset fix`: plan and make the rewrite of deprecated model IDs, one commit per model.

`plan` reads the files (as committed at HEAD) where the scanner found the model, rewrites
their string occurrences (`rewrite`) and returns one `ModelFix` per model with its edits and
a commit message naming the shutdown date, the source page and the usage figures the store
has. `apply` commits each fix on top of the previous one and creates the new branch; the
work tree, the index and the current branch are never touched (`git`). `diff` is the
unified diff of a fix, for printing.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.models import Record
from pipeline.gate import git
from pipeline.gate.rewrite import Edit, rewrite
from pipeline.usage.scan import scan_paths


class FixError(ValueError):
    """A fix that cannot be made; one line. `code` is the exit status (1 or 2)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FileFix:
    path: str  # relative to the repository's top level
    mode: str
    before: str
    after: str
    edits: tuple[Edit, ...]


@dataclass
class ModelFix:
    model: str
    replacement: str
    records: tuple[Record, ...]
    usage: tuple[str, ...]  # "payments: 41,230 requests in the last 7 days", ...
    files: list[FileFix] = field(default_factory=list)

    @property
    def occurrences(self) -> int:
        return sum(len(f.edits) for f in self.files)

    def message(self) -> str:
        places = [f"{f.path}:{e.line}" for f in self.files for e in f.edits]
        lines = [f"Replace {self.model} with {self.replacement}", ""]
        for record in self.records:
            date = record.shutdown_date
            if date is None:
                lines.append(f"{record.provider} deprecates {self.model} (no shutdown date yet).")
            elif record.shutdown_kind == "earliest":
                lines.append(f"{record.provider} shuts {self.model} down not before {date}.")
            else:
                lines.append(f"{record.provider} shuts {self.model} down on {date}.")
            if record.url:
                lines.append(f"Source: {record.url}")
            others = [r for r in record.replacements if r != self.replacement]
            if others:
                lines.append(f"Other replacements named: {', '.join(others)}")
        if not self.records:
            lines.append(f"{self.model} has no record in the store; replacement given with --to.")
        lines.append("Usage: " + ("; ".join(self.usage) if self.usage else "none recorded"))
        lines.append(
            f"Changed: {len(places)} occurrence{'s' if len(places) != 1 else ''} in "
            f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}: {', '.join(places)}"
        )
        lines += ["", "Proposed by `sunset fix` (Sunset Watch)."]
        return "\n".join(lines) + "\n"


def diff(fix: ModelFix) -> str:
    out: list[str] = []
    for f in fix.files:
        out += difflib.unified_diff(
            f.before.splitlines(keepends=True),
            f.after.splitlines(keepends=True),
            fromfile=f"a/{f.path}",
            tofile=f"b/{f.path}",
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def _decode(data: bytes) -> str | None:
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def plan(
    root: Path,
    repo: Path,
    base: str,
    wanted: Sequence[tuple[str, str, tuple[Record, ...], tuple[str, ...]]],
    *,
    known: frozenset[str],
    include_all: bool = False,
) -> list[ModelFix]:
    """One fix per (model, replacement, records, usage) in `wanted`, each applied on top of
    the previous ones' text."""
    tracked = git.tracked(repo)
    texts: dict[str, tuple[str, str]] = {}  # repo path -> (mode, current text)
    scan_root = root.resolve()
    base_dir = scan_root.parent if scan_root.is_file() else scan_root
    entries = scan_paths(root, "(fix)", known_models=known, include_all=include_all)
    fixes: list[ModelFix] = []
    for model, replacement, records, usage in wanted:
        fix = ModelFix(model, replacement, records, usage)
        files = sorted(
            {
                (base_dir / e.where.rpartition(":")[0]).relative_to(repo).as_posix()
                for e in entries
                if e.where and (e.model == model or e.model.endswith("/" + model))
            }
        )
        for path in files:
            if path not in tracked:
                continue  # an untracked file is not the repository's code
            if path not in texts:
                found = git.blob(repo, base, path)
                text = _decode(found[1]) if found else None
                if found is None or text is None:
                    continue
                texts[path] = (found[0], text)
            mode, text = texts[path]
            after, edits = rewrite(text, path, model, replacement, known)
            if edits:
                fix.files.append(FileFix(path, mode, text, after, tuple(edits)))
                texts[path] = (mode, after)
        fixes.append(fix)
    return fixes


def apply(repo: Path, base: str, branch: str, fixes: Sequence[ModelFix]) -> list[str]:
    """Commit each fix (one per model) on `base` and point the new `branch` at the last."""
    parent = base
    made: list[str] = []
    for fix in fixes:
        files = [(f.path, f.mode, f.after.encode("utf-8")) for f in fix.files]
        parent = git.commit(repo, parent, files, fix.message())
        made.append(parent)
    git.create_branch(repo, branch, parent)
    return made


def usage_lines(rows: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """Per team, the store's usage figures for a model: pulled calls, else how it is used."""
    lines = []
    for row in rows:
        bits = []
        if row.get("requests_7d") is not None:
            bits.append(f"{row['requests_7d']:,} requests in the last 7 days")
        elif row.get("tokens_7d") is not None:
            bits.append(f"{row['tokens_7d']:,} tokens in the last 7 days")
        if row.get("last_call"):
            bits.append(f"last call {row['last_call']}")
        if not bits and row.get("origins"):
            bits.append(f"{row['origins']} usage")
        lines.append(f"{row['team']}: {', '.join(bits) or 'exposed'}")
    return tuple(lines)
