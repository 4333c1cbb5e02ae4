"""One parametrized test over tests/fixtures/extract/<case>/{page.*, expected.json}."""

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.extract import extract_document, infer_format

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
URLS = {
    "lifecycle-table": "https://example.com/lifecycle",
    "changelog-prose": "https://example.com/changelog",
}
# Cases whose display names map to IDs through the offline catalogue need its provider.
PROVIDERS = {"news-display-extends-id": "openai"}
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    page = next(p for p in case.iterdir() if p.name == "page" or p.name.startswith("page."))
    out = extract_document(
        page.read_bytes(),
        fmt=infer_format(str(page)),
        provider=PROVIDERS.get(case.name, "acme"),
        url=URLS.get(case.name),
        today=dt.date(2025, 11, 13),
    )
    expected = json.loads((case / "expected.json").read_text())
    # Each expected record names the fields it pins (confidence and `why` are tested apart).
    got = [
        {key: r.to_json()[key] for key in want}
        for r, want in zip(out.records, expected, strict=False)
    ]
    assert len(out.records) == len(expected), [r.model for r in out.records]
    assert got == expected
