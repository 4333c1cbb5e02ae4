"""Compiled regular expressions kept between `sunset extract` processes (issue 17): a pattern
built from the cache is the pattern `re` compiles; a damaged, foreign or unwritable cache
file means patterns compile as usual, with no traceback. Each check runs in a fresh
interpreter, since `install()` hooks that process's `re`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.core import regex_cache

PROBE = r"""
import json, re, sys
from pipeline.core import regex_cache
installed = regex_cache.install()
patterns = [
    (r"(?P<model>gpt-\d+(?:\.\d+)?)(?:-(?P<date>\d{4}))?", re.IGNORECASE),
    (r"\bretir(?:e|es|ed|ing)\b\s+(on|after)\s+(\w+ \d{1,2}, \d{4})", 0),
    (rb"^\xef\xbb\xbf", 0),
    (r"[\u4e00-\u9fff]+模型", re.UNICODE | re.VERBOSE),
]
out = []
for pattern, flags in patterns:
    compiled = re.compile(pattern, flags)
    text = "GPT-4.1-0613 retires on June 30, 2026 模型"
    text = text if isinstance(pattern, str) else b"\xef\xbb\xbfx"
    m = compiled.search(text)
    out.append([compiled.pattern if isinstance(pattern, str) else pattern.decode("latin-1"),
                compiled.flags, compiled.groups, dict(compiled.groupindex),
                m.span() if m else None, [str(g) for g in m.groups()] if m else None])
print(json.dumps([installed, regex_cache.HITS[0], out]))
"""


def run(cache: Path | str, hits: int | None = None) -> tuple[bool, list]:
    import json

    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "SUNSET_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Traceback" not in done.stderr, done.stderr
    installed, found, out = json.loads(done.stdout)
    if hits is not None:
        assert found >= hits if hits else found == 0
    return installed, out


def test_patterns_from_the_cache_match_like_freshly_compiled_ones(tmp_path: Path) -> None:
    _, plain = run("")  # caching off: re as usual
    installed, first = run(tmp_path)  # compiles and writes the cache at exit
    assert installed
    cache = tmp_path / regex_cache._FILE
    assert cache.is_file()
    _, second = run(tmp_path, hits=4)  # builds the patterns from the cache
    assert plain == first == second


def test_a_damaged_cache_compiles_as_usual(tmp_path: Path) -> None:
    _, expected = run(tmp_path)
    cache = tmp_path / regex_cache._FILE
    blob = cache.read_bytes()
    for damaged in (b"", blob[: len(blob) // 2], blob[:-4] + b"\x00\x01\x02\x03", b"x" * 64):
        cache.write_bytes(damaged)
        assert run(tmp_path, hits=0)[1] == expected
        cache.unlink(missing_ok=True)


def test_a_cache_of_another_python_is_ignored(tmp_path: Path) -> None:
    _, expected = run(tmp_path)
    cache = tmp_path / regex_cache._FILE
    cache.write_bytes(cache.read_bytes().replace(sys.version.encode(), b"3.99.0 (other)", 1))
    assert run(tmp_path, hits=0)[1] == expected


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    installed, out = run(blocker / "cache")
    assert installed and out == run("")[1]


def test_sunset_extract_writes_and_reuses_the_cache(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<main><p>gpt-4-0613 will be retired on 2027-01-04.</p></main>")
    env = {**os.environ, "SUNSET_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "pipeline", "extract", str(page), "--json"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert (tmp_path / "cache" / regex_cache._FILE).is_file()
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout and '"gpt-4-0613"' in first.stdout
    assert "Traceback" not in first.stderr + second.stderr
