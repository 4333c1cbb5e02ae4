"""`sunset serve`: Datasette over the store, read-only, with the canned queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    db_option,
    open_store,
)
from pipeline.cli.errors import command, fail

if TYPE_CHECKING:
    pass


@command()
@db_option
@click.option(
    "--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
def serve(db_path: str, port: int, host: str) -> None:
    """Browse the store with Datasette (read-only, with canned queries)."""
    from pipeline.ops.serve import port_problem, run_child, serve_command

    open_store(db_path, read_only=True).close()  # fail clearly now, not inside Datasette
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"warning: Datasette has no authentication: anyone who can reach {host}:{port} "
            "can read the whole store and run any SELECT; put an authenticating proxy in "
            "front of it (see README)",
            err=True,
        )
    problem = port_problem(host, port)
    if problem:
        fail(f"sunset serve: {problem}")
    argv = serve_command(db_path, port, host=host)
    url = f"http://{host}:{port}/"
    raise SystemExit(run_child(argv, lambda: click.echo(f"Datasette on {url} (Ctrl-C to stop)")))
