"""Connection pools and concurrency limits (global and per host) for one `fetch_all`.

One httpx client (one connection pool) per host rather than one shared pool: httpcore's pool
does bookkeeping proportional to (connections x connections) on every request, so a single
50-connection pool spent most of the CPU of a 1,000-source cycle there. A pool per host holds at
most `per_host` connections, which is also the politeness limit we enforce anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from pipeline.fetch.body import ACCEPT_ENCODING
from pipeline.fetch.settings import FetchSettings


class Hosts:
    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._ssl = httpx.create_ssl_context(trust_env=settings.trust_env)  # built once, shared
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._global = asyncio.Semaphore(settings.concurrency)

    def client(self, host: str) -> httpx.AsyncClient:
        key = host.lower()
        client = self._clients.get(key)
        if client is None:
            s = self._settings
            client = httpx.AsyncClient(
                headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
                timeout=httpx.Timeout(
                    connect=s.connect_timeout,
                    read=s.read_timeout,
                    write=s.read_timeout,
                    pool=s.total_timeout,
                ),
                limits=httpx.Limits(
                    max_connections=s.per_host, max_keepalive_connections=s.per_host
                ),
                follow_redirects=False,
                verify=self._ssl,
                trust_env=s.trust_env,
            )
            self._clients[key] = client
        return client

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one request's worth of capacity: a per-host slot, then a global one.

        Host first, so requests queued behind a busy host do not sit on global slots that
        other hosts could use. Callers never hold two slots at once, so this cannot deadlock.
        """
        key = host.lower()
        semaphore = self._slots.get(key)
        if semaphore is None:
            semaphore = self._slots[key] = asyncio.Semaphore(self._settings.per_host)
        async with semaphore, self._global:
            yield

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
