"""Pull one model list: the key from its environment variable, every page, one outcome.

The key travels only in a request header (`Authorization: Bearer` for OpenAI-compatible
lists; `x-api-key` and `anthropic-version` for Anthropic's; `x-goog-api-key` for Gemini's,
never its `key` query parameter) and is registered for log
redaction; errors name the URL's path and the variable, never the key. The outcome is a
`FetchResult` like a page fetch's, whose body is the listing as canonical JSON (the stored
snapshot), so the cycle's bookkeeping (fetch rows, failures, health, cliffs) is shared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from pipeline.core.clock import iso
from pipeline.core.config import SourceConfig
from pipeline.core.models import FetchResult
from pipeline.core.redact import problem, protect, redact_registered
from pipeline.fetch.api_client import ApiClient
from pipeline.fetch.credentials import strip_credentials
from pipeline.fetch.errors import PullError, malformed
from pipeline.fetch.settings import FetchSettings
from pipeline.sources.model_lists.shapes import ListedModel, parse_page

ANTHROPIC_VERSION = "2023-06-01"
ANTHROPIC_PAGE = 1000  # the largest `limit` Anthropic's list accepts
GEMINI_PAGE = 1000  # the largest `pageSize` the Gemini API accepts
MAX_PAGES = 100


@dataclass(frozen=True)
class Listing:
    """Every model one pull listed, in the provider's order, and the shape warnings."""

    models: tuple[ListedModel, ...]
    warnings: tuple[str, ...] = ()

    def body(self) -> bytes:
        """The canonical JSON stored as the pull's snapshot."""
        rows = [asdict(m) for m in sorted(self.models, key=lambda m: m.id)]
        return json.dumps({"models": rows}, sort_keys=True, indent=0).encode()


def read_key(source: SourceConfig) -> str | None:
    """The key from `key_env` (None for a public list without one); PullError if unset."""
    if not source.key_env:
        return None
    value = (os.environ.get(source.key_env) or "").strip()
    if not value:
        raise PullError(f"environment variable {source.key_env} is not set", auth=True)
    if why := problem(value, kind="token"):
        raise PullError(f"environment variable {source.key_env} {why}", auth=True)
    protect({source.key_env: value})
    return value


def _headers(api: str, key: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if api == "anthropic":
        headers["anthropic-version"] = ANTHROPIC_VERSION
        if key:
            headers["x-api-key"] = key
    elif api == "gemini":
        if key:
            headers["x-goog-api-key"] = key
    elif key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def pull_listing(
    source: SourceConfig,
    *,
    settings: FetchSettings | None = None,
    now: Callable[[], dt.datetime] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Listing:
    """Every page of the source's list; PullError (key never in it) when that fails."""
    api = source.list_api
    key = read_key(source)
    parts = urlsplit(strip_credentials(str(source.url)))
    base, _, last = parts.path.rstrip("/").rpartition("/")
    base_url = urlunsplit((parts.scheme, parts.netloc, base or "/", "", ""))
    models: list[ListedModel] = []
    warnings: list[str] = []
    with ApiClient(
        base_url,
        _headers(api, key),
        key_env=source.key_env,
        settings=settings,
        now=now,
        transport=transport,
    ) as client:
        after: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, str | int] = {}
            if api == "anthropic":
                params["limit"] = ANTHROPIC_PAGE
                if after:
                    params["after_id"] = after
            elif api == "gemini":
                params["pageSize"] = GEMINI_PAGE
                if after:
                    params["pageToken"] = after
            page = parse_page(client.get_json_or_list(last, params or None), api)
            models.extend(page.models)
            warnings.extend(page.warnings)
            if page.next_cursor is None:
                break
            if page.next_cursor == after:
                raise malformed("model list: the next page cursor did not move")
            after = page.next_cursor
        else:
            raise malformed(f"model list: more than {MAX_PAGES} pages")
    seen: dict[str, ListedModel] = {}
    for model in models:
        seen.setdefault(model.id, model)  # a model repeated on two pages counts once
    return Listing(models=tuple(seen.values()), warnings=tuple(warnings))


def fetch_listing(
    source: SourceConfig,
    *,
    now: dt.datetime,
    settings: FetchSettings | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[FetchResult, Listing | None]:
    """Pull the list and describe the pull as a `FetchResult` (body: the canonical listing)."""
    started = time.monotonic()
    url = strip_credentials(str(source.url))
    common = {"source_id": source.id, "url": url, "started": iso(now)}
    try:
        listing = pull_listing(source, settings=settings, now=lambda: now, transport=transport)
    except PullError as exc:
        kind = "auth" if exc.auth else "malformed" if exc.malformed else "http"
        return (
            FetchResult(
                **common,
                outcome="error",
                duration_ms=(time.monotonic() - started) * 1000,
                status=exc.status,
                error_type=kind,
                error=redact_registered(str(exc)),
            ),
            None,
        )
    body = listing.body()
    return (
        FetchResult(
            **common,
            outcome="ok",
            duration_ms=(time.monotonic() - started) * 1000,
            status=200,
            final_url=url,
            body=body,
            content_type="application/json",
            charset="utf-8",
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
        ),
        listing,
    )
