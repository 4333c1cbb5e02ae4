"""Deprecation-table rows -> `Candidate`s (one per row), using `tables.classify` columns."""

from __future__ import annotations

import datetime as dt
import re

from pipeline.extract.candidate import Candidate
from pipeline.extract.clauses import date_argument
from pipeline.extract.context import DocContext
from pipeline.extract.cues import ACTIVE, FEATURE_ITEM, FLOOR, REGION
from pipeline.extract.dates import find_dates
from pipeline.extract.model_ids import (
    display_name,
    find_ids,
    is_cell_id,
    normalise,
    strip_parens,
)
from pipeline.extract.replacements import parse_replacements
from pipeline.extract.tables import Columns, classify
from pipeline.parse.document import Table

DEPRECATION_HEADING = re.compile(
    r"deprecat|retire|legacy|\beol\b|end[- ]of[- ](?:life|support)|sunset|shut ?down|"
    r"discontinu|decommission|下线|停用|弃用|退役|廃止|終了",
    re.IGNORECASE,
)
_DISPLAY_NAME = re.compile(r"^[\w][\w .+:/'-]*$")
_NO_VALUE = re.compile(r"^\s*(n/?a|none|-+|—|tbd|tba)?\s*$", re.IGNORECASE)


# A column of deprecation dates (not of notices about a shutdown still to be set).
_DEPRECATION_COLUMN = re.compile(r"deprecat|legacy|弃用|废弃|非推奨", re.IGNORECASE)


