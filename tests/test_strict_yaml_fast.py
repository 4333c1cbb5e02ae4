"""Configuration YAML is parsed by libyaml (C) when PyYAML has it (issue 17: a 100,000-row
teams.yml took ~15 s to parse); it reads every document as PyYAML's own parser does, and a
document it refuses is reported in PyYAML's words, as before."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.core import strict_yaml
from pipeline.core.config_load import read_yaml
from pipeline.core.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
FAST = getattr(strict_yaml, "_FastDuplicateKeyLoader", None)
pytestmark = pytest.mark.skipif(FAST is None, reason="PyYAML without libyaml")

DOCUMENTS = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: {d: 2026-01-02, e: null, f: ~, g: yes, h: 1.5e3}\n",
    "k: &anchor {x: 1}\nj: *anchor\n<<: {m: 2}\n",
    "when: 2026-13-31\nbig: 99999999999999999999\noctal: 0o17\nhex: 0x1f\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "- just\n- a\n- list\n",
    "",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_libyaml_reads_documents_as_pyyaml_does(text: str) -> None:
    assert yaml.load(text, Loader=FAST) == yaml.load(text, Loader=strict_yaml.DuplicateKeyLoader)
    assert strict_yaml.load(text) == yaml.load(text, Loader=strict_yaml.DuplicateKeyLoader)


def test_the_repository_config_files_read_the_same() -> None:
    for path in sorted(REPO.glob("*.yml")) + sorted(REPO.glob("storage/*.yml")):
        text = path.read_text()
        assert strict_yaml.load(text) == yaml.load(text, Loader=strict_yaml.DuplicateKeyLoader)


@pytest.mark.parametrize(
    "text",
    ["a: 1\na: 2\n", "a: [1,\n", "a:\n\tb: 1\n", "- a\nb: c\n", "a: 'open\n"],
)
def test_a_refused_document_says_what_pyyaml_says(text: str, tmp_path: Path) -> None:
    with pytest.raises(yaml.YAMLError) as python:
        yaml.load(text, Loader=strict_yaml.DuplicateKeyLoader)
    with pytest.raises(yaml.YAMLError) as ours:
        strict_yaml.load(text)
    assert str(ours.value) == str(python.value)
    path = tmp_path / "teams.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"teams\.yml:\d+: invalid YAML"):
        read_yaml(path)
