"""Secrets never leak, whatever shape their values are in (issue 13, failure 4).

A bot token with a line break inside, a webhook URL with a stray space or without its
scheme: none may reach the database, a log line (ours or slack-sdk's), an ops e-mail or a
Slack message, in any form (raw, stripped, escaped repr, percent-encoded, URL path); and
`sunset check` (and every command that delivers) refuses them without printing them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.alerts.notify.outbox import build_notifiers, deliver_due
from pipeline.cli import main
from pipeline.core.clock import iso
from pipeline.core.config import TeamsFile
from pipeline.core.models import Alert, AlertItem
from pipeline.core.redact import Redactor, forms, protect
from storage import alerts as outbox
from tests.conftest import NOW
from tests.slack_stub import TOKEN, SlackStub, SmtpSink, free_port

SENTINEL = "SENTINELxyz"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStub]:
    with SlackStub() as running:
        monkeypatch.setenv("SUNSET_SLACK_API_URL", running.api_url)
        yield running


def malformed(stub: SlackStub) -> dict[str, tuple[str, str]]:
    """name -> (environment variable, value): values that used to leak."""
    hook = stub.webhook_url.removeprefix("http://")
    closed = f"http://127.0.0.1:{free_port()}/webhook/T0/B0/{SENTINEL}hook"
    return {
        "token-with-newline": ("SW_LEAK_TOKEN", f"xoxb-{SENTINEL}-1\n2345678"),
        "token-with-space": ("SW_LEAK_TOKEN", f"xoxb-{SENTINEL}-1 2345678"),
        "hook-inner-space": ("SW_LEAK_HOOK", f"{stub.webhook_url}/{SENTINEL} part"),
        "hook-no-scheme": ("SW_LEAK_HOOK", f"{hook}/{SENTINEL}hook "),
        "hook-trailing-space": ("SW_LEAK_HOOK", f"{closed}  "),
    }


CASES = [
    "token-with-newline",
    "token-with-space",
    "hook-inner-space",
    "hook-no-scheme",
    "hook-trailing-space",
]


def teams(smtp_port: int) -> TeamsFile:
    return TeamsFile.model_validate(
        {
            "delivery": {
                "slack": {"token_env": "SW_LEAK_TOKEN"},
                "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "timeout": 5},
                "ops": {"email": ["ops@example.com"]},
                "max_attempts": 1,
            },
            "teams": [
                {"name": "payments", "slack_channel": "#pay"},
                {"name": "search", "webhook_env": "SW_LEAK_HOOK"},
            ],
        }
    )


def enqueue(db: sqlite_utils.Database, team: str) -> None:
    alert = Alert(
        team=team,
        channel="slack",
        kind="new",
        title="Deprecations",
        items=(AlertItem(kind="new", provider="openai", model="gpt-4-0613"),),
    )
    outbox.enqueue(
        db,
        team=team,
        kind="new",
        channel="slack",
        idempotency_key=team,
        payload=alert.to_payload(),
        now=iso(NOW),
    )


def leaks(text: str) -> bool:
    return SENTINEL in text or SENTINEL.lower() in text.lower()


@pytest.mark.parametrize("case", CASES)
def test_malformed_secret_never_leaks(
    case: str,
    db: sqlite_utils.Database,
    stub: SlackStub,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("slack_sdk").setLevel(logging.DEBUG)
    monkeypatch.setenv("SW_LEAK_TOKEN", TOKEN)
    env, value = malformed(stub)[case]
    monkeypatch.setenv(env, value)
    with SmtpSink() as sink:
        route = build_notifiers(teams(sink.port), timeout=2, rate_limit_retries=0)
        enqueue(db, "payments" if env == "SW_LEAK_TOKEN" else "search")
        for minute in range(3):
            deliver_due(db, route, now=NOW + minute * MINUTE)
    dump = repr(list(db.query("SELECT * FROM alerts"))) + repr(
        list(db.query("SELECT * FROM destinations"))
    )
    assert not leaks(dump)
    assert not leaks(caplog.text)
    assert sink.messages, "ops was told"
    for message in sink.messages:
        assert not leaks(message.as_string())
    assert not leaks(repr(stub.messages) + repr(stub.webhook_messages))
    assert env in dump  # the variable is named, its value never


@pytest.mark.parametrize("case", [case for case in CASES if case != "hook-trailing-space"])
def test_check_refuses_a_malformed_secret_without_printing_it(
    case: str, tmp_path: Path, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, value = malformed(stub)[case]
    monkeypatch.setenv(env, value)
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - {id: a, provider: openai, format: html, url: 'https://example.com/'}\n"
    )
    (tmp_path / "teams.yml").write_text(
        "delivery: {slack: {token_env: SW_LEAK_TOKEN}}\n"
        "teams:\n  - {name: search, webhook_env: SW_LEAK_HOOK}\n"
    )
    paths = ["--sources", str(tmp_path / "sources.yml"), "--teams", str(tmp_path / "teams.yml")]
    for argv in (["check", *paths], ["deliver", "--teams", paths[3], "--db", str(tmp_path / "d")]):
        result = CliRunner().invoke(main, argv, catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert env in result.output and not leaks(result.output)
        assert "Traceback" not in result.output


def test_padded_secret_is_used_stripped(
    db: sqlite_utils.Database, stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SW_LEAK_TOKEN", f"  {TOKEN}\n")
    monkeypatch.setenv("SW_LEAK_HOOK", f" {stub.webhook_url} ")
    enqueue(db, "payments")
    enqueue(db, "search")
    assert deliver_due(db, build_notifiers(teams(free_port())), now=NOW).sent == 2


@pytest.mark.parametrize(
    "shape",
    [
        lambda s: s,
        lambda s: s.strip(),
        lambda s: repr(s),
        lambda s: repr(("Bearer " + s).encode()),
        lambda s: quote(s, safe=""),
        lambda s: quote(s.strip()),
        lambda s: s.strip().split("/", 3)[-1],  # the URL's path
    ],
)
def test_every_form_is_redacted_in_third_party_logs(
    shape: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    secret = f" https://hooks.example.com/services/T0/B0/{SENTINEL}a b\n"
    protect({"SW_FORM_HOOK": secret})
    caplog.set_level(logging.DEBUG)
    third_party = logging.getLogger("slack_sdk.webhook.client")
    third_party.debug("Sending a request - url: %s", shape(secret))
    try:
        raise ValueError(f"bad header {shape(secret)}")
    except ValueError:
        third_party.exception("failed")
    assert "<SW_FORM_HOOK>" in caplog.text
    assert not leaks(caplog.text)
    assert not leaks(Redactor({"X": secret})(shape(secret)))
    assert all(len(form) >= 6 for form in forms(secret))


def test_password_may_contain_spaces_but_not_line_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - {id: a, provider: openai, format: html, url: 'https://example.com/'}\n"
    )
    (tmp_path / "teams.yml").write_text(
        "delivery: {email: {password_env: SW_LEAK_PASSWORD}}\nteams: []\n"
    )
    argv = ["check", "--sources", str(tmp_path / "sources.yml")]
    argv += ["--teams", str(tmp_path / "teams.yml")]
    monkeypatch.setenv("SW_LEAK_PASSWORD", f"abcd efgh {SENTINEL}")  # an app password
    assert CliRunner().invoke(main, argv).exit_code == 0
    monkeypatch.setenv("SW_LEAK_PASSWORD", f"abcd\n{SENTINEL}")
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2 and "SW_LEAK_PASSWORD" in result.output
    assert not leaks(result.output)


SMTP_PASSWORD = "Tr0ub4dor&3-correct-horse"


@pytest.mark.parametrize("user", ["", "u", "ab", "alerts@example.com"])
def test_every_encoding_of_a_secret_is_redacted(user: str) -> None:
    """SMTP AUTH echoed back (issue 23, item 6): base64 of the password, of the AUTH PLAIN
    blob `\\0user\\0password` at any alignment, hex, URL-encoded."""
    import base64

    redact = Redactor({"SW_SMTP_PASSWORD": SMTP_PASSWORD})
    raw = SMTP_PASSWORD.encode()
    plain = base64.b64encode(f"\0{user}\0{SMTP_PASSWORD}".encode()).decode()
    echoes = [
        f"535 5.7.8 bad credentials: {plain}",
        f"334 {base64.b64encode(raw).decode()}",
        f"token {base64.urlsafe_b64encode(raw).decode().rstrip('=')}",
        f"hex {raw.hex()} HEX {raw.hex().upper()}",
        f"form password={quote(SMTP_PASSWORD, safe='')}",
        f"nul-separated \0{user}\0{SMTP_PASSWORD}",
    ]
    for echo in echoes:
        cleaned = redact(echo)
        assert "<SW_SMTP_PASSWORD>" in cleaned, echo
        # Nothing that decodes back to a 6-character piece of the password is left.
        for token in cleaned.split():
            for candidate in (token, token + "=", token + "=="):
                try:
                    decoded = base64.b64decode(candidate, validate=False)
                except ValueError:
                    continue
                assert not any(
                    SMTP_PASSWORD[i : i + 8].encode() in decoded
                    for i in range(len(SMTP_PASSWORD) - 8)
                ), (echo, cleaned)
        assert SMTP_PASSWORD[:8] not in cleaned and raw.hex()[:12] not in cleaned.lower()


def test_a_webhook_error_body_is_redacted_before_it_is_cut(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 400 whose body echoes the webhook URL near the 100-character cut (issue 23, item 7)."""
    from tests.faults import RawServer, respond

    secret = "Zq8xK2mW9pL4vN7rT1yB6cD3"

    def handler(conn, request: bytes, server: RawServer) -> None:
        path = request.split(b" ", 2)[1].decode()
        respond(conn, 400, ("no_service: " + "x" * 62 + f" for {path}").encode())

    with RawServer(handler) as server:
        monkeypatch.setenv("SW_CUT_HOOK", server.url(f"/services/T0/B0/{secret}"))
        teams = TeamsFile.model_validate(
            {
                "delivery": {"ops": {"slack_channel": "#ops"}},
                "teams": [{"name": "payments", "webhook_env": "SW_CUT_HOOK"}],
            }
        )
        alert = Alert(team="payments", channel="slack", kind="new", title="t", items=())
        outbox.enqueue(
            db,
            team="payments",
            kind="new",
            channel="slack",
            idempotency_key="cut",
            payload=alert.to_payload(),
            now=iso(NOW),
        )
        deliver_due(db, build_notifiers(teams, timeout=2), now=NOW)
    [row] = db.query("SELECT last_error FROM alerts WHERE idempotency_key = 'cut'")
    error = row["last_error"] or ""
    assert "HTTP 400" in error
    assert not any(secret[i : i + 4] in error for i in range(len(secret) - 4)), error
