"""Fetch settings: every limit the fetcher enforces, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_USER_AGENT = (
    "SunsetWatch/0.1 (+https://github.com/sunset-watch/sunset-watch; model deprecation monitor)"
)


@dataclass(frozen=True)
class FetchSettings:
    """Limits and politeness for one `fetch_all` call.

    Timeouts are per attempt: `total_timeout` bounds one whole exchange (robots.txt lookup,
    redirects, headers and body streaming), so a server dripping bytes is cut off even though
    each read is within `read_timeout`. The clock starts once the request holds its slots,
    so queueing behind other sources does not count. `source_deadline` bounds everything one
    source may take in a run (all attempts, backoffs and waiting for its host), so a source
    that drips its body holds nothing up for longer than that. A usage pull is bounded the
    same way: each request by `total_timeout`, the whole pull by `pull_deadline`, each body by
    `max_bytes` / `max_decompressed_bytes`.
    """

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10
    read_timeout: float = 20
    total_timeout: float = 60
    source_deadline: float = 120  # all attempts of one source together
    pull_deadline: float = 300  # one usage pull: all its pages, attempts and backoffs
    max_bytes: int = 10_000_000  # body as received (compressed), enforced while streaming
    max_decompressed_bytes: int = 20_000_000  # decoded body: defeats gzip bombs
    max_redirects: int = 5
    attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8
    backoff_jitter: float = 1.0  # upper bound of the random jitter added to each backoff
    retry_after_cap: float = 60
    concurrency: int = 50
    per_host: int = 6
    respect_robots: bool = True
    robots_max_bytes: int = 512_000  # Google reads the first 500 KiB of a robots.txt
    trust_env: bool = True  # honour HTTP(S)_PROXY / NO_PROXY from the environment
