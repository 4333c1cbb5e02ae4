"""Fault-injection helpers for fetch tests: a tiny threaded raw-socket HTTP server.

pytest-httpserver speaks proper HTTP; the faults here (hanging, dripping, resetting
mid-body) need control over the socket itself, so each connection is handed to a
`handler(conn, request, server)` callable that writes whatever bytes it likes.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable

Handler = Callable[[socket.socket, bytes, "RawServer"], None]


class RawServer:
    """Loopback TCP server, one thread per connection, one request per connection.

    `/robots.txt` is answered with 404 so fetches with robots checks on work unchanged.
    `requests` records (monotonic time, request line) for every request seen.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.stopping = threading.Event()
        self.requests: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._acceptor.join(timeout=2)
        for thread in self._threads:
            thread.join(timeout=2)
        self._sock.close()

    def page_requests(self) -> list[tuple[float, str]]:
        with self._lock:
            return [r for r in self.requests if "/robots.txt" not in r[1]]

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            request = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in request:
                    data = conn.recv(65536)
                    if not data:
                        return
                    request += data
            if not request:
                return
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            with self._lock:
                self.requests.append((time.monotonic(), line))
            with contextlib.suppress(OSError):
                if " /robots.txt " in line:
                    respond(conn, 404, b"no robots")
                else:
                    self.handler(conn, request, self)


def respond(
    conn: socket.socket, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None
) -> None:
    """Write a complete HTTP/1.1 response with Content-Length and Connection: close."""
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0): the peer sees 'connection reset'."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
