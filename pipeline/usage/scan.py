"""Usage found in code: `scan_paths` walks a source tree and reports every model identifier it
finds, one `UsageEntry` per (model, file:line).

It uses a model-ID grammar of known families and platform forms plus any IDs the caller
already knows (stored records). Prose words ("the gpt model", "claude said") and partial
tokens (`my-gpt-4o`, `gpt_4o`) are never reported. A pure function over files (no database).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.core.model_ids import FRAMEWORK_PREFIXES, normalize_model_id
from pipeline.core.models import UsageEntry

# --- scanning ---------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SCAN_SUFFIXES = _words(
    ".py .ipynb .ts .tsx .mts .cts .js .jsx .mjs .cjs .go .java .kt .kts .rb .rs .cs .php"
    " .swift .scala .sh .yaml .yml .json .jsonc .toml .env .ini .cfg .conf .tf .tfvars .hcl"
    " .properties"
)
SKIP_DIRS = _words(
    ".git .hg .svn node_modules .venv venv __pycache__ dist build .tox .nox .mypy_cache"
    " .pytest_cache .ruff_cache .cache .next .nuxt .terraform target site-packages .eggs"
)
# Test fixtures and vendored code name models a team does not call (recorded responses,
# sample pages, someone else's library): skipped unless the scan asks for every file.
FIXTURE_DIRS = _words(
    "fixtures __fixtures__ testdata test_data test-data __snapshots__ snapshots cassettes"
    " __mocks__ vendor vendored _vendor third_party third-party"
)
# Lockfiles list package names such as "gpt-3-encoder", never models a team calls.
SKIP_FILES = _words("package-lock.json npm-shrinkwrap.json pnpm-lock.yaml")
MAX_FILE_BYTES = 2 * 1024 * 1024
_SNIFF_BYTES = 8192

# A run of characters that can belong to a model ID (platform forms included). Underscore is
# part of the run so that identifiers like `gpt_4o_client` are one token and never match.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_.:@/\-]+")

_SEG = r"(?:[-.][a-z0-9]+)*"
_FAMILIES = (
    r"gpt-(?:\d|oss|image|realtime|audio)[a-z0-9]*" + _SEG,
    r"o[134](?:-[a-z0-9]+)*",
    r"chatgpt-[a-z0-9]+" + _SEG,
    r"text-embedding-(?:ada|\d|preview|gecko)[a-z0-9]*" + _SEG,
    r"text-(?:davinci|curie|babbage|ada|moderation|search|similarity)-[a-z0-9]+" + _SEG,
    r"(?:code-)?(?:davinci|curie|babbage)-\d+" + _SEG,
    r"(?:whisper|tts|dall-e)-\d" + _SEG,
    r"whisper-large-v\d" + _SEG,
    r"omni-moderation-[a-z0-9]+" + _SEG,
    r"claude-(?:\d|instant|opus|sonnet|haiku|v\d|[a-z]+-(?:\d|preview|latest))[a-z0-9]*" + _SEG,
    r"gemini-(?:\d|pro|ultra|exp|embedding|flash|nano|(?:[a-z]+-){1,2}\d)[a-z0-9]*" + _SEG,
    r"embedding-(?:gecko-)?\d{3}",
    r"gemma-?\d[a-z0-9]*" + _SEG,
    r"(?:imagen|veo)-\d[a-z0-9]*" + _SEG,
    r"(?:text|chat|code|codechat)-(?:bison|unicorn)(?:-[a-z0-9]+)*",
    r"textembedding-gecko(?:-[a-z0-9]+)*",
    r"text-multilingual-embedding-\d+",
    r"command-(?:r7b|r|a|light|nightly|xlarge|medium)" + _SEG,
    r"(?:embed|rerank)-(?:english|multilingual|v\d)[a-z0-9]*" + _SEG,
    r"(?:open-)?(?:mistral|mixtral|codestral|pixtral|ministral|magistral|devstral|voxtral)"
    r"-(?:\d[a-z0-9]*|tiny|small|medium|large|embed|saba|ocr|moderation|nemo|mamba|document|latest)"
    + _SEG,
    r"grok-(?:\d|beta|vision|code)[a-z0-9]*" + _SEG,
    r"llama-?\d[a-z0-9]*" + _SEG,
    r"llama-guard" + _SEG,
    r"qwen\d[a-z0-9]*" + _SEG,
    r"qwen(?:-[a-z0-9]+)+" + _SEG,
    r"qwq-[a-z0-9]+" + _SEG,
    r"deepseek\.r\d[a-z0-9]*" + _SEG,  # Bedrock "deepseek.r1-v1:0"
    r"deepseek-(?:chat|reasoner|coder|v\d|r\d|llm|math|vl|prover)[a-z0-9]*" + _SEG,
    r"moonshot-v\d" + _SEG,
    r"kimi-(?:k\d|latest|thinking|dev)[a-z0-9]*" + _SEG,
    r"jamba-(?:\d|instruct|mini|large)[a-z0-9]*" + _SEG,
    r"titan-(?:text|embed|image|tg1|e1t|multimodal)" + _SEG,
    r"nova-(?:pro|lite|micro|premier|canvas|reel|sonic)" + _SEG,
)
_MODEL_ID_RE = re.compile(
    r"(?:(?:(?:us|eu|apac|global|jp|au|ca|us-gov)\.)?"
    r"(?:anthropic|meta|mistral|cohere|amazon|ai21|deepseek|qwen|openai|writer|moonshot)\.)?"
    r"(?:" + "|".join(_FAMILIES) + r")"
    r"(?:@[a-z0-9][a-z0-9.-]*)?"  # Vertex version: "@20241022", "@002", "@latest"
    r"(?::\d+[a-z]*)*"  # Bedrock version: ":0", ":0:200k"
)
# "org/model" forms (OpenRouter, Hugging Face, Groq, Gemini API "models/...").
_ORGS = _words(
    "openai anthropic google meta-llama meta mistralai x-ai xai deepseek deepseek-ai qwen"
    " cohere moonshotai ai21 ai21labs amazon models"
)
_TRAILING_ACTION_RE = re.compile(r":[a-z][a-z0-9-]*$")  # ":generateContent", ":free"
_QUOTES = "\"'`"
_ASSIGNED_BEFORE_RE = re.compile(r"(?:[=:]|^\s*-)\s*$")  # "x = ", "key: ", YAML "- "
_VALUE_END_RE = re.compile(r"\s*(?:[,;#]|$)")


def _is_scanned_file(name: str) -> bool:
    if name in SKIP_FILES:
        return False
    if name.startswith(".env"):
        return True
    return os.path.splitext(name)[1].lower() in SCAN_SUFFIXES


def _walk(root: Path, include_all: bool = False) -> Iterator[Path]:
    skipped = SKIP_DIRS if include_all else SKIP_DIRS | FIXTURE_DIRS
    for dirpath, dirnames, filenames in os.walk(root):
        # Pruning in place keeps os.walk out of skipped trees; sorting makes output stable.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d.lower() not in skipped
            and not d.endswith(".egg-info")
            and not os.path.islink(os.path.join(dirpath, d))
            and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
        )
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if _is_scanned_file(name) and not path.is_symlink():
                yield path


def _read_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:_SNIFF_BYTES]:
        return None
    return data.decode("utf-8", errors="replace")


def _grammar_model(candidate: str, known: frozenset[str]) -> str | None:
    if _MODEL_ID_RE.fullmatch(candidate) or candidate in known:
        return candidate
    stripped = _TRAILING_ACTION_RE.sub("", candidate)
    if stripped != candidate and (_MODEL_ID_RE.fullmatch(stripped) or stripped in known):
        return stripped
    return None


def _token_model(token: str, known: frozenset[str]) -> tuple[str, str | None] | None:
    """The model ID a whole token stands for, with a provider hint; None if it is not one."""
    token = token.lower().rstrip(".:/").lstrip("./:")
    if not token:
        return None
    hint: str | None = None
    prefix, sep, rest = token.partition(":")
    if sep and prefix in FRAMEWORK_PREFIXES and rest:
        hint, token = FRAMEWORK_PREFIXES[prefix], rest
    if token in known:
        return token, hint
    if "/" not in token:
        model = _grammar_model(token, known)
        return (model, hint) if model else None
    segments = token.split("/")
    if "publishers" in segments[:-1]:
        hint = hint or "google-vertex"
    if len(segments) >= 2 and segments[-2] in _ORGS and hint is None:
        model = _grammar_model(segments[-1], known)
        if model:
            return f"{segments[-2]}/{model}", None
    model = _grammar_model(segments[-1], known)
    return (model, hint) if model else None


def _in_value_position(line: str, start: int, end: int) -> bool:
    """A one-word ID ("o1", "qwen3") counts only as a quoted string or an assigned value."""
    before, after = line[:start], line[end:]
    if before and after and before[-1] in _QUOTES and after[0] == before[-1]:
        return True
    return bool(_ASSIGNED_BEFORE_RE.search(before) and _VALUE_END_RE.match(after))


_Found = tuple[str, str | None] | None


def _scan_text(
    text: str, rel: str, team: str, known: frozenset[str], memo: dict[str, _Found]
) -> list[UsageEntry]:
    # Classify each distinct token once (memoised across files) and only walk the lines that
    # hold a hit: most files contain no model ID at all.
    hits = []
    for token in set(_TOKEN_RE.findall(text)):
        if token not in memo:
            memo[token] = _token_model(token, known)
        if memo[token] is not None:
            hits.append(token)
    entries: list[UsageEntry] = []
    if not hits:
        return entries
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not any(hit in line for hit in hits):
            continue
        seen: set[tuple[str, str]] = set()
        for m in _TOKEN_RE.finditer(line):
            token = m.group()
            found = memo[token] if token in memo else _token_model(token, known)
            if found is None:
                continue
            model, hint = found
            if not any(c in model for c in "-./@:") and not _in_value_position(
                line, m.start(), m.end()
            ):
                continue
            provider = hint or normalize_model_id(model)[0] or "*"
            if (model, provider) in seen:
                continue
            seen.add((model, provider))
            entries.append(
                UsageEntry(team, model, provider, origin="scan", where=f"{rel}:{lineno}")
            )
    return entries


def scan_paths(
    root: Path, team: str, *, known_models: Iterable[str] = (), include_all: bool = False
) -> list[UsageEntry]:
    """Scan code and config files under `root` for model IDs; one entry per (model, file:line).

    Test-fixture and vendored folders (FIXTURE_DIRS) are skipped unless `include_all`.

    `known_models` (IDs of stored records) are found too, on token boundaries, even when the
    grammar does not know their family. Files are read as UTF-8; binary files (a NUL byte in
    the first 8 KiB), files over 2 MB, VCS/dependency/virtualenv/build directories are skipped.
    """
    root = Path(root)
    known = frozenset(k.strip().lower() for k in known_models if k.strip() and " " not in k)
    memo: dict[str, _Found] = {}
    entries: list[UsageEntry] = []
    files = [root] if root.is_file() else _walk(root, include_all)
    for path in files:
        text = _read_text(path)
        if text is None:
            continue
        rel = path.name if path == root else path.relative_to(root).as_posix()
        entries.extend(_scan_text(text, rel, team, known, memo))
    return entries
