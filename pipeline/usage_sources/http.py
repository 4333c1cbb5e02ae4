"""JSON GETs against usage APIs on the project's HTTP stack: httpx plus stamina retries.

429 and 5xx are retried with backoff, a `Retry-After` overriding it (capped, as page
fetching does: `pipeline.fetch` settings and its Retry-After parser); 401/403 end the pull
as an authentication failure naming the key's environment variable; a body that is not a
JSON object ends it as malformed. The key only ever travels in a request header: errors
and logs carry the URL's path, never its query or the key.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import stamina

from pipeline.fetch.errors import FetchError, check_status, classify, redact_url
from pipeline.fetch.settings import FetchSettings
from pipeline.usage_sources.rows import PullError, malformed

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
    ) -> None:
        self.settings = settings or FetchSettings()
        self.key_env = key_env
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.waits: list[float] = []  # the backoff of each retry (Retry-After when given)
        timeout = httpx.Timeout(
            self.settings.total_timeout,
            connect=self.settings.connect_timeout,
            read=self.settings.read_timeout,
        )
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers={"User-Agent": self.settings.user_agent, **headers},
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
            return True
        wait = min(exc.retry_after, self.settings.retry_after_cap)
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
                    response = self._attempt(path.lstrip("/"), params)
        except FetchError as exc:
            raise PullError(exc.message, status=exc.status) from None
        try:
            data = response.json()
        except ValueError:
            raise malformed(f"{redact_url(response.url)} did not return JSON") from None
        if not isinstance(data, dict | list):
            raise malformed(f"{redact_url(response.url)} did not return a JSON object")
        return data

    def _attempt(self, path: str, params: Params | None) -> httpx.Response:
        try:
            response = self._client.get(path, params=params)
        except Exception as exc:
            raise classify(exc) from None
        status = response.status_code
        where = redact_url(response.url)
        if status in (401, 403):
            env = f"check the key in {self.key_env}" if self.key_env else "access refused"
            raise PullError(f"HTTP {status} from {where}: {env}", status=status, auth=True)
        check_status(status, response.headers.get("retry-after"), self.now(), where)
        return response
