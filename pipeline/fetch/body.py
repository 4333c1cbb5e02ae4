"""Streaming a response body under two caps: bytes received and bytes after decoding.

The body is decoded here rather than by httpx's `aiter_bytes` because zlib is then asked for
at most the remaining budget (`max_length`), so a gzip bomb never inflates past the cap in
memory, even for one network chunk. We only advertise gzip and deflate, so only those (and
identity) are accepted.
"""

from __future__ import annotations

import hashlib
import zlib
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


async def read_body(response: httpx.Response, max_bytes: int, max_decoded: int) -> Body:
    """Read and decode the whole body, raising FetchError("too_large") past either cap."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large",
            f"Content-Length {declared} exceeds {max_bytes} bytes",
            status=response.status_code,
        )
    decoder = _decoder(response.headers.get("content-encoding"))
    digest = hashlib.sha256()
    parts: list[bytes] = []
    received = decoded = 0
    try:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > max_bytes:
                raise FetchError(
                    "too_large", f"body exceeds {max_bytes} bytes", status=response.status_code
                )
            out = decoder.feed(chunk, max_decoded - decoded)
            decoded += len(out)
            if decoded > max_decoded:
                raise FetchError(
                    "too_large",
                    f"decoded body exceeds {max_decoded} bytes",
                    status=response.status_code,
                )
            if out:
                digest.update(out)
                parts.append(out)
        tail = decoder.flush()
    except zlib.error as exc:
        raise FetchError(
            "other", f"cannot decode body: {exc}", status=response.status_code
        ) from exc
    if decoded + len(tail) > max_decoded:
        raise FetchError(
            "too_large", f"decoded body exceeds {max_decoded} bytes", status=response.status_code
        )
    if tail:
        digest.update(tail)
        parts.append(tail)
    return Body(b"".join(parts), digest.hexdigest())
