"""Secrets out of everything written or sent: every form a configured secret can take is
replaced by `<ENV_NAME>` in stored errors, ops alerts and every log record (ours and
third-party loggers such as slack-sdk's), and a malformed secret is refused before use.

A secret can surface raw, stripped, split at a stray space or line break, as a Python or
JSON repr (`\\n` escaped, inside an `Invalid header value b'Bearer ...'`), percent-encoded,
or for a webhook URL as its path or last path segment (http.client and slack-sdk print
those), and encoded: base64 (standard and URL-safe, at any byte offset, so the password
inside an SMTP `AUTH PLAIN` blob `\0user\0password` is found too) and hex. `forms()` lists
them; `Redactor` replaces any of them, longest first. Callers redact first and cut after:
a message cut first would keep a prefix no form matches.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

MIN_FORM = 6  # shorter fragments are too common to replace (and too short to matter)
MIN_WHOLE = 4  # a whole secret is replaced down to this length
REDACTED = "<{name}>"
_INSIDE_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def forms(value: str) -> set[str]:
    """Every string this secret might appear as in an error message or log line."""
    found: set[str] = set()
    for text in {value, value.strip()}:
        found.add(text)
        found.add(repr(text)[1:-1])
        found.add(repr(text.encode("utf-8", "replace"))[2:-1])
        found.add(json.dumps(text)[1:-1])
        found.add(quote(text, safe=""))
        found.add(quote(text))
        found.add(quote(text, safe=":/?&=@"))
        found.add(quote_plus(text))
        found.update(piece for piece in _INSIDE_SPACE.split(text))
        try:
            parts = urlsplit(text.strip())
        except ValueError:
            parts = None
        if parts is not None and (parts.netloc or "/" in parts.path):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if not parts.netloc and "/" in path:  # no scheme: host is the first segment
                path = path[path.index("/") :]
            found.update({path, path.lstrip("/"), path.rsplit("/", 1)[-1]})
            found.update(forms_of_path(path))
    for text in {value, value.strip()}:
        found |= encoded_forms(text.encode("utf-8", "replace"))
    whole = {text for text in (value, value.strip()) if len(text) >= MIN_WHOLE}
    return {form for form in found if len(form) >= MIN_FORM} | whole


def encoded_forms(data: bytes) -> set[str]:
    """Base64 (standard, URL-safe; padded or not) of `data` at each of the three byte
    offsets it can sit at inside a longer encoded blob, keeping only the characters that
    depend on `data` alone; and hex, lower and upper case."""
    found = {data.hex(), data.hex().upper()}
    whole = base64.b64encode(data).decode()
    found.update({whole, whole.rstrip("=")})
    for offset, skip in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        complete = (offset + len(data)) // 3 * 4  # characters of whole 3-byte groups
        found.add(encoded[skip:complete])
    found |= {form.replace("+", "-").replace("/", "_") for form in found}
    return found


def forms_of_path(path: str) -> set[str]:
    return {quote(path), quote(path, safe=""), repr(path)[1:-1]}


class Redactor:
    """Replaces every form of the given secrets (name -> value) by `<NAME>`."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self._names: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets or {})

    def add(self, secrets: Mapping[str, str]) -> None:
        for name, value in secrets.items():
            if value:
                for form in forms(value):
                    self._names.setdefault(form, name)
        if self._names:
            ordered = sorted(self._names, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: REDACTED.format(name=self._names[m.group()]), text)


def env_secrets(names: Iterable[str | None]) -> dict[str, str]:
    """The raw environment values of these variable names (unset ones left out)."""
    return {name: os.environ[name] for name in filter(None, names) if os.environ.get(name)}


# ------------------------------------------------------------------ logging

_LOCK = threading.Lock()
_GLOBAL = Redactor()
_installed = False


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when the record is emitted
        return
    cleaned = _GLOBAL(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = _GLOBAL(record.exc_text)
    if record.stack_info:
        record.stack_info = _GLOBAL(record.stack_info)


class RedactingFilter(logging.Filter):
    """A handler/logger filter that scrubs registered secrets from each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _GLOBAL:
            _redact_record(record)
        return True


def redact_registered(text: str) -> str:
    """`text` with every secret registered by `protect` replaced by `<NAME>` (for errors that
    are stored or sent, which the log record factory does not see)."""
    return _GLOBAL(text)


def protect(secrets: Mapping[str, str]) -> None:
    """Register secrets for log redaction and make sure every log record is scrubbed:
    records are redacted when created (so any logger, any handler added later) and the
    root logger's handlers carry a `RedactingFilter` as a second line."""
    global _installed
    with _LOCK:
        _GLOBAL.add(secrets)
        if not _installed:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                if _GLOBAL:
                    _redact_record(record)
                return record

            logging.setLogRecordFactory(factory)
            _installed = True
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


# ------------------------------------------------------------------ validation


def problem(value: str, *, kind: str) -> str | None:
    """Why this secret value is unusable (never quoting it), or None if it is fine. `kind` is
    "token" (no whitespace at all), "password" (no line break or control character) or
    "url" (an https:// webhook URL; plain http only to this machine)."""
    text = value.strip()
    if not text:
        return "is empty"
    if _CONTROL.search(text) or (kind != "password" and _INSIDE_SPACE.search(text)):
        return "contains a space, line break or control character inside the value"
    if kind == "url":
        try:
            parts = urlsplit(text)
        except ValueError:
            return "is not a valid URL"
        if parts.scheme != "https" and not (parts.scheme == "http" and _local(parts.hostname)):
            return "is not an https:// URL"
        if not parts.hostname or not parts.path.strip("/"):
            return "is not a webhook URL (host and path needed)"
    elif kind == "token" and not (text.isascii() and text.isprintable()):
        return "contains characters that cannot go into an HTTP header"
    return None


def _local(host: str | None) -> bool:
    """Plain http is allowed only to this machine (local stand-ins in tests and the demo)."""
    return host in ("127.0.0.1", "localhost", "::1")
