"""Shared fixtures: an in-memory store, a fixed clock, and where the real corpus lives."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from storage.db import open_db

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Compiled caches (the catalogue index) go to a temporary folder, never the home cache;
    subprocesses started by tests inherit it."""
    saved = os.environ.get("SUNSET_CACHE_DIR")
    os.environ["SUNSET_CACHE_DIR"] = str(tmp_path_factory.mktemp("sunset-cache"))
    yield
    if saved is None:
        os.environ.pop("SUNSET_CACHE_DIR", None)
    else:
        os.environ["SUNSET_CACHE_DIR"] = saved


@pytest.fixture
def db():
    database = open_db(":memory:")
    yield database
    database.close()


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CORPUS} is missing under CI")
        pytest.skip(f"real corpus not found at {CORPUS} (it lives in ../shared beside the repo)")
    return CORPUS
