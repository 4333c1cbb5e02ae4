"""A local stand-in for Slack's Socket Mode (https://api.slack.com/apis/socket-mode): a real
WebSocket server (the `websockets` library) that slack-sdk's `SocketModeClient` connects to.

`SlackStub`'s `apps.connections.open` hands out `ws://` URLs of this server with a one-time
ticket, for an app-level token only (as Slack: `invalid_auth` for an unknown token,
`not_allowed_token_type` for a bot token). On connection the server sends `hello`; `send()`
pushes an envelope (`{"envelope_id", "type", "payload", "accepts_response_payload"}`) to
every connected client and `acks` records the `{"envelope_id": ...}` answers.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

APP_TOKEN = "xapp-1-A0STUB-0000-stubstubstub"


class SocketModeStub:
    def __init__(self) -> None:
        self.tickets: set[str] = set()
        self.acks: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self._clients: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._server = serve(self._session, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def new_url(self) -> str:
        ticket = secrets.token_hex(8)
        with self._lock:
            self.tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id=A0STUB"

    def _session(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._lock:
            known = ticket in self.tickets
            self.tickets.discard(ticket)  # a ticket opens one connection
        if not known:
            self.refused.append("unknown ticket")
            connection.close(code=1008)
            return
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "stub", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0STUB"},
                }
            )
        )
        with self._lock:
            self._clients.append(connection)
        try:
            for message in connection:
                data = json.loads(message)
                if set(data) - {"envelope_id", "payload"} or "envelope_id" not in data:
                    self.refused.append(f"not an acknowledgement: {message[:80]!r}")
                    continue
                with self._lock:
                    self.acks.append(data)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if connection in self._clients:
                    self._clients.remove(connection)

    def wait_connected(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._clients:
                    return
            time.sleep(0.02)
        raise AssertionError("no Socket Mode client connected")

    def send(self, payload: dict[str, Any], kind: str = "interactive") -> str:
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": False,
        }
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            client.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(a["envelope_id"] == envelope_id for a in self.acks):
                    return
            time.sleep(0.02)
        raise AssertionError(f"envelope {envelope_id} was never acknowledged")

    def __enter__(self) -> SocketModeStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
