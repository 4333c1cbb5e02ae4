"""`sunset doctor`: is this installation ready to run? One `Check` per thing that can be wrong.

Checks, in order: both config files; every environment variable they name for a destination
in use (set, well formed); Slack `auth.test` with the bot token; SMTP connect + EHLO (and
STARTTLS or SSL, and the login when credentials are named), neither with a refused secret
nor offline; the database (writable and at
this program's schema version, or a writable folder for the first run to create it); and,
unless offline, that each enabled source answers with the kind of document it should (not
a bot challenge or a JavaScript shell; a model list with models) and that each enabled usage
source's key can read what its pull reads (`pipeline.usage.pullers.probe`, naming a missing
permission). Nothing is written, sent or created.
"""

from __future__ import annotations

import logging
import os
import smtplib
import sqlite3
import ssl
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.config import (
    ConfigError,
    SourceConfig,
    SourcesFile,
    TeamsFile,
    load_sources,
    load_teams,
)
from pipeline.core.wording import count

SOURCE_TIMEOUT_S = 15.0
SOURCE_WORKERS = 8
SOURCE_MAX_BYTES = 2 * 1024 * 1024  # enough of a page to judge what it is


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def run_checks(
    sources_path: Path, teams_path: Path, db_path: str, *, offline: bool = False
) -> Iterator[Check]:
    """Yield each check's result as soon as it is known."""
    sources = teams = None
    try:
        sources = load_sources(sources_path)
        enabled = sum(1 for s in sources.sources if s.enabled)
        yield Check("config", True, f"{sources_path}: {count(enabled, 'enabled source')}")
    except ConfigError as exc:
        yield Check("config", False, " / ".join(str(exc).splitlines()))
    try:
        teams = load_teams(teams_path)
        yield Check("config", True, f"{teams_path}: {count(len(teams.teams), 'team')}")
    except ConfigError as exc:
        yield Check("config", False, " / ".join(str(exc).splitlines()))
    if teams is not None:
        yield from _environment(teams)
        if not offline:  # offline means no network at all: not Slack, not SMTP either
            yield from _slack(teams)
            yield from _smtp(teams)
    yield _database(db_path)
    if sources is not None and not offline:
        yield from _sources([s for s in sources.sources if s.enabled])
    if teams is not None and not offline:
        yield from _usage_sources(teams)


def _usage_sources(teams: TeamsFile) -> Iterator[Check]:
    import datetime as dt

    from pipeline.usage.pullers.probe import probe

    now = dt.datetime.now(dt.UTC)
    for source in teams.usage_sources:
        if source.enabled:
            result = probe(source, now=now)
            yield Check(f"usage source {source.id}", result.ok, result.detail)


def _environment(teams: TeamsFile) -> Iterator[Check]:
    from pipeline.alerts.notify.router import missing_secrets, secret_problems
    from pipeline.core.usage_config import usage_source_gaps

    problems = (
        missing_secrets(teams) + secret_problems(teams) + usage_source_gaps(teams.usage_sources)
    )
    if not problems:
        yield Check("environment", True, "every variable teams.yml names is set")
    for problem in problems:
        yield Check("environment", False, problem)


def _slack_channels(teams: TeamsFile) -> list[str]:
    channels = [t.slack_channel for t in teams.teams if t.slack_channel]
    return channels + (
        [teams.delivery.ops.slack_channel] if teams.delivery.ops.slack_channel else []
    )


def _slack(teams: TeamsFile) -> Iterator[Check]:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError, SlackClientError

    from pipeline.core.config import slack_api_url
    from pipeline.core.redact import Redactor, problem

    if not _slack_channels(teams):
        return
    name = teams.delivery.slack.token_env
    token = (os.environ.get(name) or "").strip()
    if not token:
        yield Check("slack", False, f"auth.test not tried: {name} is not set")
        return
    if why := problem(os.environ.get(name) or "", kind="token"):
        # A refused secret is never used: slack-sdk would log it whole with a traceback.
        yield Check("slack", False, f"auth.test not tried: {name} {why}")
        return
    client = WebClient(
        token=token,
        base_url=slack_api_url(teams.delivery),
        timeout=10,
        logger=logging.getLogger("pipeline.ops.doctor.slack_sdk"),
    )
    try:
        reply = client.auth_test()
        yield Check("slack", True, f"auth.test ok (team {reply.get('team')}, {reply.get('user')})")
    except SlackApiError as exc:
        yield Check("slack", False, f"auth.test refused: {exc.response.get('error')}")
    except (SlackClientError, OSError) as exc:
        text = Redactor({name: token})(f"{type(exc).__name__}: {exc}")
        yield Check("slack", False, f"auth.test failed: {text}")


def _smtp(teams: TeamsFile) -> Iterator[Check]:
    d = teams.delivery.email
    if not (any(t.email for t in teams.teams) or teams.delivery.ops.email):
        return
    where = f"{d.smtp_host}:{d.smtp_port}"
    from pipeline.core.redact import Redactor, problem

    user = os.environ.get(d.username_env or "") if d.username_env else None
    password = os.environ.get(d.password_env or "") if d.password_env else None
    if password and (why := problem(password, kind="password")):
        yield Check("smtp", False, f"{where}: not tried: {d.password_env} {why}")
        return
    steps = ["connect", "EHLO"]
    try:
        if d.tls == "ssl":
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                d.smtp_host, d.smtp_port, timeout=d.timeout, context=context
            )
            steps.insert(1, "SSL")
        else:
            smtp = smtplib.SMTP(d.smtp_host, d.smtp_port, timeout=d.timeout)
        with smtp:
            smtp.ehlo()
            if d.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                steps.append("STARTTLS")
            if user and password:
                smtp.login(user.strip(), password.strip())
                steps.append("login")
        yield Check("smtp", True, f"{where}: {' + '.join(steps)} ok")
    except (smtplib.SMTPException, OSError) as exc:
        text = str(exc)
        if password:
            text = Redactor({d.password_env or "password": password})(text)
        yield Check("smtp", False, f"{where}: {type(exc).__name__}: {text[:200]}")


