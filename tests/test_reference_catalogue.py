"""Reading reference catalogues: LiteLLM's model list and modeldeprecations.dev records, the
shape sniffed from the content (authored samples in tests/fixtures/reference)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.core.models import ReferenceEntry
from pipeline.sources.reference.catalogue import LITELLM, MODELDEPRECATIONS, parse_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "reference"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_litellm_model_list():
    catalogue = parse_catalogue(read("litellm.json"))
    assert catalogue.shape == LITELLM
    assert catalogue.entries == (
        ReferenceEntry("azure-openai", "azure/acme-chat-2", (), "2027-03-01", "firm"),
        ReferenceEntry("google-gemini-api", "gemini/acme-vision-1", (), "2027-01-15", "firm"),
        ReferenceEntry("google-vertex", "vertex_ai/acme-vision-1", (), "2027-01-20", "firm"),
        ReferenceEntry("openai", "acme-chat-2", (), "2027-02-01", "firm"),
    )
    # "Q1 2027" is not a date: dropped with a warning, never guessed.
    assert catalogue.warnings == (
        "acme-broken: deprecation_date: 'Q1 2027' is not an ISO date (YYYY-MM-DD); ignored",
    )


def test_modeldeprecations_api_catalogue():
    catalogue = parse_catalogue(read("modeldeprecations.json"))
    assert catalogue.shape == MODELDEPRECATIONS
    assert catalogue.warnings == ()
    assert catalogue.entries == (
        ReferenceEntry(
            provider="anthropic",
            model="acme-poet-1",
            deprecated_date="2026-10-01",
            status="deprecated",
        ),
        ReferenceEntry(
            provider="google-gemini-api",
            model="acme-vision-1",
            shutdown_date="2027-01-15",
            shutdown_kind="earliest",
            status="active",
        ),
        ReferenceEntry(
            provider="openai",
            model="acme-chat-2",
            aliases=("acme-chat-2-1106",),
            shutdown_date="2027-02-01",
            shutdown_kind="firm",
            deprecated_date="2026-08-01",
            replacements=("acme-chat-3", "acme-chat-3-mini"),  # the recommended one first
            status="deprecated",
        ),
    )


def test_modeldeprecations_model_file_in_yaml():
    catalogue = parse_catalogue(read("modeldeprecations-record.yaml"))
    assert catalogue.shape == MODELDEPRECATIONS
    assert catalogue.entries == (
        ReferenceEntry(
            provider="anthropic",
            model="acme-poet-3-20250101",
            aliases=("acme-poet-3-latest",),
            shutdown_date="2027-03-31",
            shutdown_kind="firm",
            deprecated_date="2026-09-01",
            replacements=("acme-poet-4",),
            status="deprecated",
        ),
    )


def test_a_bare_list_of_records_is_read_too():
    records = json.loads(read("modeldeprecations.json"))["models"]
    catalogue = parse_catalogue(json.dumps(records))
    assert catalogue.shape == MODELDEPRECATIONS
    assert [e.model for e in catalogue.entries] == ["acme-poet-1", "acme-vision-1", "acme-chat-2"]


def test_provider_map_and_only_provider():
    catalogue = parse_catalogue(
        read("modeldeprecations.json"),
        provider_map={"Google": "google-vertex"},
        only_provider="google-vertex",
    )
    assert [(e.provider, e.model) for e in catalogue.entries] == [
        ("google-vertex", "acme-vision-1")
    ]


def test_invalid_calendar_dates_are_dropped():
    body = json.dumps({"m-1": {"litellm_provider": "openai", "deprecation_date": "2027-02-30"}})
    catalogue = parse_catalogue(body)
    assert catalogue.shape == LITELLM and catalogue.entries == ()
    assert "'2027-02-30' is not an ISO date" in catalogue.warnings[0]


def test_unknown_provider_names_become_slugs():
    body = json.dumps(
        {"x/m-1": {"litellm_provider": "Fancy_Cloud", "deprecation_date": "2027-01-01"}}
    )
    (entry,) = parse_catalogue(body).entries
    assert entry.provider == "fancy-cloud"


@pytest.mark.parametrize(
    "body",
    [
        "<html><body><table><tr><td>acme-chat-2</td></tr></table></body></html>",
        '{"data": [{"id": "acme-chat-2", "object": "model"}]}',
        "",
        "- just\n- a list\n",
        b"\xff\xfe\x00garbage",
    ],
)
def test_other_content_is_not_a_catalogue(body):
    catalogue = parse_catalogue(body)
    assert catalogue.shape is None and catalogue.entries == ()
    assert catalogue.warnings and "not a reference catalogue" in catalogue.warnings[0]


def test_many_bad_dates_give_a_bounded_warning_list():
    body = json.dumps(
        {f"m-{i}": {"litellm_provider": "openai", "deprecation_date": "soon"} for i in range(50)}
    )
    warnings = parse_catalogue(body).warnings
    assert len(warnings) == 21 and warnings[-1] == "... and 30 more warnings"


def test_yaml_aliases_are_refused():
    body = (
        "provider: anthropic\nmodel: acme-poet-1\nshutdown_on: &d 2027-01-01\n"
        "deprecated_on: *d\nstatus: deprecated\n"
    )
    catalogue = parse_catalogue(body)
    assert catalogue.shape is None and catalogue.entries == ()
