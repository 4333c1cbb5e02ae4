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
