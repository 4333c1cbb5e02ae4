"""robots.txt: fetched at most once per origin per `fetch_all`, parsed with protego.

Any failure to get a robots.txt (network error, timeout, non-2xx, oversized, a redirect the
redirect policy refuses) means "allowed", as RFC 9309 and common crawler practice say; only
an explicit Disallow blocks a source. Redirects are followed by us, through the same policy
as pages (`redirects.redirect_target`), never by httpx: robots.txt is a request the product
makes like any other.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from protego import Protego

from pipeline.fetch.errors import FetchError, redact_url
from pipeline.fetch.hosts import Hosts
from pipeline.fetch.redirects import REDIRECTS, redirect_target

logger = logging.getLogger(__name__)

# The product token matched against `User-agent:` lines.
ROBOTS_TOKEN = "SunsetWatch"


class RobotsCache:
    """Per-origin robots.txt rules; concurrent lookups for one origin share one fetch."""

    def __init__(
        self,
        hosts: Hosts,
        max_bytes: int,
        total_timeout: float,
        *,
        trusted: frozenset[str] = frozenset(),
        max_redirects: int = 5,
    ) -> None:
        self._hosts = hosts
        self._max_bytes = max_bytes
        self._total_timeout = total_timeout
        self._trusted = trusted
        self._max_redirects = max_redirects
        self._rules: dict[str, Protego | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: httpx.URL) -> bool:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        if origin not in self._rules:
            lock = self._locks.setdefault(origin, asyncio.Lock())
            async with lock:
                if origin not in self._rules:
                    self._rules[origin] = await self._load(origin)
        rules = self._rules[origin]
        return rules is None or rules.can_fetch(str(url), ROBOTS_TOKEN)

    async def _load(self, origin: str) -> Protego | None:
        robots_url = f"{origin}/robots.txt"
        try:
            async with asyncio.timeout(self._total_timeout):
                text = await self._get(httpx.URL(robots_url))
        except (httpx.HTTPError, OSError, ValueError, FetchError) as exc:  # TimeoutError: OSError
            logger.debug("robots %s unavailable (%s), allowed", redact_url(robots_url), exc)
            return None
        return None if text is None else Protego.parse(text)

    async def _get(self, url: httpx.URL) -> str | None:
        """The robots.txt text, following redirects through the redirect policy."""
        seen = {str(url)}
        for _ in range(self._max_redirects + 1):
            async with (
                self._hosts.slot(url.host),
                self._hosts.client(url.host).stream("GET", url) as response,
            ):
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    url = await redirect_target(url, location, seen, self._trusted)
                    continue
                if response.status_code != 200:
                    logger.debug("robots %s: HTTP %d, allowed", url, response.status_code)
                    return None
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        break
                    chunks.append(chunk)
                return b"".join(chunks).decode("utf-8", errors="replace")
        return None
