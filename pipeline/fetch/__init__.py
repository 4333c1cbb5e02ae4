"""Fetching source pages: the only module that does HTTP.

Owns async httpx fetching with conditional GET (ETag / Last-Modified, body hash), retries via
stamina (Retry-After honoured), robots.txt via protego, global and per-host concurrency
limits, connect/read/total timeouts, body-size and decompressed-size caps, redirect policy,
and per-source isolation: every source yields one `FetchResult`, failures included.

Layout: `api` (entry points, also `fetch_into` for a fetch thread), `client` (one source:
attempts, redirects, retries, outcome), `hosts` (per-host pools and limits), `body` (capped
streaming and decoding), `robots` (robots.txt cache), `errors` (error types, Retry-After, URL
redaction), `redirects` (no redirect into private address space), `credentials` (secrets in
URLs), `settings`, and `api_client`: JSON GETs against provider APIs on the same stack (the
usage pullers and model lists), ending in `errors.PullError`.

Below the stages that use it (`sources`, `usage`, `alerts`' Slack Retry-After): it imports
only `pipeline.core` (`.importlinter`).
"""

from pipeline.fetch.api import fetch_all, fetch_each, fetch_into, fetch_sources
from pipeline.fetch.errors import ErrorType, FetchError, redact_url
from pipeline.fetch.settings import DEFAULT_USER_AGENT, FetchSettings

__all__ = [
    "DEFAULT_USER_AGENT",
    "ErrorType",
    "FetchError",
    "FetchSettings",
    "fetch_all",
    "fetch_each",
    "fetch_into",
    "fetch_sources",
    "redact_url",
]
