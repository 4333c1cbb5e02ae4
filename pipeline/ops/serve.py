"""The Datasette command line for browsing the live store (`sunset serve`).

This module owns how Datasette is started: plain read-only on the live file (not
`--immutable`, the worker keeps writing it), with the packaged `storage/metadata.yml`. That
metadata is keyed by the database name `sunset`; Datasette names a database after its file,
so for any other file name a re-keyed copy is written to a private temporary directory.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import yaml

METADATA_DATABASE = "sunset"
SQL_TIME_LIMIT_MS = 3000
STOP_GRACE_SECONDS = 10


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


def served_path(db_path: str | Path) -> Path:
    """The path Datasette is given: a symlink named `sunset.db` to `db_path` in a private
    temporary directory, so the database is always called `sunset` (its metadata, home page
    and URLs) whatever the file is called. SQLite follows the link to the real file, so its
    -wal and -shm files are the live ones. Without symlinks, the file itself."""
    real = Path(db_path).resolve()
    if real.name == f"{METADATA_DATABASE}.db":
        return real
    digest = hashlib.sha256(str(real).encode("utf-8")).hexdigest()[:16]
    user = os.getuid() if hasattr(os, "getuid") else "user"
    directory = Path(tempfile.gettempdir()) / f"sunset-watch-{user}" / f"serve-{digest}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        link = directory / f"{METADATA_DATABASE}.db"
        if not (link.is_symlink() and link.resolve() == real):
            scratch = directory / f".link.{os.getpid()}"
            scratch.unlink(missing_ok=True)
            scratch.symlink_to(real)
            scratch.replace(link)
        return link
    except OSError:
        return Path(db_path)


def templates_dir() -> Path:
    """The Datasette templates `sunset serve` uses (home page, record page)."""
    return Path(str(resources.files("pipeline.ops").joinpath("datasette_templates")))


def serve_command(db_path: str | Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """argv that serves `db_path` read-only, named `sunset`, with Sunset Watch's metadata,
    plugins and templates on host:port."""
    served = served_path(db_path)
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(served),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(metadata_for(served)),
        "--plugins-dir",
        str(plugins_dir()),
        "--template-dir",
        str(templates_dir()),
        "--setting",
        "sql_time_limit_ms",
        str(SQL_TIME_LIMIT_MS),
    ]


def plugins_dir() -> Path:
    """The folder of Datasette plugins `sunset serve` loads (readable cells, default query)."""
    return Path(str(resources.files("pipeline.ops").joinpath("datasette_plugins")))


def port_problem(host: str, port: int) -> str | None:
    """Why Datasette could not listen on host:port (in use, not allowed), or None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot use host {host!r}: {exc}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use (choose another with --port)"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def run_child(argv: list[str], on_start: Callable[[], None] = lambda: None) -> int:
    """Run Datasette as a child and never leave it behind: SIGTERM, SIGHUP or Ctrl-C to this
    process stop the child (terminate, then kill after 10 s) before we exit."""
    child = subprocess.Popen(argv)
    stop_signals = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        if child.poll() is None:
            child.terminate()

    previous = {sig: signal.signal(sig, forward) for sig in stop_signals}
    asked_at: float | None = None
    try:
        on_start()
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                # a child that waits on its open connections to close is killed 10 s after
                # it was asked to stop, as promised above (it blocked the wait forever)
                if received and asked_at is None:
                    asked_at = time.monotonic()
                if asked_at is not None and time.monotonic() - asked_at > STOP_GRACE_SECONDS:
                    child.kill()
            except KeyboardInterrupt:
                received.append(signal.SIGINT)
                if child.poll() is None:
                    child.terminate()
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if received else code
