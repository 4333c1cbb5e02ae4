"""`sunset slack-listen` (Socket Mode) and the Slack request URL that `sunset serve
--slack-port` starts; pipeline/alerts/slack_actions does the work. This module reads the Slack
app's secrets from the environment variables teams.yml names
(`delivery.slack.signing_secret_env`, `app_token_env`), refusing a missing or malformed one in
one line that names the variable, never its value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import db_option, teams_option_with
from pipeline.cli.errors import command
from pipeline.core.errors import ConfigError
from storage.common import StoreError

if TYPE_CHECKING:  # the rest loads when a command runs: `sunset --help` stays cheap
    from pipeline.alerts.slack_actions.handler import ClickHandler
    from pipeline.alerts.slack_actions.request_url import RequestUrlServer
    from pipeline.core.config import TeamsFile


def _teams(path: Path, given: bool) -> TeamsFile:
    """teams.yml (only its `delivery.slack` is read here); the defaults when the default
    file is absent, an error when a `--teams FILE` given is."""
    from pipeline.core.config import TeamsFile, load_teams

    if path.exists():
        return load_teams(path)
    if given:
        raise ConfigError(f"{path}: file not found (given with --teams)")
    return TeamsFile()


def _secret(env: str, what: str, prefix: str | None = None) -> str:
    from pipeline.core.redact import env_secrets, problem, protect

    value = (env_secrets([env]).get(env) or "").strip()
    if not value:
        raise ConfigError(f"environment variable {env} is not set ({what}, named in teams.yml)")
    if why := problem(value, kind="token"):
        raise ConfigError(f"environment variable {env} {why} ({what})")
    if prefix and not value.startswith(prefix):
        raise ConfigError(f"environment variable {env} is not {what} (it starts {prefix}...)")
    protect({env: value})
    return value


def _handler(db_path: str) -> ClickHandler:
    import datetime as dt

    from pipeline.alerts.slack_actions.handler import ClickHandler
    from storage.db import open_db

    if db_path == ":memory:" or not Path(db_path).is_file():
        raise StoreError(f"{db_path}: no database here (run `sunset run` first, or pass --db)")
    open_db(db_path).close()  # fail now (not a SQLite file, too new), not at the first click
    return ClickHandler(lambda: open_db(db_path), lambda: dt.datetime.now(dt.UTC))


def request_url_server(
    db_path: str, teams_path: Path, teams_given: bool, host: str, port: int
) -> RequestUrlServer:
    """The Slack request URL server for `sunset serve --slack-port`, not yet started."""
    import time

    from pipeline.alerts.slack_actions.guard import RequestGuard
    from pipeline.alerts.slack_actions.request_url import RequestUrlServer, SlackActionsApp

    slack = _teams(teams_path, teams_given).delivery.slack
    secret = _secret(slack.signing_secret_env, "the Slack app's signing secret")
    app = SlackActionsApp(RequestGuard(secret, time.time), _handler(db_path))
    try:
        return RequestUrlServer(app, host, port)
    except OSError as exc:
        import socket  # here, not at start-up: `sunset --help` never needs it

        app.close()
        hint = (
            "check --slack-host"
            if isinstance(exc, socket.gaierror)
            else "choose another --slack-port"
        )
        raise ConfigError(
            f"cannot listen on {host}:{port} for Slack: {exc.strerror or exc} ({hint})"
        ) from None


@command(name="slack-listen")
@db_option
@teams_option_with("teams.yml naming the app-level token's environment variable.")
@click.pass_context
def slack_listen(ctx: click.Context, db_path: str, teams_path: Path) -> None:
    """Answer Slack button clicks over Socket Mode (no public URL needed; Ctrl-C stops)."""
    from pipeline.alerts.slack_actions.socket_mode import Listener
    from pipeline.core.config import slack_api_url

    given = ctx.get_parameter_source("teams_path") != click.core.ParameterSource.DEFAULT
    teams = _teams(teams_path, given)
    slack = teams.delivery.slack
    token = _secret(slack.app_token_env, "a Slack app-level token", prefix="xapp-")
    handler = _handler(db_path)
    with Listener(token, slack_api_url(teams.delivery), handler) as listener:
        click.echo(f"listening for Slack clicks over Socket Mode, store {db_path} (Ctrl-C to stop)")
        listener.wait()
