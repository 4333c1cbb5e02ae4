"""Local stand-ins for Slack's Web API / incoming webhooks (a real HTTP server) and SMTP.

`POST /api/chat.postMessage` checks the bearer token, a JSON body with `channel` and `text`,
and Block Kit limits (50 blocks, section text 3000, header 150) the way Slack answers them;
`POST /webhook/<anything>` accepts incoming-webhook posts and answers "ok". Both can be told
to answer 429 (with Retry-After) or 500 for the next calls. Accepted messages are recorded.
`SmtpSink` is an aiosmtpd `Controller` on a free loopback port collecting messages.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

TOKEN = "xoxb-test-0000-stub"


def block_problems(blocks: Any) -> str | None:
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "header" and not 0 < len(text) <= 150:
            return "invalid_blocks"
        if block.get("type") == "section" and not 0 < len(text) <= 3000:
            return "invalid_blocks"
    return None


class SlackStub:
    """Run with `with SlackStub() as stub:`; `stub.api_url`, `stub.webhook_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []
        self.webhook_messages: list[dict[str, Any]] = []
        self.requests = 0
        self._faults: list[tuple[int, int | None] | None] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stub._handle(self)

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
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if request.path.startswith("/webhook/"):
            self._webhook(request, body)
        elif request.path == "/api/chat.postMessage":
            self._post_message(request, body)
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
        with self._lock:
            self.messages.append(body)
        self._reply(request, 200, {"ok": True, "channel": body["channel"], "ts": "1.000"})

    def _webhook(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        if not isinstance(body, dict) or not body.get("text") or block_problems(body.get("blocks")):
            self._reply(request, 400, "invalid_blocks")
            return
        with self._lock:
            self.webhook_messages.append(body)
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
        request.end_headers()
        request.wfile.write(data)


@pytest.fixture
def slack_stub() -> Iterator[SlackStub]:
    with SlackStub() as stub:
        yield stub


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
