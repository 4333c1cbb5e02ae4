"""Fetching one source within a run: attempts, redirects, retries, outcome, isolation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import stamina

from pipeline.core.models import FetchResult, SourceState
from pipeline.fetch.body import Body, read_body
from pipeline.fetch.errors import FetchError, check_status, classify, redact_url
from pipeline.fetch.hosts import Hosts
from pipeline.fetch.redirects import REDIRECTS, redirect_target, trusted_origins
from pipeline.fetch.robots import RobotsCache
from pipeline.fetch.settings import FetchSettings

logger = logging.getLogger(__name__)

_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class _Exchange:
    """What one successful attempt produced (2xx or 304)."""

    status: int
    final_url: str
    headers: httpx.Headers
    charset: str | None
    body: Body | None  # None for 304


class Run:
    """State shared by all sources of one `fetch_all` call.

    `trusted_hosts` are the configured sources' origins (URLs or `host:port`; a bare host
    means its default ports): a redirect may lead to one of them even when it is in private
    address space (tests and intranet sources), but to no other non-global address or port.
    """

    def __init__(
        self,
        settings: FetchSettings,
        now: Callable[[], datetime],
        trusted_hosts: Iterable[str] = (),
    ) -> None:
        self.settings = settings
        self.now = now
        self.trusted_hosts = trusted_origins(trusted_hosts)
        self.hosts = Hosts(settings)
        self.robots = RobotsCache(
            self.hosts,
            settings.robots_max_bytes,
            settings.total_timeout,
            trusted=self.trusted_hosts,
            max_redirects=settings.max_redirects,
        )


def _parse_url(raw: str) -> httpx.URL:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError("invalid_url", f"invalid URL {redact_url(raw)}") from exc
    if url.scheme not in _SCHEMES or not url.host:
        raise FetchError("invalid_url", f"not an http(s) URL: {redact_url(raw)}")
    return url


def _without_userinfo(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


@asynccontextmanager
async def _open(
    client: httpx.AsyncClient, url: httpx.URL, headers: dict[str, str]
) -> AsyncIterator[httpx.Response]:
    request = client.build_request("GET", url, headers=headers)
    try:
        response = await client.send(request, stream=True)
    except httpx.InvalidURL as exc:
        # httpx resolves a Location header even when not following it.
        raise FetchError("redirect", "redirect to an invalid URL") from exc
    try:
        yield response
    finally:
        await response.aclose()


_DRAIN_LIMIT = 64 * 1024


async def _drain(response: httpx.Response) -> None:
    """Read a body we do not use (304, redirect) so the connection goes back to the pool for
    the next source on the same host; a large or broken one just closes the connection."""
    read = 0
    try:
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > _DRAIN_LIMIT:
                return
    except httpx.HTTPError:
        return


async def _attempt(run: Run, url: httpx.URL, headers: dict[str, str]) -> _Exchange:
    """One attempt: follow redirects ourselves (http(s) only, no loops), then read the body.

    `total_timeout` runs from the moment the first request gets its slots, so time spent
    queued behind other sources of the same host does not count against this one.
    """
    settings = run.settings
    seen = {str(url)}
    deadline: float | None = None
    for _ in range(settings.max_redirects + 1):
        if settings.respect_robots and not await run.robots.allowed(url):
            raise FetchError("robots_disallowed", f"robots.txt disallows {redact_url(url)}")
        async with run.hosts.slot(url.host):
            if deadline is None:
                deadline = asyncio.get_running_loop().time() + settings.total_timeout
            async with (
                asyncio.timeout_at(deadline),
                _open(run.hosts.client(url.host), url, headers) as response,
            ):
                status = response.status_code
                location = response.headers.get("location")
                if status in REDIRECTS and location:
                    url = await redirect_target(url, location, seen, run.trusted_hosts)
                    await _drain(response)
                    continue
                if status == 304:
                    await _drain(response)  # an unread response closes its connection
                    return _Exchange(status, str(url), response.headers, None, None)
                check_status(status, response.headers.get("retry-after"), run.now())
                body = await read_body(
                    response, settings.max_bytes, settings.max_decompressed_bytes
                )
                return _Exchange(
                    status, str(url), response.headers, response.charset_encoding, body
                )
    raise FetchError("redirect", f"more than {settings.max_redirects} redirects")


def _conditional_headers(source: SourceState) -> dict[str, str]:
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


def _backoff_hook(settings: FetchSettings, source_id: str) -> Callable[[Exception], bool | float]:
    """stamina hook: retry transport errors, 5xx and 429; a Retry-After overrides the backoff."""

    def hook(exc: Exception) -> bool | float:
        if not (isinstance(exc, FetchError) and exc.retryable):
            return False
        if exc.retry_after is None:
            return True
        wait = min(exc.retry_after, settings.retry_after_cap)
        logger.debug("%s: Retry-After %.1fs, waiting %.1fs", source_id, exc.retry_after, wait)
        return wait

    return hook


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


async def fetch_one(run: Run, source: SourceState) -> FetchResult:
    settings = run.settings
    started = _iso(run.now())
    t0 = time.perf_counter()
    tries = 0
    common = {"source_id": source.id, "url": source.url, "started": started}
    try:
        url = _parse_url(source.url)
        headers = _conditional_headers(source)
        try:
            async with asyncio.timeout(settings.source_deadline):
                async for attempt in stamina.retry_context(
                    on=_backoff_hook(settings, source.id),
                    attempts=settings.attempts,
                    timeout=None,
                    wait_initial=settings.backoff_initial,
                    wait_max=settings.backoff_max,
                    wait_jitter=settings.backoff_jitter,
                ):
                    with attempt:
                        tries += 1
                        try:
                            exchange = await _attempt(run, url, headers)
                        except FetchError:
                            raise
                        except Exception as exc:
                            raise classify(exc) from exc
        except TimeoutError as exc:  # attempts' own timeouts are FetchErrors: this is the total
            raise FetchError(
                "timeout", f"source deadline of {settings.source_deadline:g} s exceeded"
            ) from exc
        result = _result(source, exchange, common, tries, t0)
    except Exception as exc:
        error = classify(exc)
        result = FetchResult(
            **common,
            outcome="error",
            duration_ms=(time.perf_counter() - t0) * 1000,
            status=error.status,
            tries=max(tries, 1),
            error_type=error.error_type,
            error=error.message,
        )
    logger.info(
        "fetch %s: %s status=%s tries=%d %.0fms%s",
        source.id,
        result.outcome,
        result.status,
        result.tries,
        result.duration_ms,
        f" {result.error_type}: {result.error}" if result.failed else f" {result.size}B",
    )
    return result


def _result(
    source: SourceState, exchange: _Exchange, common: dict[str, str], tries: int, t0: float
) -> FetchResult:
    headers = exchange.headers
    media_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    meta = {
        "status": exchange.status,
        "final_url": _without_userinfo(httpx.URL(exchange.final_url)),
        "tries": tries,
        "duration_ms": (time.perf_counter() - t0) * 1000,
        "content_type": media_type or None,
        "charset": exchange.charset,
    }
    if exchange.body is None:
        # 304: keep the validators and hash we already had unless the server sent new ones.
        return FetchResult(
            **common,
            **meta,
            outcome="not_modified",
            etag=headers.get("etag") or source.etag,
            last_modified=headers.get("last-modified") or source.last_modified,
            sha256=source.content_hash,
        )
    body = exchange.body
    unchanged = body.sha256 == source.content_hash
    return FetchResult(
        **common,
        **meta,
        outcome="unchanged" if unchanged else "ok",
        body=None if unchanged else body.data,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        sha256=body.sha256,
        size=len(body.data),
    )
