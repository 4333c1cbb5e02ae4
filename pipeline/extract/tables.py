"""Table rows -> candidates, by header semantics.

Columns are recognised by their header words: model / model ID / API / deprecated model;
shutdown, retirement, EOL or sunset date; legacy / deprecation (announcement) date;
replacement / recommended / alternative; status / current state. A table yields records
only when it has a shutdown column or sits under a deprecation/retirement/legacy heading.
Rows of active models with only a floor date ("No sooner than ...") are not records.

A "Version" column (Model | Version | Retirement date) is not part of the record key: the
record is the model ID as printed and the row's evidence keeps the version. Versions of one
model are therefore one record; its date is the first dated row of the table (the oldest
version, as such tables list them). A version is never glued onto the ID, because the result
("gpt-35-turbo-0613") would be an ID the page does not print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.core.memo import memo
from pipeline.extract.model_ids import is_cell_id, strip_parens
from pipeline.parse.document import Block, Table, Text
from pipeline.parse.entries import FIELD_SEPARATOR

_WORDS = re.compile(r"[*_`]|\(utc\)")
# Header words of a column naming what to use instead: open-ended vocabulary, any of them makes
# the column a replacement column even when it also says "model" ("Substitute model").
REPLACEMENT = re.compile(
    r"replac|recommend|alternative|suggest|upgrade|successor|migrat|substitut|instead|fallback|"
    r"switch|redirect|routed to|mapped to|替代|替换|后继|後継|代替|"
    r"\bnew (?:model|version)|\btarget\b|\bmove to\b|\bswitch to\b|\bsucceeded by\b"
)
SHUTDOWN = re.compile(
    r"shut\s*down|shutdown|retire|eol|end[- ]of[- ]life|end[- ]of[- ]support|sunset|discontinu|"
    r"remov(?:al|ed)|offline|expir|withdraw|decommission|下线|停用|停止|终止|廃止|提供終了|"
    r"\bends?\b|\bend date\b|\blast day\b|available until|unavailable|"
    r"deprecation time"
)
ANNOUNCE = re.compile(r"legacy|deprecat|notif|announc|notice|通知|公告|告知|発表")
# "Offline notice date" / 下线通知时间: when the shutdown was announced, not the shutdown
_NOTICE = re.compile(r"notice|notif|announc|通知|公告|告知|発表")
MODEL = re.compile(
    r"model|system|\bapi\b|\bid\b|name|snapshot|engine|checkpoint|\bslug\b|identifier|alias|"
    r"模型|モデル"
)
STATUS = re.compile(r"status|state|lifecycle|stage")
# Free text about the row's model ("Retiring on D; use `x-2`"): read as prose when the row has
# no date cell of its own.
NOTES = re.compile(r"notes?|comments?|remarks?|details|description|备注|说明|備考|注記")
IGNORED = re.compile(r"price|cost|usage|release|launch|region|modalit|provider|category|version$")


@dataclass(frozen=True)
class Columns:
    model: int | None = None
    display: int | None = None
    shutdown: int | None = None
    announce: tuple[int, ...] = ()
    replacement: tuple[int, ...] = ()
    status: int | None = None
    version: int | None = None  # "Version" beside "Model": gpt-4 | 0314 is gpt-4-0314
    notes: int | None = None


def _norm(header: str) -> str:
    return " ".join(_WORDS.sub(" ", header.lower()).split())


def id_score(table: Table, index: int) -> int:
    """Rows whose cell in this column is a model ID, or a short list of them ("a<br>b")."""
    return sum(1 for row in table.rows if index < len(row) and _ids_cell(row[index]))


def _ids_cell(cell: str) -> bool:
    text = strip_parens(cell)
    if is_cell_id(text):
        return True
    parts = [p for p in re.split(r"[\s,|]+", text) if p and p.lower() not in ("and", "or")]
    return 1 < len(parts) <= 6 and all(is_cell_id(p) and any(c.isdigit() for c in p) for p in parts)


@memo(128)  # a pure function of a frozen table: several passes ask about each
def classify(table: Table) -> Columns:
    model_cols: list[int] = []
    shutdown: list[int] = []
    announce: list[int] = []
    replacement: list[int] = []
    status = None
    notes = None
    version: int | None = None
    for i, raw in enumerate(table.header):
        h = _norm(raw)
        if not h:
            continue
        if REPLACEMENT.search(h) and not re.search(r"\b(?:time|date|day)s?\b", h):
            # "System replacement time" is when, not what: a date column
            replacement.append(i)
        elif re.search(r"price|cost|usage", h):
            continue
        elif h in ("version", "versions", "model version", "版本", "バージョン"):
            version = i if version is None else version
        elif (
            SHUTDOWN.search(h) and not MODEL.search(h.replace("date", "")) and not _NOTICE.search(h)
        ):
            shutdown.append(i)
        elif ANNOUNCE.search(h) and ("date" in h or "time" in h or not MODEL.search(h)):
            announce.append(i)
        elif MODEL.search(h) and not re.search(r"release|launch|date", h):
            model_cols.append(i)
        elif STATUS.search(h):
            status = i
        elif NOTES.fullmatch(h):
            notes = i if notes is None else notes
        elif IGNORED.search(h):
            continue
    if (
        not shutdown
        and announce
        and any(re.search(r"time|date", _norm(table.header[i])) for i in announce)
    ):
        # A lone "Deprecation time/date" column is when the model stops working.
        shutdown = [announce.pop(0)] if len(announce) == 1 else shutdown
    # ID columns first among replacements ("Recommended model ID" before display names)
    replacement.sort(key=lambda i: -id_score(table, i))
    model = display = None
    if not model_cols and version is not None:
        model_cols, version = [version], None  # "Model version | Discontinuation date"
    if model_cols:
        ranked = sorted(model_cols, key=lambda i: -id_score(table, i))
        if id_score(table, ranked[0]) > 0:
            model = ranked[0]
            display = next((i for i in ranked[1:] if id_score(table, i) == 0), None)
        else:
            display = model_cols[0]
    return Columns(
        model=model,
        display=display,
        shutdown=shutdown[0] if shutdown else None,
        announce=tuple(announce),
        replacement=tuple(replacement),
        status=status,
        version=version if model is not None or display is not None else None,
        notes=notes,
    )


# "**Model ID:** `tern-large-2`", "EOL date: 2027-02-28": one field of a record block.
_FIELD = re.compile(
    r"^\s*(?P<key>[A-Za-z\u4e00-\u9fff][\w /()\u4e00-\u9fff-]{0,40}?)\s*"
    r"(?::\s+|：\s*)"  # a full-width colon needs no space after it
    r"(?P<value>\S.*)$"
)


_FIELD_MARK = re.compile(r"[:：]")


def _field_lines(block: Text) -> list[str]:
    """A paragraph's soft-wrapped lines when each is a field ("**Model ID:** `x`" /
    "**Status:** Deprecated" / ...), without their emphasis marks; else []."""
    lines = [_MARKUP.sub("", line).strip() for line in block.raw.splitlines() if line.strip()]
    return lines if len(lines) >= 2 and all(_FIELD.match(line) for line in lines) else []


_MARKUP = re.compile(r"[*_`]+")


def _split_fields(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """A block of two or more "Key: value" fields, on one line or on a paragraph's
    soft-wrapped lines, split into one block per field."""
    out: list[Block] = []
    for block in blocks:
        parts = FIELD_SEPARATOR.split(block.text) if isinstance(block, Text) else []
        if not (len(parts) >= 2 and all(_FIELD.match(part) for part in parts)):
            parts = _field_lines(block) if isinstance(block, Text) and "\n" in block.raw else []
        if parts:
            out += [replace(block, text=part, raw=part) for part in parts]
        else:
            out.append(block)
    return tuple(out)


def key_value_tables(blocks: tuple[Block, ...], subject: str | None = None) -> tuple[Block, ...]:
    """Runs of "Key: value" items (one block per model: `Model ID: x`, `Status: Deprecated`,
    `EOL date: D`, or fields run together on one line and split by `|` or `;`) read as a table
    with the keys as its header, one row per record (a key seen again starts the next row).
    Runs without a model key are left as they are, unless the section's heading is the one
    model they describe (`subject`: "### `x-2`" over "Status: Deprecated", "Shutdown: D")."""
    if any(
        isinstance(b, Text) and ("|" in b.text or ";" in b.text or "\n" in b.raw) for b in blocks
    ):
        blocks = _split_fields(blocks)
    if sum(1 for b in blocks if isinstance(b, Text) and _FIELD_MARK.search(b.text[:48])) < 2:
        return blocks  # fewer than two blocks could be fields: nothing to read as a table
    out: list[Block] = []
    run: list[tuple[str, str, Text]] = []

    def flush() -> None:
        table = _fields_table(run, subject)
        if table is not None:
            out.append(table)
        else:
            out.extend(item for _, _, item in run)
        run.clear()

    for block in blocks:
        m = _FIELD.match(block.text) if isinstance(block, Text) else None
        if m and isinstance(block, Text):
            run.append((m.group("key").strip(), m.group("value").strip(), block))
            continue
        flush()
        out.append(block)
    flush()
    return tuple(out)


def _fields_table(run: list[tuple[str, str, Text]], subject: str | None = None) -> Table | None:
    if len(run) < 2:
        return None
    keys = [_norm(k) for k, _, _ in run]
    has_model = any(MODEL.search(k) and not re.search(r"date|time|release|launch", k) for k in keys)
    has_fact = any(SHUTDOWN.search(k) or STATUS.search(k) or ANNOUNCE.search(k) for k in keys)
    if not has_model and has_fact and subject and len(set(keys)) == len(keys):
        # one block of fields under a heading that names its model
        run = [("Model", subject, Text(text=f"Model: {subject}", raw=subject)), *run]
        has_model = True
    if not (has_model and has_fact):
        return None
    header: list[str] = []
    for key, _, _ in run:
        if key not in header:
            header.append(key)
    rows: list[dict[str, str]] = [{}]
    raws: list[list[str]] = [[]]
    for key, value, item in run:
        if key in rows[-1]:
            rows.append({})
            raws.append([])
        rows[-1][key] = value
        raws[-1].append(item.raw or item.text)
    return Table(
        header=tuple(header),
        rows=tuple(tuple(row.get(h, "") for h in header) for row in rows),
        raw_rows=tuple(" ".join(r) for r in raws),
    )
