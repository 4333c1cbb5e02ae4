"""JSON GETs against usage APIs on the project's HTTP stack: httpx plus stamina retries.

429 and 5xx are retried with backoff, a `Retry-After` overriding it (capped, as page
fetching does: `pipeline.fetch` settings and its Retry-After parser). Bodies are streamed
under the fetcher's caps (`max_bytes`, `max_decompressed_bytes`, `pipeline.fetch.body`), each
request within `total_timeout` and the whole pull (every page, attempt and backoff) within
`pull_deadline`; the same page asked for twice in one pull (a cursor that repeats) ends it
as malformed. 401/403 end the pull
as an authentication failure naming the key's environment variable; a body that is not a
JSON object ends it as malformed. The key only ever travels in a request header: errors
and logs carry the URL's path, never its query or the key.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import stamina

from pipeline.fetch.body import ACCEPT_ENCODING, read_body_sync
from pipeline.fetch.errors import (
    FetchError,
    PullError,
    check_status,
    classify,
    malformed,
    redact_url,
)
from pipeline.fetch.settings import FetchSettings

log = logging.getLogger(__name__)

Params = Mapping[str, str | int | list[str]]


class ApiClient:
    """One source's HTTP session: base URL, auth headers, retry policy."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        key_env: str | None,
        settings: FetchSettings | None = None,
        now: Callable[[], dt.datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._clock = clock
        self._deadline = clock() + self.settings.pull_deadline
        self._asked: set[tuple[str, str]] = set()
        self.key_env = key_env
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.waits: list[float] = []  # the backoff of each retry (Retry-After when given)
        self.refused_wait: float | None = None  # a Retry-After over the cap, not waited for
        timeout = httpx.Timeout(
            self.settings.total_timeout,
            connect=self.settings.connect_timeout,
            read=self.settings.read_timeout,
        )
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            # Only what `read_body_sync` can decode under its caps.
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept-Encoding": ACCEPT_ENCODING,
                **headers,
            },
            timeout=timeout,
            transport=transport,
            trust_env=self.settings.trust_env,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _hook(self, exc: Exception) -> bool | float:
        if not (isinstance(exc, FetchError) and exc.retryable):
            return False
        if exc.retry_after is None:
            return self._clock() + self.settings.backoff_max < self._deadline
        wait = min(exc.retry_after, self.settings.retry_after_cap)
        if exc.retry_after > self.settings.retry_after_cap:
            if self.refused_wait is not None:
                return False  # asked twice for more than we wait: fail now, try next pull
            self.refused_wait = exc.retry_after
        if self._clock() + wait > self._deadline:
            return False  # the pull deadline would pass while waiting: fail now
        self.waits.append(wait)
        return wait

    def get_json(self, path: str, params: Params | None = None) -> dict[str, Any]:
        """GET `path` (relative to the base URL) and return its JSON object."""
        data = self.get_json_or_list(path, params)
        if not isinstance(data, dict):
            raise malformed(f"{path or 'the response'} is not a JSON object")
        return data

    def get_json_or_list(
        self, path: str, params: Params | None = None
    ) -> dict[str, Any] | list[Any]:
        """GET `path` and return its JSON object or array (Together lists models as an
        array)."""
        asked = (path, json.dumps(params or {}, sort_keys=True, default=str))
        if asked in self._asked:
            raise malformed(f"{path}: the same page was asked for twice (a repeating cursor)")
        self._asked.add(asked)
        try:
            for attempt in stamina.retry_context(
                on=self._hook,
                attempts=self.settings.attempts,
                timeout=None,
                wait_initial=self.settings.backoff_initial,
                wait_max=self.settings.backoff_max,
                wait_jitter=self.settings.backoff_jitter,
            ):
                with attempt:
                    where, body = self._attempt(path.lstrip("/"), params)
        except FetchError as exc:
            message = exc.message
            if self._clock() >= self._deadline:
                message = f"pull deadline of {self.settings.pull_deadline:g} s exceeded: {message}"
            elif self.refused_wait is not None:
                message = (
                    f"{message}: asked to wait {self.refused_wait:.0f} s, over the "
                    f"{self.settings.retry_after_cap:g} s cap; tried again next pull"
                )
            raise PullError(message, status=exc.status) from None
        try:
            data = json.loads(body)
        except ValueError:
            raise malformed(f"{where} did not return JSON") from None
        if not isinstance(data, dict | list):
            raise malformed(f"{where} did not return a JSON object")
        return data

    def _attempt(self, path: str, params: Params | None) -> tuple[str, bytes]:
        """One request, its body read under the caps within this attempt's deadline."""
        start = self._clock()
        if start >= self._deadline:
            raise FetchError("timeout", "no time left for another request")
        deadline = min(start + self.settings.total_timeout, self._deadline)
        request = self._client.build_request("GET", path, params=params)
        where = redact_url(request.url)
        try:
            response = self._client.send(request, stream=True)
        except Exception as exc:
            raise classify(exc) from None
        try:
            status = response.status_code
            if status in (401, 403):
                env = f"check the key in {self.key_env}" if self.key_env else "access refused"
                raise PullError(f"HTTP {status} from {where}: {env}", status=status, auth=True)
            check_status(status, response.headers.get("retry-after"), self.now(), where)
            s = self.settings
            try:
                body = read_body_sync(
                    response,
                    s.max_bytes,
                    s.max_decompressed_bytes,
                    deadline=deadline,
                    clock=self._clock,
                )
            except FetchError as exc:
                raise FetchError(
                    exc.error_type,
                    f"{exc.message} ({where})",
                    retryable=exc.retryable,
                    status=exc.status,
                ) from None
            except Exception as exc:
                raise classify(exc) from None
            return where, body.data
        finally:
            response.close()
