"""Tests for pipeline.usage.scan: code scanning and usage-log import."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.models import UsageEntry
from pipeline.usage.imported import UsageImportError, import_usage_file
from pipeline.usage.scan import scan_paths


def _write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _found(entries: list[UsageEntry]) -> set[tuple[str, str]]:
    return {(e.model, e.where or "") for e in entries}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    _write(
        tmp_path,
        "app/llm.py",
        "import openai\n"
        "# the gpt model is good, claude said so\n"
        'MODEL = "gpt-4o"\n'
        'fallback = "GPT-4o-mini"  # gpt_4o_client, my-gpt-4o are not IDs\n',
    )
    _write(tmp_path, "web/src/chat.ts", "const m = 'claude-3-5-sonnet-20241022';\n")
    _write(tmp_path, "deploy/config.yaml", "llm:\n  model: gemini-1.5-pro\n  temp: 0.2\n")
    _write(tmp_path, ".env", "OPENAI_MODEL=o3-mini\nREASONER=o1\n")
    _write(tmp_path, ".env.production", "MODEL=gpt-4.1\n")
    _write(tmp_path, "settings.json", '{\n  "model": "mistral-large-latest"\n}\n')
    _write(tmp_path, ".git/config", 'model = "gpt-4-turbo"\n')
    _write(tmp_path, "node_modules/pkg/index.js", "const x = 'gpt-3.5-turbo';\n")
    _write(tmp_path, ".venv/lib/site.py", "x = 'claude-2.1'\n")
    _write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")
    _write(tmp_path, "myenv/lib/a.py", "x = 'claude-instant-1.2'\n")
    _write(tmp_path, "__pycache__/a.py", "x = 'gpt-4-0613'\n")
    _write(tmp_path, "data/blob.json", b'{"model": "gpt-4-32k"}\x00\x01\x02')
    _write(tmp_path, "docs/README.md", "We use gpt-4o-2024-05-13.\n")
    return tmp_path


def test_scan_finds_ids_with_file_and_line(tree: Path) -> None:
    entries = scan_paths(tree, "search")
    assert _found(entries) == {
        ("gpt-4o", "app/llm.py:3"),
        ("gpt-4o-mini", "app/llm.py:4"),
        ("claude-3-5-sonnet-20241022", "web/src/chat.ts:1"),
        ("gemini-1.5-pro", "deploy/config.yaml:2"),
        ("o3-mini", ".env:1"),
        ("o1", ".env:2"),
        ("gpt-4.1", ".env.production:1"),
        ("mistral-large-latest", "settings.json:2"),
    }
    assert all(e.team == "search" and e.origin == "scan" and e.provider == "*" for e in entries)


def test_scan_skips_big_files(tmp_path: Path) -> None:
    _write(tmp_path, "big.py", "x = 'gpt-4o'\n" + "#" * (2 * 1024 * 1024))
    _write(tmp_path, "small.py", "x = 'gpt-4o'\n")
    assert _found(scan_paths(tmp_path, "t")) == {("gpt-4o", "small.py:1")}


@pytest.mark.parametrize(
    "line",
    [
        "the gpt model answered and claude said hello",
        "Gemini is nice; we tried Llama and Mistral and Codestral",
        "use the command-line interface, command-and-control",
        "x = my-gpt-4o + gpt_4o + gpt-4o_x + azure.gpt-4o-deploy",
        "the o1 visa and O3 levels",
        'f"gpt-4o-{size}"',
        "mistral-client and grok-like and claude-code",
    ],
)
def test_scan_no_false_hits(tmp_path: Path, line: str) -> None:
    _write(tmp_path, "notes.py", line + "\n")
    assert scan_paths(tmp_path, "t") == []


def test_scan_platform_forms(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "platforms.py",
        "a = 'anthropic.claude-3-5-sonnet-20241022-v2:0'\n"
        "b = 'us.anthropic.claude-3-haiku-20240307-v1:0'\n"
        "c = 'claude-3-5-sonnet-v2@20241022'\n"
        "d = 'openai/gpt-4o'\n"
        "e = 'models/gemini-1.5-pro'\n"
        "f = 'meta-llama/llama-4-scout-17b-16e-instruct'\n"
        "g = 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent'\n"
        "h = Agent('anthropic:claude-3-5-haiku-latest')\n"
        "i = 'meta-llama/Llama-3.3-70B-Instruct'\n",
    )
    got = {(e.model, e.provider, e.where) for e in scan_paths(tmp_path, "t")}
    assert got == {
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "aws-bedrock", "platforms.py:1"),
        ("us.anthropic.claude-3-haiku-20240307-v1:0", "aws-bedrock", "platforms.py:2"),
        ("claude-3-5-sonnet-v2@20241022", "google-vertex", "platforms.py:3"),
        ("openai/gpt-4o", "openai", "platforms.py:4"),
        ("models/gemini-1.5-pro", "*", "platforms.py:5"),
        ("meta-llama/llama-4-scout-17b-16e-instruct", "*", "platforms.py:6"),
        ("models/gemini-2.0-flash", "*", "platforms.py:7"),
        ("claude-3-5-haiku-latest", "anthropic", "platforms.py:8"),
        ("meta-llama/llama-3.3-70b-instruct", "*", "platforms.py:9"),
    }


def test_scan_known_models_on_token_boundaries(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "k.py",
        "m = 'sonar-pro'\nn = 'sonar-pro-max'\nthe sonar-prototype\nq = 'x-sonar-pro'\n",
    )
    entries = scan_paths(tmp_path, "t", known_models=["Sonar-Pro"])
    assert _found(entries) == {("sonar-pro", "k.py:1")}


def test_scan_one_entry_per_model_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.py", "x = ['gpt-4o', 'gpt-4o', 'claude-3-opus-20240229']\n")
    entries = scan_paths(tmp_path, "t")
    assert sorted(e.model for e in entries) == ["claude-3-opus-20240229", "gpt-4o"]


def test_scan_single_word_ids_need_a_value_position(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "c.yaml",
        "models:\n  - o3\n  - qwen3\nreasoner: o1  # cheap\nprose: we tried o1 and o3 today\n",
    )
    assert _found(scan_paths(tmp_path, "t")) == {
        ("o3", "c.yaml:2"),
        ("qwen3", "c.yaml:3"),
        ("o1", "c.yaml:4"),
    }


def test_scan_skips_lockfiles_and_accepts_a_file_root(tmp_path: Path) -> None:
    _write(tmp_path, "package-lock.json", '{"gpt-3-encoder": "1.0"}\n')
    path = _write(tmp_path, "main.go", 'client.Model("deepseek.r1-v1:0")\n')
    assert _found(scan_paths(tmp_path, "t")) == {("deepseek.r1-v1:0", "main.go:1")}
    assert _found(scan_paths(path, "t")) == {("deepseek.r1-v1:0", "main.go:1")}


# --- import ---------------------------------------------------------------------------


def test_import_csv_aggregates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "usage.csv",
        "Model,provider,requests,last_seen,cost\n"
        "GPT-4o,openai,10,2026-01-02,1.0\n"
        "gpt-4o,openai,5,2026-01-05T10:00:00Z,2.0\n"
        "gpt-4o,azure-openai,7,,0\n"
        "claude-3-*,,,2026-01-01,\n",
    )
    entries = import_usage_file(path, "search")
    assert set(entries) == {
        UsageEntry("search", "gpt-4o", "openai", "import", "usage.csv", "2026-01-05T10:00:00Z", 15),
        UsageEntry("search", "gpt-4o", "azure-openai", "import", "usage.csv", None, 7),
        UsageEntry("search", "claude-3-*", "*", "import", "usage.csv", "2026-01-01", None),
    }


def test_import_jsonl(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "usage.jsonl",
        '{"model": "gemini-1.5-pro", "requests": 3, "last_seen": "2026-02-01T00:00:00+00:00"}\n'
        "\n"
        '{"model": "gemini-1.5-pro", "requests": "4", "last_seen": "2026-01-01"}\n',
    )
    assert import_usage_file(path, "t") == [
        UsageEntry(
            "t", "gemini-1.5-pro", "*", "import", "usage.jsonl", "2026-02-01T00:00:00+00:00", 7
        )
    ]


@pytest.mark.parametrize(
    ("name", "text", "line", "field"),
    [
        ("u.csv", "model,requests\ngpt-4o,1\n,2\n", 3, "model"),
        ("u.csv", "provider,requests\nopenai,1\n", 1, "model"),
        ("u.csv", "model,requests\ngpt-4o,1\ngpt-4o,lots\n", 3, "requests"),
        ("u.csv", "model,requests\ngpt-4o,1.5\n", 2, "requests"),
        ("u.csv", "model,last_seen\ngpt-4o,yesterday\n", 2, "last_seen"),
        ("u.jsonl", '{"model": "gpt-4o"}\n{"requests": 1}\n', 2, "model"),
        ("u.jsonl", '{"model": "gpt-4o", "requests": "ten"}\n', 1, "requests"),
        ("u.jsonl", '{"model": "gpt-4o", "requests": true}\n', 1, "requests"),
        ("u.ndjson", '{"model": "gpt-4o"}\n{not json\n', 2, "<json>"),
        ("u.jsonl", '["gpt-4o"]\n', 1, "<row>"),
        ("u.csv", "model\ngpt-4o\n" + "x" * 200_000 + "\n", 3, "<csv>"),
    ],
)
def test_import_bad_rows_name_file_line_field(
    tmp_path: Path, name: str, text: str, line: int, field: str
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(UsageImportError) as info:
        import_usage_file(path, "t")
    assert info.value.line == line
    assert info.value.field == field
    assert f"{path}:{line}" in str(info.value)
    assert field in str(info.value)


def test_import_rejects_unknown_extension(tmp_path: Path) -> None:
    path = _write(tmp_path, "usage.xlsx", "model\n")
    with pytest.raises(UsageImportError, match=r"usage\.xlsx"):
        import_usage_file(path, "t")
