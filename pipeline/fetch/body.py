"""Streaming a response body under two caps: bytes received and bytes after decoding.

The body is decoded here rather than by httpx's `aiter_bytes` because zlib is then asked for
at most the remaining budget (`max_length`), so a gzip bomb never inflates past the cap in
memory, even for one network chunk. We only advertise gzip and deflate, so only those (and
identity) are accepted.
"""

from __future__ import annotations

import hashlib
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from pipeline.fetch.errors import FetchError

ACCEPT_ENCODING = "gzip, deflate"


class _Inflater:
    """Bounded zlib decoder; `deflate` may be zlib-wrapped or raw, as httpx also accepts."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        wbits = zlib.MAX_WBITS if self._raw_fallback else 16 + zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, budget: int) -> bytes:
        try:
            out = self._obj.decompress(data, budget + 1)
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, budget + 1)
        self._started = True
        return out

    def flush(self) -> bytes:
        return self._obj.flush()


class _Identity:
    def feed(self, data: bytes, budget: int) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def _decoder(content_encoding: str | None) -> _Inflater | _Identity:
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if encoding == "deflate" else "gzip")
    raise FetchError("other", f"unsupported Content-Encoding {encoding!r}")


@dataclass(frozen=True)
class Body:
    data: bytes
    sha256: str


class BodyReader:
    """Decoding and cap checks for one body, fed chunk by chunk (async or sync callers)."""

    def __init__(self, response: httpx.Response, max_bytes: int, max_decoded: int) -> None:
        self._status = response.status_code
        self._max_bytes = max_bytes
        self._max_decoded = max_decoded
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(
                "too_large",
                f"Content-Length {declared} exceeds {max_bytes} bytes",
                status=self._status,
            )
        self._decoder = _decoder(response.headers.get("content-encoding"))
        self._digest = hashlib.sha256()
        self._parts: list[bytes] = []
        self._received = self._decoded = 0

    def _too_large(self, what: str, limit: int) -> FetchError:
        return FetchError("too_large", f"{what} exceeds {limit} bytes", status=self._status)

    def _keep(self, out: bytes) -> None:
        self._decoded += len(out)
        if self._decoded > self._max_decoded:
            raise self._too_large("decoded body", self._max_decoded)
        if out:
            self._digest.update(out)
            self._parts.append(out)

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received > self._max_bytes:
            raise self._too_large("body", self._max_bytes)
        try:
            out = self._decoder.feed(chunk, self._max_decoded - self._decoded)
        except zlib.error as exc:
            raise FetchError("other", f"cannot decode body: {exc}", status=self._status) from exc
        self._keep(out)

    def finish(self) -> Body:
        try:
            tail = self._decoder.flush()
        except zlib.error as exc:
            raise FetchError("other", f"cannot decode body: {exc}", status=self._status) from exc
        self._keep(tail)
        return Body(b"".join(self._parts), self._digest.hexdigest())


async def read_body(response: httpx.Response, max_bytes: int, max_decoded: int) -> Body:
    """Read and decode the whole body, raising FetchError("too_large") past either cap."""
    reader = BodyReader(response, max_bytes, max_decoded)
    async for chunk in response.aiter_raw():
        reader.feed(chunk)
    return reader.finish()


def read_body_sync(
    response: httpx.Response,
    max_bytes: int,
    max_decoded: int,
    *,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Body:
    """`read_body` for a sync (streamed) response, also cut off at `deadline` (a `clock`
    reading): a server dripping its body within each read timeout still ends in time."""
    reader = BodyReader(response, max_bytes, max_decoded)
    for chunk in response.iter_raw():
        reader.feed(chunk)
        if deadline is not None and clock() > deadline:
            raise FetchError("timeout", "deadline exceeded while reading the body", retryable=True)
    return reader.finish()
