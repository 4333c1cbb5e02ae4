"""One page answered as a provider's server answers a conditional GET: 200 with an ETag (a
hash of the body), 304 when the request's If-None-Match carries that ETag. Shared by the
benchmarks that serve pages to a real cycle (`scale.py --build cli`, `worker_rss.py`)."""

from __future__ import annotations

import hashlib
from http.server import BaseHTTPRequestHandler


def answer(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    if handler.headers.get("If-None-Match") == etag:
        handler.send_response(304)
        handler.send_header("ETag", etag)
        handler.end_headers()
        return
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("ETag", etag)
    handler.end_headers()
    handler.wfile.write(body)