def _database(db_path: str) -> Check:
    from storage.schema import SCHEMA_VERSION

    path = Path(db_path)
    if not path.exists():
        folder = path.parent if str(path.parent) else Path(".")
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Check("database", True, f"{db_path} does not exist yet; `sunset run` creates it")
        return Check("database", False, f"{db_path}: folder {folder} is missing or not writable")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=5)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock, changes nothing
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        from storage.db import describe

        return Check("database", False, f"{db_path}: {describe(exc)}")
    if version > SCHEMA_VERSION:
        return Check("database", False, f"{db_path}: schema {version} is newer than this program's")
    if version < SCHEMA_VERSION:
        return Check(
            "database",
            False,
            f"{db_path}: schema {version}, this program's is {SCHEMA_VERSION} "
            "(the next `sunset run` migrates it)",
        )
    return Check("database", True, f"{db_path}: writable, schema {version} (current)")


def _sources(sources: list[SourceConfig]) -> Iterator[Check]:
    with ThreadPoolExecutor(max_workers=SOURCE_WORKERS) as pool:
        yield from pool.map(probe_source, sources)


def probe_source(source: SourceConfig) -> Check:
    """Fetch one source and say whether it answers with the kind of document it should: a
    page its format and content (`pipeline.fetch.looks`), a model list a readable list."""
    if source.kind == "model_list":
        return _probe_model_list(source)
    import httpx

    from pipeline.fetch.looks import judge
    from pipeline.fetch.settings import DEFAULT_USER_AGENT as agent

    name = f"source {source.id}"
    try:
        with (
            httpx.Client(
                timeout=SOURCE_TIMEOUT_S,
                follow_redirects=True,
                headers={"User-Agent": agent},
            ) as client,
            client.stream("GET", str(source.url)) as response,
        ):
            if response.status_code >= 400:
                return Check(name, False, f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= SOURCE_MAX_BYTES:
                    break
    except httpx.HTTPError as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}"[:200])
    if source.kind == "reference":
        return Check(name, True, f"HTTP {response.status_code}, {len(body):,} bytes")
    verdict = judge(bytes(body), format=source.format, content=source.content)
    return Check(name, verdict.ok, f"HTTP {response.status_code}, {verdict.detail}")


def _probe_model_list(source: SourceConfig) -> Check:
    from pipeline.fetch.errors import PullError
    from pipeline.fetch.settings import FetchSettings
    from pipeline.sources.model_lists.pull import pull_listing

    name = f"source {source.id}"
    settings = FetchSettings(attempts=1, total_timeout=SOURCE_TIMEOUT_S)
    try:
        listing = pull_listing(source, settings=settings)
    except PullError as exc:
        return Check(name, False, str(exc)[:200])
    dated = sum(1 for m in listing.models if m.deprecation)
    return Check(
        name,
        bool(listing.models),
        f"model list of {count(len(listing.models), 'model')}"
        + (f", {dated} with a deprecation date" if dated else ""),
    )


Printer = Callable[[str], None]


def report(checks: Iterator[Check], echo: Printer) -> int:
    """Print one line per check; return how many failed."""
    failed = 0
    for check in checks:
        echo(check.line())
        failed += not check.ok
    return failed


def config_warnings(
    sources: SourcesFile, teams: TeamsFile, sources_path: Path, teams_path: Path
) -> list[str]:
    """What `sunset check` warns about in a valid configuration: credentials in a source URL,
    a key's or a destination's environment variable unset, usage sources that cannot pull,
    no enabled source, no team."""
    from pipeline.alerts.notify.router import missing_secrets
    from pipeline.core.usage_config import usage_source_gaps, usage_source_warnings
    from pipeline.fetch.credentials import credential_parts

    warnings = (
        [
            f"{sources_path}: source {source.id}: URL carries credentials "
            f"({', '.join(parts)}); they are used to fetch but never stored or shown"
            for source in sources.sources
            if (parts := credential_parts(str(source.url)))
        ]
        + [
            f"{sources_path}: source {source.id}: environment variable {source.key_env} is not "
            "set (the model list's key): its pulls fail until it is"
            for source in sources.sources
            if source.enabled
            and source.key_env
            and not (os.environ.get(source.key_env) or "").strip()
        ]
        + [
            f"{teams_path}: {line}"
            for line in missing_secrets(teams)
            + usage_source_gaps(teams.usage_sources)
            + usage_source_warnings(teams.usage_sources)
        ]
    )
    if not any(s.enabled for s in sources.sources):
        warnings.insert(0, f"{sources_path}: no enabled source: `sunset run` would watch nothing")
    if not teams.teams:
        warnings.append(f"{teams_path}: no team: nobody would be alerted")
    return warnings
