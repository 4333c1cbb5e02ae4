"""robots.txt: fetched at most once per origin per `fetch_all`, parsed with protego.

Any failure to get a robots.txt (network error, timeout, non-2xx, oversized) means "allowed",
as the brief and common crawler practice say; only an explicit Disallow blocks a source.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from protego import Protego

from pipeline.fetch.errors import redact_url
from pipeline.fetch.hosts import Hosts

logger = logging.getLogger(__name__)

# The product token matched against `User-agent:` lines.
ROBOTS_TOKEN = "SunsetWatch"


class RobotsCache:
    """Per-origin robots.txt rules; concurrent lookups for one origin share one fetch."""

    def __init__(self, hosts: Hosts, max_bytes: int, total_timeout: float) -> None:
        self._hosts = hosts
        self._max_bytes = max_bytes
        self._total_timeout = total_timeout
        self._rules: dict[str, Protego | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: httpx.URL) -> bool:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        if origin not in self._rules:
            lock = self._locks.setdefault(origin, asyncio.Lock())
            async with lock:
                if origin not in self._rules:
                    self._rules[origin] = await self._load(origin, url.host)
        rules = self._rules[origin]
        return rules is None or rules.can_fetch(str(url), ROBOTS_TOKEN)

    async def _load(self, origin: str, host: str) -> Protego | None:
        robots_url = f"{origin}/robots.txt"
        try:
            async with (
                self._hosts.slot(host),
                asyncio.timeout(self._total_timeout),
                self._hosts.client(host).stream(
                    "GET", robots_url, follow_redirects=True
                ) as response,
            ):
                if response.status_code != 200:
                    logger.debug("robots %s: HTTP %d, allowed", origin, response.status_code)
                    return None
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        break
                    chunks.append(chunk)
            return Protego.parse(b"".join(chunks).decode("utf-8", errors="replace"))
        except (httpx.HTTPError, OSError, ValueError) as exc:  # TimeoutError is an OSError
            logger.debug("robots %s unavailable (%s), allowed", redact_url(robots_url), exc)
            return None
