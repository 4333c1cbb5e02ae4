"""Usage from files: `import_usage_file` reads a CSV or JSONL usage export (column `model`,
optional `provider`, `requests`, `last_seen`) and aggregates duplicate rows into `UsageEntry`s.

A row that cannot be read is a `UsageImportError` naming the file, line and field. A pure
function over one file (no database).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline.core.models import UsageEntry


class UsageImportError(ValueError):
    """A usage file that cannot be imported; the message names the file, line and field."""

    def __init__(self, path: Path, line: int | None, field: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: field {field!r}: {problem}")


_MODEL_VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9._:@/*?\[\]\-]*$")
_PROVIDER_VALUE_RE = re.compile(r"^(?:\*|[a-z0-9][a-z0-9-]*)$")


def _parse_timestamp(value: str) -> datetime:
    """An ISO date or date-time as an aware UTC datetime (dates and naive times are UTC)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _checked(path: Path, reader: Any) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise UsageImportError(path, reader.line_num, "<csv>", str(exc)) from None


def _rows_csv(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _checked(path, reader)
    header = next(rows, None)
    if header is None:
        return
    columns = [h.strip().lower() for h in header]
    if "model" not in columns:
        raise UsageImportError(path, 1, "model", "required column is missing from the header")
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise UsageImportError(path, reader.line_num, "<row>", "more cells than columns")
        yield reader.line_num, dict(zip(columns, row, strict=False))


def _rows_jsonl(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageImportError(path, lineno, "<json>", f"invalid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise UsageImportError(path, lineno, "<row>", "expected a JSON object")
        yield lineno, {str(k).strip().lower(): v for k, v in row.items()}


def _requests(path: Path, lineno: int, value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise UsageImportError(path, lineno, "requests", f"not an integer: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+]?\d+", text):
            raise UsageImportError(path, lineno, "requests", f"not an integer: {value!r}")
        number = int(text)
    if number < 0:
        raise UsageImportError(path, lineno, "requests", f"negative: {value!r}")
    return number


def import_usage_file(path: Path, team: str) -> list[UsageEntry]:
    """Read a usage export (.csv, .jsonl or .ndjson) into aggregated import entries.

    Rows with the same (model, provider) are merged: requests are summed and the latest
    `last_seen` is kept. The first bad row raises `UsageImportError`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = _rows_csv
    elif suffix in (".jsonl", ".ndjson"):
        reader = _rows_jsonl
    else:
        raise UsageImportError(path, None, "<file>", "expected a .csv, .jsonl or .ndjson file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageImportError(path, None, "<file>", f"cannot read: {exc}") from None

    # (model, provider) -> [volume or None, (parsed last_seen, original) or None]
    merged: dict[tuple[str, str], list[Any]] = {}
    for lineno, row in reader(path, text):
        model = _text(row.get("model")).lower()
        if not model:
            raise UsageImportError(path, lineno, "model", "missing or empty")
        if not _MODEL_VALUE_RE.match(model):
            raise UsageImportError(path, lineno, "model", f"not a model ID: {model!r}")
        provider = _text(row.get("provider")).lower() or "*"
        if not _PROVIDER_VALUE_RE.match(provider):
            raise UsageImportError(path, lineno, "provider", f"not a provider id: {provider!r}")
        volume = _requests(path, lineno, row.get("requests"))
        seen_text = _text(row.get("last_seen"))
        seen: tuple[datetime, str] | None = None
        if seen_text:
            try:
                seen = (_parse_timestamp(seen_text), seen_text)
            except ValueError:
                raise UsageImportError(
                    path, lineno, "last_seen", f"not an ISO date/time: {seen_text!r}"
                ) from None

        slot = merged.setdefault((model, provider), [None, None])
        if volume is not None:
            slot[0] = volume if slot[0] is None else slot[0] + volume
        if seen is not None and (slot[1] is None or seen[0] > slot[1][0]):
            slot[1] = seen

    return [
        UsageEntry(
            team=team,
            model=model,
            provider=provider,
            origin="import",
            where=path.name,
            last_seen=seen[1] if seen else None,
            volume=volume,
        )
        for (model, provider), (volume, seen) in merged.items()
    ]
