"""Fetch error taxonomy: classifying exceptions, Retry-After, and URL redaction in messages;
and `PullError`, how a JSON API pull ends (usage pullers, model lists: `api_client`)."""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

ErrorType = Literal[
    "timeout",
    "connect",
    "http_status",
    "too_large",
    "redirect",
    "robots_disallowed",
    "invalid_url",
    "other",
]

_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_MAX_MESSAGE = 200


class FetchError(Exception):
    """A classified failure of one attempt; `retryable` drives the stamina retry hook."""

    def __init__(
        self,
        error_type: ErrorType,
        message: str,
        *,
        retryable: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type: ErrorType = error_type
        self.message = scrub(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


def redact_url(url: object) -> str:
    """`scheme://host[:port]/path` only: userinfo, query and fragment may hold secrets."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "<unparseable url>"


def scrub(text: str) -> str:
    """Redact every URL inside free text and keep the message short."""
    text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def classify(exc: Exception) -> FetchError:
    """Map anything raised during an attempt to a FetchError; transport trouble is retryable."""
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return FetchError("timeout", f"{type(exc).__name__}: {exc}", retryable=True)
    if isinstance(exc, TimeoutError):
        return FetchError("timeout", "total timeout exceeded", retryable=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError("invalid_url", str(exc))
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | OSError):
        # Refused, reset, or closed mid-body: all "the connection failed".
        return FetchError("connect", f"{type(exc).__name__}: {exc}", retryable=True)
    return FetchError("other", f"{type(exc).__name__}: {exc}")


def check_status(status: int, retry_after: str | None, now: datetime, where: str = "") -> None:
    """Raise the `FetchError` a non-2xx status stands for: 429 and 5xx are retryable (waiting
    what Retry-After asks), anything else outside 2xx is final. 2xx passes."""
    suffix = f" from {where}" if where else ""
    if status == 429 or status >= 500:
        raise FetchError(
            "http_status",
            f"HTTP {status}{suffix}",
            retryable=True,
            status=status,
            retry_after=retry_after_seconds(retry_after, now),
        )
    if not 200 <= status < 300:
        raise FetchError("http_status", f"HTTP {status}{suffix}", status=status)


class PullError(Exception):
    """An API pull that failed (`auth` for 401/403, `malformed` for a page without the
    documented shape): a usage source keeps its previous buckets, a model list its records;
    ops is told once."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        auth: bool = False,
        malformed: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.auth = auth
        self.malformed = malformed


def malformed(what: str) -> PullError:
    return PullError(f"malformed response: {what}", malformed=True)
