"""The HTTP request URL for Slack interactivity: a small ASGI app (served by uvicorn, which
Datasette already brings) on its own port, started by `sunset serve --slack-port`.

Why its own port and not a Datasette route: Slack must reach the request URL from the
internet, while Datasette has no authentication and should stay on localhost. This server
answers only `POST /slack/actions`: unsigned, badly signed or stale requests get 401, a
replay 403, an oversized body 413, anything that is not a `payload=` form 400, other paths
404 and other methods 405: never a 500. A good request is acknowledged at once with an empty
200 (Slack wants it within 3 seconds) and the click is handled on a worker thread by the
shared `ClickHandler`, which answers at the payload's `response_url`.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import parse_qs

import uvicorn

from pipeline.alerts.slack_actions.guard import RequestGuard
from pipeline.alerts.slack_actions.handler import ClickHandler

log = logging.getLogger(__name__)
PATH = "/slack/actions"
MAX_BODY = 1_000_000  # a block_actions payload carries the whole message: ~200 kB at most


class SlackActionsApp:
    """ASGI app: `guard` decides whether a request is Slack's, `handler` acts on it."""

    def __init__(self, guard: RequestGuard, handler: ClickHandler, workers: int = 4) -> None:
        self._guard = guard
        self._handler = handler
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-click")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != PATH:
            await _reply(send, 404, "not found")
            return
        if scope["method"] != "POST":
            await _reply(send, 405, "use POST", [(b"allow", b"POST")])
            return
        body = await _body(receive)
        if body is None:
            await _reply(send, 413, "request body too large")
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._guard.check(body, headers)
        if refusal is not None:
            log.warning("Slack request URL: refused a request: %s", refusal.reason)
            await _reply(send, refusal.status, refusal.reason)
            return
        payload = _payload(body, headers)
        if payload is None:
            await _reply(send, 400, "expected a form with a JSON payload field")
            return
        if payload:  # handled on a worker; the acknowledgement does not wait for it
            with self._lock:
                future = self._pool.submit(self._handle, payload)
                self._pending.add(future)
            future.add_done_callback(self._done)
        await _reply(send, 200, "")

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _handle(self, payload: dict[str, Any]) -> None:
        try:
            self._handler.handle(payload)
        except Exception:  # pragma: no cover - the handler answers its own errors
            log.exception("Slack click handler failed")

    def drain(self, timeout: float = 10) -> None:
        """Wait for the clicks being handled (tests; shutdown)."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self.drain()
        self._pool.shutdown(wait=True)


async def _body(receive: Any) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _payload(body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    """The JSON `payload` of Slack's form post; {} for Slack's `ssl_check`; None if neither."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    if "payload" not in form:
        return {} if form.get("ssl_check") == ["1"] else None
    try:
        data = json.loads(form["payload"][-1])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def _reply(
    send: Any, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class RequestUrlServer:
    """uvicorn serving `app` on a thread, on a socket bound before it starts (so a port in
    use is one clear error, and port 0 works in tests). `with` starts and stops it."""

    def __init__(self, app: SlackActionsApp, host: str, port: int) -> None:
        self.app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.port = self._socket.getsockname()[1]
        self.host = host
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=5
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{PATH}"

    def start(self) -> RequestUrlServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:  # pragma: no cover - uvicorn starts in ms
                break
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()
        self.app.close()

    def __enter__(self) -> RequestUrlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