def _cell(row: tuple[str, ...], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _status_of(text: str) -> str | None:
    low = text.lower()
    for word, status in (
        ("retired", "retired"),
        ("deprecated", "deprecated"),
        ("legacy", "legacy"),
        ("eol", "retired"),
        ("active", "active"),
        ("available", "active"),
        ("ga", "active"),
    ):
        if re.search(rf"\b{word}\b", low):
            return status
    return None


_PRE_RELEASE = re.compile(r"\b(?:beta|preview|experimental)\b", re.IGNORECASE)
_STATUS_WORD = re.compile(
    r"^\W*(deprecated|retired|discontinued|legacy|shut ?down|end[- ]of[- ]life)\W*$", re.I
)


def _status_cell(row: tuple[str, ...]) -> str | None:
    """A table without a status column may still say it per row: a cell that is only
    "Deprecated" / "Retired" (often under a "Description" or "Notes" header)."""
    for cell in row:
        m = _STATUS_WORD.match(cell)
        if m:
            word = m.group(1).lower()
            return (
                "legacy"
                if word == "legacy"
                else "deprecated"
                if word == "deprecated"
                else "retired"
            )
    return None


_REMOVED_ON = re.compile(
    r"^\W*(?:retired|removed|discontinued|shut\s?down|sunset|decommissioned|eol|"
    r"end[- ]of[- ]life)\b",
    re.I,
)
_DEPRECATED_ON = re.compile(r"^\W*deprecated\b", re.I)


def _status_date(text: str) -> tuple[dt.date, str] | None:
    """A status cell that carries its own date: "Retired Apr 4, 2026" is the shutdown;
    "Deprecated Sept 15, 2025" is when the deprecation was announced, not the shutdown."""
    found = find_dates(text, us_numeric=True)
    if not found:
        return None
    if _REMOVED_ON.match(text):
        return found[0].date, "shutdown"
    if _DEPRECATED_ON.match(text) and len(found) == 1:
        return found[0].date, "announced"
    return None


def _heading_status(headings: tuple[str, ...]) -> str | None:
    last = " ".join(headings[-2:]).lower()
    if re.search(r"^legacy\b|\blegacy (?:versions|models)\b", last):
        return "legacy"
    if re.search(r"\b(eol|end[- ]of[- ]life)\b|^retired", headings[-1].lower() if headings else ""):
        return "retired"
    last = headings[-1].lower() if headings else ""
    if re.search(r"^deprecated (?:models|versions|snapshots)\b", last):
        return "deprecated"  # a row under "Deprecated models" is one, dated or not
    return None


_DEPRECATED_COLUMN = re.compile(
    r"\b(?:deprecated|retired|legacy|old|former|discontinued|removed)\b|旧|弃用|废弃", re.I
)


def table_candidates(
    table: Table,
    *,
    headings: tuple[str, ...],
    anchor: str | None,
    announced: dt.date | None,
    ctx: DocContext,
    order: int,
    scope: tuple[dt.date, str] | None = None,
) -> list[Candidate]:
    """Candidates of a table's rows. `scope` is the (date, kind) that governs the table from
    above (an intro "Effective D, the models below will be removed", a dated heading): rows
    whose own cells give no date take it."""
    cols: Columns = classify(table)
    if cols.model is None and cols.display is None:
        return []
    context = " ".join(headings)
    model_header = " ".join(table.header[i] for i in (cols.model, cols.display) if i is not None)
    if (
        cols.shutdown is None
        and cols.status is None
        and scope is None
        and not DEPRECATION_HEADING.search(context)
        and not _DEPRECATED_COLUMN.search(model_header)
    ):
        return []  # a status column saying "Deprecated" is enough without a date column
    # "Deprecated alias | Use instead": the model column itself says its rows are deprecated.
    heading_status = _heading_status(headings) or (
        "deprecated" if _DEPRECATED_COLUMN.search(model_header) else None
    )
    # A table whose model column or section says its models are going away: a floor date
    # ("not sooner than") there is a shutdown, not an active model's horizon.
    section = headings[-1] if headings else ""
    legacy_table = bool(re.search(r"legacy|deprecated", model_header, re.IGNORECASE)) or bool(
        re.search(r"discontinu|retire|deprecat|decommission", section, re.IGNORECASE)
    )
    out: list[Candidate] = []
    for n, row in enumerate(table.rows):
        if sum(1 for c in row if c.strip()) <= 1:
            continue  # sub-heading rows such as "Preview models"
        for cand in _aliased(row, _row(row, cols, ctx)):
            out.extend(
                _candidate(
                    cand,
                    row,
                    n,
                    table,
                    cols,
                    ctx,
                    legacy_table,
                    heading_status,
                    announced,
                    anchor,
                    order,
                    scope,
                )
            )
    return out


_ALIAS_FOR = re.compile(
    r"\balias (?:for|of|to)\s+[`*]*+(?P<target>[\w.:/@-]{2,80}+)", re.IGNORECASE
)


def _aliased(row: tuple[str, ...], rows: list[Row]) -> list[Row]:
    """A row that says its model is an "Alias for `x-03-2024`" is a sighting of that model
    under another name: the record is the target's, the row's name one of its aliases."""
    m = next((m for cell in row if (m := _ALIAS_FOR.search(cell))), None)
    if not m:
        return rows
    target = normalise(m.group("target").rstrip(".,;"))
    if not any(c.isdigit() for c in target):
        return rows
    return [
        (target, (*aliases, model), kind, display)
        if kind == "model" and model != target
        else (model, aliases, kind, display)
        for model, aliases, kind, display in rows
    ]


def _candidate(
    cand: tuple[str, tuple[str, ...], str, str | None],
    row: tuple[str, ...],
    n: int,
    table: Table,
    cols: Columns,
    ctx: DocContext,
    legacy_table: bool,
    heading_status: str | None,
    announced: dt.date | None,
    anchor: str | None,
    order: int,
    scope: tuple[dt.date, str] | None = None,
) -> list[Candidate]:
    model, aliases, kind, display = cand
    date_cell = _cell(row, cols.shutdown)
    dates = find_dates(date_cell, us_numeric=True)
    shutdown = dates[0].date if dates else None
    # the scope above dates a row whose own date cell is empty (never one that says "TBD")
    inherited = scope if shutdown is None and not date_cell.strip() else None
    if inherited:
        shutdown = inherited[0]
    # "September 24, 2026*" with a note "* Not sooner than the date shown" below the table
    floor = bool(FLOOR.search(date_cell)) or any(
        date_cell.rstrip().endswith(mark) or f"{mark} " in date_cell for mark in ctx.floor_marks
    )
    status_text = _cell(row, cols.status)
    status = _status_of(status_text) if cols.status is not None else _status_cell(row)
    if status == "active" or (inherited and status is None and _PRE_RELEASE.search(status_text)):
        return []  # a current row; a scope above ends what the page lists, not a beta
    status_date = _status_date(status_text) if shutdown is None and not inherited else None
    if status_date and status_date[1] == "shutdown":
        shutdown = status_date[0]
    notes = _cell(row, cols.notes)
    if shutdown is None and not inherited and notes and not date_cell.strip():
        # "Retiring on 2026-09-01; use `x-2`": the notes say what the row's cells do not
        noted, noted_kind = date_argument(notes)
        if noted:
            shutdown, status = noted, status or "deprecated"
            floor = floor or noted_kind == "earliest"
    if (
        status is None
        and not shutdown
        and any(
            _DEPRECATION_COLUMN.search(table.header[i])
            and find_dates(_cell(row, i), us_numeric=True)
            for i in cols.announce
        )
    ):
        status = "deprecated"  # a dated deprecation, its shutdown still "TBD"
    if floor and not legacy_table and status is None:
        return []  # an active model with only a floor date
    if shutdown is None and status is None and heading_status is None:
        return []
    if shutdown is None:
        shutdown_kind = "none"
    elif inherited:
        shutdown_kind = "earliest" if ctx.all_earliest else inherited[1]
    elif floor or ctx.all_earliest:
        shutdown_kind = "earliest"
    elif REGION.search(date_cell):
        shutdown_kind = "region"
    else:
        shutdown_kind = "firm"
    row_announced = status_date[0] if status_date and status_date[1] == "announced" else None
    for i in cols.announce:
        found = find_dates(_cell(row, i), us_numeric=True)
        if found:
            row_announced = found[0].date
            break
    replacements: tuple[str, ...] = ()
    for i in cols.replacement:
        replacements = parse_replacements(_cell(row, i), ctx)
        if replacements:
            break
    if not replacements and notes:
        replacements = tuple(
            dict.fromkeys(
                m.model
                for m in ctx.ids(notes)
                if m.model != model and ACTIVE.search(notes[: m.start][-40:])
            )
        )
    raw = table.raw_rows[n] if n < len(table.raw_rows) else " | ".join(row)
    return [
        Candidate(
            model=model,
            rule="table row"
            + (" (status from a cell)" if cols.status is None and status else "")
            + (" under a deprecation heading" if cols.shutdown is None else "")
            + (", dated by the scope above it" if inherited else ""),
            kind=kind,
            aliases=aliases,
            shutdown_date=shutdown,
            shutdown_kind=shutdown_kind,  # type: ignore[arg-type]
            announced=row_announced or announced,
            replacements=replacements,
            status=status or heading_status,  # type: ignore[arg-type]
            evidence=raw,
            anchor=anchor,
            source="table",
            order=order + n,
            display=display,
        )
    ]


Row = tuple[str, tuple[str, ...], str, str | None]


def listed_models(table: Table, ctx: DocContext) -> set[str]:
    """Every model a table's model column names, whatever its status or date."""
    cols = classify(table)
    if cols.model is None and cols.display is None:
        return set()
    return {r[0] for row in table.rows for r in _row(row, cols, ctx) if r[2] == "model"}


_VERSION = re.compile(r"^[a-z0-9][a-z0-9._-]{1,30}$", re.IGNORECASE)


def _shape(text: str) -> str:
    return re.sub(r"[a-z]+", "a", re.sub(r"\d", "9", text))


def _joined_form_shown(model: str, version: str, ctx: DocContext) -> bool:
    """The page prints another version of this model joined the same way (`gpt-4-0613`)."""
    shape = _shape(version)
    return any(_shape(tail) == shape for tail in ctx.tails_after(model))


def _joined_convention(version: str, ctx: DocContext) -> bool:
    """The page joins some other model to a version of this shape (`nu-pro-002` beside a
    `nu-pro` row): its IDs are written model-version, so `nu-flash` | `001` is `nu-flash-001`."""
    return _shape(version) in ctx.per_known("joined version shapes", _joined_shapes)


def _joined_shapes(known: set[str]) -> set[str]:
    """The shapes of the versions the page joins to another printed model (`nu-pro-002`)."""
    return {
        _shape(tail)
        for full in known
        for model, _, tail in [full.rpartition("-")]
        if model in known and tail
    }


def _versioned(row: tuple[str, ...], cols: Columns, rows: list[Row], ctx: DocContext) -> list[Row]:
    """A model column beside a version column names one version, not the family: a version
    cell that is itself the full ID (`qwen-max` | `qwen-max-0428`) is that ID, and
    `gpt-4` | `0314` is `gpt-4-0314` when the page prints IDs in that joined form elsewhere
    (for this model or another one of the page).
    A version that only labels a complete ID (`codestral-2405` | `24.05`) changes nothing."""
    if cols.version is None:
        return rows
    version = strip_parens(_cell(row, cols.version)).strip("`* ")
    if not version or _NO_VALUE.match(version) or not _VERSION.match(version):
        return rows
    out = []
    for model, aliases, kind, display in rows:
        if kind != "model":
            out.append((model, aliases, kind, display))
            continue
        low = normalise(version)
        if low.startswith(model + "-"):
            out.append((low, aliases, kind, display))
        elif (
            f"{model}-{low}" in ctx.known
            or _joined_form_shown(model, low, ctx)
            or _joined_convention(low, ctx)
        ):
            out.append((f"{model}-{low}", aliases, kind, display))
        else:
            out.append((model, aliases, kind, display))
    return out


def _row(row: tuple[str, ...], cols: Columns, ctx: DocContext) -> list[Row]:
    """(model, aliases, kind, display name) per model a row names (usually one)."""
    return _versioned(row, cols, _row_models(row, cols, ctx), ctx)


def _row_models(row: tuple[str, ...], cols: Columns, ctx: DocContext) -> list[Row]:
    cell = _cell(row, cols.model)
    display_cell = _cell(row, cols.display)
    if _NO_VALUE.match(cell) and _NO_VALUE.match(display_cell):
        return []
    text = cell if not _NO_VALUE.match(cell) else display_cell
    if FEATURE_ITEM.search(text) and not is_cell_id(strip_parens(text)):
        return [(" ".join(text.split()), (), "feature", None)]
    if " | " in text:
        # "`gpt-4-0613` | `gpt-4`, `gpt-4-completions`": the snapshot, then its aliases.
        head, _, rest = text.partition(" | ")
        one = _one(head, strip_parens(head).strip("`").rstrip("*†‡ "), display_cell, cols, ctx)
        if one and one[2] == "model":
            extra = tuple(m.model for m in ctx.ids(rest) if m.model != one[0])
            extra += tuple(
                normalise(p) for p in re.split(r"[\s,]+", rest) if is_cell_id(p) and p == p.lower()
            )
            return [(one[0], tuple(dict.fromkeys((*one[1], *extra))), "model", one[3])]
    main = strip_parens(text).strip("`").rstrip("*†‡ ")
    parts = [p for p in re.split(r"[\s,]+", main) if p.lower() not in ("and", "or", "&", "")]
    ids = [p for p in parts if is_cell_id(p) and p == p.lower() and any(c.isdigit() for c in p)]
    if len(parts) > 1 and (all(is_cell_id(p) and p == p.lower() for p in parts) or len(ids) >= 2):
        # "gpt-35-turbo<br>gpt-4", "a-7b, b-70b, c-*" (a glob names no one model)
        return [(normalise(p), (), "model", None) for p in (ids if len(ids) >= 2 else parts)]
    one = _one(text, main, display_cell, cols, ctx)
    return [one] if one else []


def _one(text: str, main: str, display_cell: str, cols: Columns, ctx: DocContext) -> Row | None:
    if is_cell_id(main):
        inner = text[len(text.split("(")[0]) :] if "(" in text else ""
        aliases = tuple(m.model for m in find_ids(inner) if m.model != normalise(main))
        display = display_name(display_cell) if display_cell and display_cell != text else None
        return normalise(main), aliases, "model", display
    name = display_name(strip_parens(text))
    if not name or len(name) > 60 or not _DISPLAY_NAME.match(name):
        return None  # markup or stray symbols: not a name a team could be using
    mapped = ctx.map_display(name)
    if mapped:
        return mapped, (name,), "model", name
    if cols.model is not None and text is display_cell:
        return None  # the page prints IDs, this row has none: not an API model
    return name, (), "model", name
