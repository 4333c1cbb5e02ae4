"""Loopback servers for the offline demo: provider pages, a Slack capture, an SMTP capture.

All three bind 127.0.0.1 on a free port and write what they receive to files so a newcomer
can read the Slack messages and e-mails the demo produced.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-reply (Ctrl-C during the demo) is not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PageServer:
    """Serves files from a folder that can be switched (day 1 -> day 2) while running."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        server = self

        class Handler(_Quiet):
            def do_GET(self) -> None:
                path = server.folder / self.path.lstrip("/").split("?")[0]
                if not path.is_file() or path.parent != server.folder:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                body = path.read_bytes()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", CONTENT_TYPES.get(path.suffix, "text/plain"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SlackCapture:
    """A stand-in for Slack's Web API and incoming webhooks that saves every message."""

    def __init__(self, out: Path, token: str) -> None:
        self.out = out
        self.messages: list[dict[str, Any]] = []
        out.mkdir(parents=True, exist_ok=True)
        capture = self

        class Handler(_Quiet):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = dict(
                        pair.split("=", 1) for pair in raw.decode().split("&") if "=" in pair
                    )
                if self.path.startswith("/api/chat.postMessage"):
                    if self.headers.get("Authorization") != f"Bearer {token}":
                        return self._json({"ok": False, "error": "invalid_auth"})
                    capture.save(body.get("channel", "?"), body)
                    return self._json({"ok": True, "channel": body.get("channel"), "ts": "1.0"})
                if self.path.startswith("/webhook/"):
                    capture.save("webhook-" + self.path.rsplit("/", 1)[-1], body)
                    return self._text("ok")
                return self._json({"ok": False, "error": "unknown_method"})

            def _json(self, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _text(self, text: str) -> None:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text.encode())

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._lock = threading.Lock()

    def save(self, channel: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append({"channel": channel, **body})
            number = len(self.messages)
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in channel.lstrip("#"))
        (self.out / f"{number:03d}-{name}.json").write_text(json.dumps(body, indent=2))

    def __enter__(self) -> SlackCapture:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SmtpCapture:
    """An aiosmtpd server on loopback that writes each received message to an .eml file."""

    def __init__(self, out: Path, on_message: Callable[[email.message.EmailMessage], None]) -> None:
        from aiosmtpd.controller import Controller

        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.count = 0
        capture = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                capture.count += 1
                raw = envelope.original_content or envelope.content
                (capture.out / f"{capture.count:03d}.eml").write_bytes(raw)
                on_message(email.message_from_bytes(raw, policy=email.policy.default))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpCapture:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
