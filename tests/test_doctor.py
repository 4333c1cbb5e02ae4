"""`sunset doctor` against real local servers: Slack stand-in, aiosmtpd, pytest-httpserver.
One line per check; exit status 1 on any failure; nothing is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from storage.db import open_db
from tests.slack_stub import SlackStub, SmtpSink, free_port


def write_config(folder: Path, *, smtp_port: int, page_url: str, slack_env: str = "DOC_TOKEN"):
    (folder / "sources.yml").write_text(
        f"sources:\n  - {{id: page, provider: acme, format: html, url: '{page_url}'}}\n"
    )
    (folder / "teams.yml").write_text(
        f"delivery:\n  slack: {{token_env: {slack_env}}}\n"
        f"  email: {{smtp_host: 127.0.0.1, smtp_port: {smtp_port}, tls: none}}\n"
        "teams:\n  - {name: core, slack_channel: '#core', email: [core@example.com], digest: off}\n"
    )


def doctor(folder: Path, *extra: str):
    return CliRunner().invoke(
        main,
        ["doctor", "--sources", str(folder / "sources.yml"), "--teams", str(folder / "teams.yml"),
         "--db", str(folder / "sunset.db"), *extra],
    )  # fmt: skip


def test_all_checks_pass(tmp_path, httpserver, monkeypatch: pytest.MonkeyPatch) -> None:
    page = "<html><body><h1>Models</h1>" + "<p>model-a is deprecated.</p>" * 40 + "</body></html>"
    httpserver.expect_request("/d").respond_with_data(page, content_type="text/html")
    with SlackStub() as slack, SmtpSink() as smtp:
        monkeypatch.setenv("DOC_TOKEN", slack.token)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        write_config(tmp_path, smtp_port=smtp.port, page_url=httpserver.url_for("/d"))
        open_db(tmp_path / "sunset.db").close()
        result = doctor(tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert all(line.startswith("ok  ") for line in lines[:-1]), result.output
    text = result.output
    assert "slack: auth.test ok" in text and "smtp: 127.0.0.1" in text and "EHLO" in text
    assert "database: " in text and "schema" in text and "source page: HTTP 200" in text
    assert lines[-1] == "all checks passed"
    assert smtp.messages == [] and slack.messages == []  # nothing sent


def test_every_failure_is_a_line_and_rc_1(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SlackStub() as slack:
        monkeypatch.setenv("DOC_TOKEN", "xoxb-wrong")
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        write_config(tmp_path, smtp_port=free_port(), page_url=f"http://127.0.0.1:{free_port()}/")
        (tmp_path / "sunset.db").write_text("not a database")
        result = doctor(tmp_path)
    assert result.exit_code == 1
    fails = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    names = [line.split(":")[0] for line in fails]
    assert names == ["FAIL  slack", "FAIL  smtp", "FAIL  database", "FAIL  source page"]
    assert "invalid_auth" in fails[0] and "xoxb-wrong" not in result.output
    assert "4 checks failed" in result.output


def test_offline_unset_env_and_no_database_yet(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DOC_TOKEN", raising=False)
    with SmtpSink() as smtp:
        write_config(tmp_path, smtp_port=smtp.port, page_url="http://127.0.0.1:9/")
        result = doctor(tmp_path, "--offline")
    assert result.exit_code == 1
    assert "FAIL  environment: environment variable DOC_TOKEN is not set" in result.output
    assert "slack:" not in result.output and "smtp:" not in result.output  # offline
    assert "ok    database:" in result.output and "does not exist yet" in result.output
    assert "source page" not in result.output
    assert not (tmp_path / "sunset.db").exists()


def test_bad_config_is_a_failed_check(tmp_path) -> None:
    (tmp_path / "sources.yml").write_text("sources: [{id: a}]\n")
    (tmp_path / "teams.yml").write_text("teams: []\n")
    result = doctor(tmp_path, "--offline")
    assert result.exit_code == 1
    assert result.output.startswith("FAIL  config: ")


def test_usage_sources_that_cannot_pull_are_named(tmp_path, monkeypatch) -> None:
    """A usage source's unset key (or missing OpenTelemetry folder) used to pass as 'every
    variable teams.yml names is set'; doctor fails it and check warns, never printing a value."""
    with SlackStub() as slack, SmtpSink() as smtp:
        monkeypatch.setenv("DOC_TOKEN", slack.token)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        monkeypatch.delenv("DOC_USAGE_KEY", raising=False)
        write_config(tmp_path, smtp_port=smtp.port, page_url="http://127.0.0.1:9/")
        with (tmp_path / "teams.yml").open("a") as teams:
            teams.write(
                "usage_sources:\n"
                "  - {id: org, kind: openai_usage, key_env: DOC_USAGE_KEY,"
                " teams: [{match: 'p*', team: core}]}\n"
                f"  - {{id: otel, kind: otel_files, path: '{tmp_path / 'nowhere'}',"
                " teams: [{match: x, team: core}]}\n"
            )
        result = doctor(tmp_path, "--offline")
        assert result.exit_code == 1
        assert (
            "FAIL  environment: environment variable DOC_USAGE_KEY is not set "
            "(the key of usage source org)" in result.output
        )
        assert f"FAIL  environment: usage source otel: {tmp_path / 'nowhere'}" in result.output
        assert "every variable teams.yml names is set" not in result.output
        check = CliRunner().invoke(
            main,
            ["check", "--sources", str(tmp_path / "sources.yml"),
             "--teams", str(tmp_path / "teams.yml")],
        )  # fmt: skip
        assert check.exit_code == 0
        assert "warning: " in check.output and "DOC_USAGE_KEY is not set" in check.output
        monkeypatch.setenv("DOC_USAGE_KEY", "sk-admin-doc-0123456789")
        (tmp_path / "nowhere").mkdir()
        result = doctor(tmp_path, "--offline")
    assert "ok    environment: every variable teams.yml names is set" in result.output
    assert "sk-admin-doc" not in result.output


def test_offline_contacts_neither_slack_nor_smtp(tmp_path, monkeypatch) -> None:
    import socket

    with SlackStub() as slack, socket.create_server(("127.0.0.1", 0)) as smtp:
        smtp.setblocking(False)
        monkeypatch.setenv("DOC_TOKEN", slack.token)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        write_config(tmp_path, smtp_port=smtp.getsockname()[1], page_url="http://127.0.0.1:9/")
        result = doctor(tmp_path, "--offline")
        assert slack.requests == 0
        with pytest.raises(BlockingIOError):
            smtp.accept()  # nobody connected
    assert "slack:" not in result.output and "smtp:" not in result.output


def test_a_refused_token_is_never_used(tmp_path, monkeypatch, caplog) -> None:
    token = "xoxb-1234-SECRETPART\n5678"
    with SlackStub() as slack, SmtpSink() as smtp:
        monkeypatch.setenv("DOC_TOKEN", token)
        monkeypatch.setenv("SUNSET_SLACK_API_URL", slack.api_url)
        write_config(tmp_path, smtp_port=smtp.port, page_url="http://127.0.0.1:9/")
        result = doctor(tmp_path, "--offline")
        online = doctor(tmp_path)
        assert slack.requests == 0  # slack-sdk was never called with it
    assert "FAIL  slack: auth.test not tried: DOC_TOKEN contains a space" in online.output
    for text in (result.output, online.output, caplog.text):
        assert "SECRETPART" not in text and "Traceback" not in text
