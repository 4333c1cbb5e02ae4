"""The Datasette command line for browsing the live store (`sunset serve`).

This module owns how Datasette is started: plain read-only on the live file (not
`--immutable`, the worker keeps writing it), with the packaged `storage/metadata.yml`. That
metadata is keyed by the database name `sunset`; Datasette names a database after its file,
so for any other file name a re-keyed copy is written to a private temporary directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

import yaml

METADATA_DATABASE = "sunset"
SQL_TIME_LIMIT_MS = 3000


def packaged_metadata() -> Path:
    """storage/metadata.yml inside the installed package."""
    return Path(str(resources.files("storage").joinpath("metadata.yml")))


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def metadata_for(db_path: str | Path) -> Path:
    """The metadata file to pass for `db_path`: the packaged one, or a re-keyed copy."""
    packaged = packaged_metadata()
    name = database_name(db_path)
    if name == METADATA_DATABASE:
        return packaged
    text = packaged.read_text(encoding="utf-8")
    metadata = yaml.safe_load(text)
    metadata["databases"] = {name: metadata["databases"][METADATA_DATABASE]}
    body = json.dumps(metadata, indent=2, sort_keys=True)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    user = os.getuid() if hasattr(os, "getuid") else "user"
    directory = Path(tempfile.gettempdir()) / f"sunset-watch-{user}"
    directory.mkdir(mode=0o700, exist_ok=True)
    target = directory / f"metadata-{digest}.json"
    if not target.exists():
        # Write then rename, so a concurrent `sunset serve` never reads a half-written file.
        scratch = directory / f".{target.name}.{os.getpid()}"
        scratch.write_text(body, encoding="utf-8")
        scratch.replace(target)
    return target


def serve_command(db_path: str | Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """argv that serves `db_path` read-only with Sunset Watch's metadata on host:port."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(metadata_for(db_path)),
        "--plugins-dir",
        str(plugins_dir()),
        "--setting",
        "sql_time_limit_ms",
        str(SQL_TIME_LIMIT_MS),
    ]


def plugins_dir() -> Path:
    """The folder of Datasette plugins `sunset serve` loads (readable cells, default query)."""
    return Path(str(resources.files("pipeline").joinpath("datasette_plugins")))
