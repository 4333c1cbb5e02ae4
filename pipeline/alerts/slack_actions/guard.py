"""Checks on a request to the Slack request URL, before anything in it is believed: Slack's
v0 signature (HMAC-SHA256 over `v0:{timestamp}:{body}` with the app's signing secret, in
`X-Slack-Signature`, checked by `slack_sdk.signature.SignatureVerifier`), a timestamp
(`X-Slack-Request-Timestamp`) within 5 minutes of the injected clock, and no replay of a
signature already accepted within those 5 minutes (an older replay is stale anyway).
See https://api.slack.com/authentication/verifying-requests-from-slack.

The secret is held in memory only: never logged, stored or shown (`repr` hides it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk.signature import Clock, SignatureVerifier

MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class Refusal:
    status: int  # 401: not shown to be Slack's; 403: Slack's, but already used
    reason: str


class _InjectedClock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class RequestGuard:
    """`check(body, headers)` is None for a fresh request signed with the secret."""

    def __init__(self, signing_secret: str, now: Callable[[], float]) -> None:
        self._now = now
        self._verifier = SignatureVerifier(signing_secret, clock=_InjectedClock(now))
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "RequestGuard(<signing secret>)"

    def check(self, body: bytes, headers: Mapping[str, str]) -> Refusal | None:
        lowered = {key.lower(): value for key, value in headers.items()}
        timestamp = lowered.get("x-slack-request-timestamp")
        signature = lowered.get("x-slack-signature")
        if not timestamp or not signature:
            return Refusal(401, "unsigned request")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return Refusal(401, "malformed request timestamp")
        if abs(self._now() - int(timestamp)) > MAX_AGE_SECONDS:
            return Refusal(401, "stale request (timestamp more than 5 minutes away)")
        if not self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
            return Refusal(401, "bad signature")
        with self._lock:
            now = self._now()
            # Remember each signature for as long as its timestamp would pass as fresh.
            self._seen = {s: until for s, until in self._seen.items() if until >= now}
            if signature in self._seen:
                return Refusal(403, "replayed request")
            self._seen[signature] = int(timestamp) + MAX_AGE_SECONDS
        return None
