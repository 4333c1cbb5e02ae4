"""`sunset serve`: Datasette over the store, read-only, with the canned queries; with
`--slack-port`, also the Slack request URL (pipeline/cli/slack.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    db_option,
    open_store,
    teams_option_with,
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
@click.option(
    "--slack-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Also answer Slack button clicks at http://SLACK-HOST:PORT/slack/actions.",
)
@click.option("--slack-host", default="127.0.0.1", show_default=True, help="Its address.")
@teams_option_with("teams.yml naming the Slack signing secret's variable (with --slack-port).")
@click.pass_context
def serve(
    ctx: click.Context,
    db_path: str,
    port: int,
    host: str,
    slack_port: int | None,
    slack_host: str,
    teams_path: Path,
) -> None:
    """Browse the store with Datasette (read-only, with canned queries); with --slack-port,
    also the request URL answering Slack button clicks."""
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
    if slack_port == port:
        fail(f"sunset serve: --slack-port {slack_port} is Datasette's --port: choose another")
    slack = None
    if slack_port is not None:  # pipeline/cli/slack.py: its own port, Datasette stays local
        from pipeline.cli.slack import request_url_server

        given = ctx.get_parameter_source("teams_path") != click.core.ParameterSource.DEFAULT
        slack = request_url_server(db_path, teams_path, given, slack_host, slack_port).start()
        click.echo(f"Slack request URL on {slack.url}")
    try:
        code = run_child(argv, lambda: click.echo(f"Datasette on {url} (Ctrl-C to stop)"))
    finally:
        if slack is not None:
            slack.stop()
    raise SystemExit(code)
