"""Local stand-ins for Slack's Web API / incoming webhooks (a real HTTP server) and SMTP.

`POST /api/chat.postMessage` checks the bearer token, a JSON body with `channel` and `text`,
and Block Kit limits (50 blocks, section text 3000, header 150) the way Slack answers them;
`POST /webhook/<anything>` accepts incoming-webhook posts and answers "ok". Both can be told
to answer 429 (with Retry-After) or 500 for the next calls, or to accept the next posts and
answer only after `stall` seconds (past the client's timeout). Accepted messages are recorded.

As Slack's Web API does: `chat.postMessage` takes `metadata` (an object, or a JSON string,
with a string `event_type` and an object `event_payload`; anything else is
`invalid_metadata_format`), refuses a channel name Slack could not have
(`channel_not_found`), and answers with the channel's ID and a `ts`.
`GET conversations.history` (channel ID only, `oldest`/`latest`/`limit` <= 999/`cursor`,
newest first) shows a message's `metadata` only with `include_all_metadata=true`;
`GET conversations.list` pages through the channels (`limit` <= 1000). Message times come
from `clock` (default: the wall clock) so tests can inject theirs.
Interactivity: `response_url(channel, ts)` makes the URL Slack puts in a click's payload;
a JSON post to it (`text`/`blocks`, boolean `replace_original`, `response_type` ephemeral or
in_channel) is checked against Block Kit's limits (actions and context blocks too), refused
once used 5 times or after 30 minutes (`expired_url`), recorded in `responses`, and with
`replace_original` replaces the stored message. `apps.connections.open` takes an app-level
token only and answers with a WebSocket URL of `socket_mode` (tests/slack_socket_stub.py).
`SmtpSink` is an aiosmtpd `Controller` on a free loopback port collecting messages.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.slack_blocks import block_problems

TOKEN = "xoxb-test-0000-stub"
CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")  # Slack: lowercase, digits, - and _
__all__ = ["TOKEN", "SlackStub", "SmtpSink", "block_problems", "free_port", "point_env_at"]


class SlackStub:
    """Run with `with SlackStub() as stub:`; `stub.api_url`, `stub.webhook_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []
        self.webhook_messages: list[dict[str, Any]] = []
        self.requests = 0
        self.clock = time.time
        self.history_reads = 0
        self.channels: dict[str, str] = {}  # name -> ID, created as first posted to
        self.responses: list[dict[str, Any]] = []  # accepted posts to response_urls
        self.socket_mode: Any = None  # a tests.slack_socket_stub.SocketModeStub, if any
        self.app_token = "xapp-1-A0STUB-0000-stubstubstub"
        self.refused_responses: list[tuple[str, Any]] = []  # (error, body)
        self._response_urls: dict[str, dict[str, Any]] = {}  # path -> {ts, uses, channel, ts}
        self._stalls: list[float] = []
        self._ts = 0
        self._faults: list[tuple[int, int | None] | None] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stub._handle(self)

            def do_GET(self) -> None:
                stub._handle_get(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        port = self._server.server_address[1]
        self.api_url = f"http://127.0.0.1:{port}/api/"
        self.webhook_url = f"http://127.0.0.1:{port}/webhook/T000/B000/stub"

    def fail_next(
        self, count: int, status: int = 500, retry_after: int | None = None, *, after: int = 0
    ) -> None:
        """Answer `count` requests with `status` (429 carries Retry-After), after letting the
        next `after` requests through."""
        with self._lock:
            self._faults.extend([None] * after + [(status, retry_after)] * count)

    def stall_next(self, count: int, seconds: float) -> None:
        """Accept (record) the next `count` posts but answer each only after `seconds`."""
        with self._lock:
            self._stalls.extend([seconds] * count)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def __enter__(self) -> SlackStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        with self._lock:
            self.requests += 1
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            self._reply(request, status, {"ok": False, "error": "ratelimited"}, headers)
            return
        path = urlsplit(request.path).path
        if path in ("/api/conversations.history", "/api/conversations.list"):
            # Slack takes arguments as a query string or a form-encoded POST body.
            self._handle_get(request, raw.decode("utf-8", "replace"))
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if request.path.startswith("/webhook/"):
            self._webhook(request, body)
        elif request.path.startswith("/actions/"):
            self._respond(request, body)
        elif request.path == "/api/chat.postMessage":
            self._post_message(request, body)
        elif request.path == "/api/apps.connections.open":
            self._connections_open(request)
        elif request.path == "/api/auth.test":
            ok = request.headers.get("Authorization") == f"Bearer {self.token}"
            answer = {"ok": True, "team": "Stub", "user": "sunset"} if ok else None
            self._reply(request, 200, answer or {"ok": False, "error": "invalid_auth"})
        else:
            self._reply(request, 404, {"ok": False, "error": "unknown_method"})

    def _post_message(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self._reply(request, 200, {"ok": False, "error": "invalid_auth"})
            return
        if not isinstance(body, dict) or not body.get("channel") or not body.get("text"):
            self._reply(request, 200, {"ok": False, "error": "invalid_arguments"})
            return
        if block_problems(body.get("blocks")):
            self._reply(request, 200, {"ok": False, "error": "invalid_blocks"})
            return
        meta = body.get("metadata")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except ValueError:
                meta = []
        if meta is not None and not (
            isinstance(meta, dict)
            and isinstance(meta.get("event_type"), str)
            and meta["event_type"]
            and isinstance(meta.get("event_payload"), dict)
        ):
            self._reply(request, 200, {"ok": False, "error": "invalid_metadata_format"})
            return
        channel = self._channel_id(str(body["channel"]))
        if channel is None:
            self._reply(request, 200, {"ok": False, "error": "channel_not_found"})
            return
        with self._lock:
            self._ts += 1
            ts = f"{self.clock():.0f}.{self._ts:06d}"
            self.messages.append({**body, "ts": ts, "channel_id": channel, "metadata": meta})
            stall = self._stalls.pop(0) if self._stalls else 0.0
        if stall:
            time.sleep(stall)
        self._reply(request, 200, {"ok": True, "channel": channel, "ts": ts})

    def _channel_id(self, channel: str) -> str | None:
        with self._lock:
            if channel in self.channels.values():
                return channel
            name = channel.removeprefix("#")
            if not CHANNEL_NAME.match(name):
                return None
            return self.channels.setdefault(name, f"C{len(self.channels) + 1:08d}")

    def _handle_get(self, request: BaseHTTPRequestHandler, form: str = "") -> None:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if "application/x-www-form-urlencoded" in (request.headers.get("Content-Type") or ""):
            query.update({k: v[-1] for k, v in parse_qs(form).items()})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self._reply(request, 200, {"ok": False, "error": "not_authed"})
        elif parts.path == "/api/conversations.history":
            self._history(request, query)
        elif parts.path == "/api/conversations.list":
            self._list(request, query)
        else:
            self._reply(request, 404, {"ok": False, "error": "unknown_method"})

    @staticmethod
    def _flag(value: str | None) -> bool:
        return (value or "").lower() in ("1", "true")

    def _history(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        channel = query.get("channel", "")
        with self._lock:
            self.history_reads += 1
            known = channel in self.channels.values()
            found = [m for m in self.messages if m["channel_id"] == channel]
        if not known:
            self._reply(request, 200, {"ok": False, "error": "channel_not_found"})
            return
        try:
            limit = min(int(query.get("limit", "100")), 999)
            oldest = float(query.get("oldest", "0"))
            latest = float(query.get("latest") or "inf")
            start = int(query.get("cursor") or 0)
        except ValueError:
            self._reply(request, 200, {"ok": False, "error": "invalid_arguments"})
            return
        found = [m for m in reversed(found) if oldest <= float(m["ts"]) <= latest]
        page = found[start : start + limit]
        more = start + limit < len(found)
        show_meta = self._flag(query.get("include_all_metadata"))
        messages = []
        for m in page:
            shown = {"type": "message", "bot_id": "B0STUB", "text": m["text"], "ts": m["ts"]}
            if show_meta and m.get("metadata"):
                shown["metadata"] = m["metadata"]
            messages.append(shown)
        answer = {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }
        self._reply(request, 200, answer)

    def _list(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        limit = min(int(query.get("limit") or 100), 1000)
        start = int(query.get("cursor") or 0)
        with self._lock:
            channels = sorted(self.channels.items())
        page = channels[start : start + limit]
        more = start + limit < len(channels)
        answer = {
            "ok": True,
            "channels": [
                {"id": i, "name": n, "is_channel": True, "is_archived": False} for n, i in page
            ],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }
        self._reply(request, 200, answer)

    def _connections_open(self, request: BaseHTTPRequestHandler) -> None:
        """Socket Mode's `apps.connections.open`: an app-level token only, answered with a
        WebSocket URL of `self.socket_mode` (a `SocketModeStub`)."""
        bearer = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        if bearer.startswith(("xoxb-", "xoxp-")):
            self._reply(request, 200, {"ok": False, "error": "not_allowed_token_type"})
        elif self.socket_mode is None or bearer != self.app_token:
            self._reply(request, 200, {"ok": False, "error": "invalid_auth"})
        else:
            self._reply(request, 200, {"ok": True, "url": self.socket_mode.new_url()})

    def response_url(self, channel_id: str, message_ts: str) -> str:
        """A new `response_url` for a click on the message `message_ts` in `channel_id`, as
        Slack puts in an interaction payload: usable 5 times within 30 minutes."""
        with self._lock:
            path = f"/actions/T0STUB/{len(self._response_urls) + 1}/{secrets.token_hex(12)}"
            self._response_urls[path] = {
                "created": self.clock(),
                "uses": 0,
                "channel_id": channel_id,
                "ts": message_ts,
            }
        return self.api_url.removesuffix("/api/") + path

    def _respond(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        """A post to a response_url (https://api.slack.com/interactivity/handling#message_responses):
        JSON with `text` and/or `blocks`; `replace_original` (a boolean) replaces the message
        the click came from; `response_type` ephemeral or in_channel."""
        with self._lock:
            url = self._response_urls.get(request.path)
            expired = url is None or self.clock() - url["created"] > 30 * 60 or url["uses"] >= 5
            if url is not None and not expired:
                url["uses"] += 1
        error = None
        if "application/json" not in (request.headers.get("Content-Type") or ""):
            error = (400, "invalid_payload")
        elif expired:
            error = (404, "expired_url")
        elif not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            error = (400, "no_text")
        elif any(
            key in body and not isinstance(body[key], bool)
            for key in ("replace_original", "delete_original")
        ) or body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
            error = (400, "invalid_payload")
        elif block_problems(body.get("blocks")):
            error = (400, "invalid_blocks")
        if error is not None:
            with self._lock:
                self.refused_responses.append((error[1], body))
            self._reply(request, error[0], {"ok": False, "error": error[1]})
            return
        assert url is not None
        with self._lock:
            self.responses.append({**body, "channel_id": url["channel_id"], "ts": url["ts"]})
            if body.get("replace_original") is True:
                for message in self.messages:
                    if message["ts"] == url["ts"] and message["channel_id"] == url["channel_id"]:
                        message.update({"text": body.get("text", ""), "blocks": body.get("blocks")})
        self._reply(request, 200, {"ok": True})

    def _webhook(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        if not isinstance(body, dict) or not body.get("text") or block_problems(body.get("blocks")):
            self._reply(request, 400, "invalid_blocks")
            return
        with self._lock:
            self.webhook_messages.append(body)
            stall = self._stalls.pop(0) if self._stalls else 0.0
        if stall:
            time.sleep(stall)
        self._reply(request, 200, "ok")

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request.send_response(status)
        kind = "text/plain" if isinstance(body, str) else "application/json"
        request.send_header("Content-Type", f"{kind}; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        try:
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a stalled answer): as Slack, nothing to do


@pytest.fixture
def slack_stub() -> Iterator[SlackStub]:
    with SlackStub() as stub:
        yield stub


def point_env_at(monkeypatch: pytest.MonkeyPatch, stub: SlackStub) -> None:
    """The environment the test teams.yml files name: the Web API, a bot token and a
    webhook, all at `stub`."""
    monkeypatch.setenv("SUNSET_SLACK_API_URL", stub.api_url)
    monkeypatch.setenv("SW_TEST_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("SW_TEST_SEARCH_HOOK", stub.webhook_url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) collecting messages; optionally rejecting every AUTH."""

    def __init__(self, port: int | None = None, *, reject_auth: bool = False) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        options: dict[str, Any] = {}
        if reject_auth:
            options = {"authenticator": self._reject, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    @staticmethod
    def _reject(*args: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink
