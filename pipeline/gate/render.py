"""The CI gate's report as text, JSON, Markdown or SARIF 2.1.0.

Text is for a terminal or a CI log, JSON for scripts, Markdown for a pull-request comment,
SARIF for code-scanning UIs (GitHub code scanning and others): one result per (location,
record), level `error` when due within the window, `warning` for a later date, `note` for a
"not before" or undated deprecation. Pure functions of a `GateResult`.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipeline.gate.check import Finding, GateResult

FORMATS = ("text", "json", "sarif", "markdown")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = (
    ("SW001", "deprecated-model-due", "A model used here shuts down within the gate's window"),
    ("SW002", "deprecated-model", "A model used here is deprecated"),
)


def _version() -> str:
    try:
        return metadata.version("sunset-watch")
    except metadata.PackageNotFoundError:
        return "0"


def when(finding: Finding) -> str:
    record, left = finding.record, finding.days_left
    if not record.shutdown_date:
        return "deprecated, no shutdown date announced"
    if left is None:
        return f"shutdown {record.shutdown_date}"
    rel = "today" if left == 0 else f"in {left} days" if left > 0 else f"{-left} days ago"
    if record.shutdown_kind == "earliest":
        return f"shuts down not before {record.shutdown_date} ({rel})"
    verb = "shut down" if left < 0 else "shuts down"
    region = " in some regions" if record.shutdown_kind == "region" else ""
    return f"{verb}{region} on {record.shutdown_date} ({rel})"


def message(finding: Finding) -> str:
    record = finding.record
    replacement = ", ".join(record.replacements) or "none named"
    return f"{finding.found_as} ({record.provider}) {when(finding)}; replacement: {replacement}"


def summary(result: GateResult) -> str:
    models = {(f.record.provider, f.record.model) for f in result.findings}
    places = {f.where for f in result.findings}
    if not result.findings:
        return f"no deprecated models in {result.scanned} model-ID occurrences: gate passed"
    head = (
        f"{len(models)} deprecated model{'s' if len(models) != 1 else ''} in "
        f"{len(places)} place{'s' if len(places) != 1 else ''}"
    )
    due = {(f.record.provider, f.record.model) for f in result.due}
    if due:
        return (
            f"{head}; {len(due)} shut{'s' if len(due) == 1 else ''} down within "
            f"{result.within_days} days: gate failed"
        )
    return f"{head}; none shuts down within {result.within_days} days: gate passed"


def render_text(result: GateResult) -> str:
    mark = f"  [within {result.within_days} days]"
    lines = [f"{f.where}: {message(f)}{mark if f.due else ''}" for f in result.findings]
    return "\n".join([*lines, summary(result)]) + "\n"


def _finding_json(finding: Finding) -> dict[str, Any]:
    record = finding.record
    return {
        "path": finding.path,
        "line": finding.line,
        "found_as": finding.found_as,
        "provider": record.provider,
        "model": record.model,
        "shutdown_date": record.shutdown_date,
        "shutdown_kind": record.shutdown_kind,
        "days_left": finding.days_left,
        "replacements": list(record.replacements),
        "url": record.url,
        "due": finding.due,
    }


def render_json(result: GateResult) -> str:
    body = {
        "today": result.today.isoformat(),
        "within_days": result.within_days,
        "failed": result.failed,
        "summary": summary(result),
        "findings": [_finding_json(f) for f in result.findings],
    }
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    """Markdown table cell text: pipes, backticks, angle brackets and newlines neutralised."""
    text = " ".join(str(text).split())
    for char, escaped in (("\\", "\\\\"), ("|", "\\|"), ("`", "'"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return text


def render_markdown(result: GateResult) -> str:
    lines = [f"### Sunset Watch: {_cell(summary(result))}", ""]
    if result.findings:
        lines += [
            "| | where | model | provider | shutdown | days left | replacement |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in result.findings:
            record = f.record
            shutdown = record.shutdown_date or "none announced"
            if record.shutdown_kind == "earliest" and record.shutdown_date:
                shutdown = f"not before {record.shutdown_date}"
            lines.append(
                "| "
                + " | ".join(
                    [
                        "❌" if f.due else "⚠️",
                        f"`{_cell(f.where)}`",
                        f"`{_cell(f.found_as)}`",
                        _cell(record.provider),
                        _cell(shutdown),
                        "-" if f.days_left is None else str(f.days_left),
                        _cell(", ".join(record.replacements) or "-"),
                    ]
                )
                + " |"
            )
    return "\n".join(lines) + "\n"


def _uri(result: GateResult, path: str) -> str:
    """The file's path relative to the working directory (where CI checks the repository
    out), as a URI reference; outside it, relative to the scanned folder."""
    root = result.root.resolve()
    base = root.parent if root.is_file() else root
    full = base / path
    try:
        rel = os.path.relpath(full, Path.cwd())
    except ValueError:  # another drive (Windows)
        rel = path
    if rel.startswith(".."):
        rel = path
    return quote(Path(rel).as_posix(), safe="/")


def _level(finding: Finding) -> str:
    if finding.due:
        return "error"
    if finding.days_left is not None and finding.record.shutdown_kind != "earliest":
        return "warning"
    return "note"


def render_sarif(result: GateResult) -> str:
    rules = [
        {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": text},
        }
        for rule_id, name, text in RULES
    ]
    results = []
    for f in result.findings:
        record = f.record
        rule_index = 0 if f.due else 1
        entry: dict[str, Any] = {
            "ruleId": RULES[rule_index][0],
            "ruleIndex": rule_index,
            "level": _level(f),
            "message": {"text": message(f)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(result, f.path)},
                        "region": {"startLine": max(f.line, 1)},
                    }
                }
            ],
            "properties": {
                "provider": record.provider,
                "model": record.model,
                "shutdownDate": record.shutdown_date,
                "shutdownKind": record.shutdown_kind,
                "daysLeft": f.days_left,
                "replacements": list(record.replacements),
            },
        }
        if record.url:
            entry["relatedLocations"] = [
                {
                    "id": 1,
                    "physicalLocation": {"artifactLocation": {"uri": record.url}},
                    "message": {"text": "the provider's announcement"},
                }
            ]
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Sunset Watch",
                        "semanticVersion": _version(),
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=1, ensure_ascii=False) + "\n"


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "markdown": render_markdown,
}
