"""Is a usage source's key good for what its pull reads? One cheap real request per source.

For `sunset doctor`: the smallest request each service offers on the very endpoint a pull
reads (one bucket or one log, yesterday to now), so a 401 means the key is refused and a 403
names the permission the key lacks; an OpenTelemetry source is checked as a folder the
process can read. Nothing is stored; the key travels only in the request header.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from pipeline.core.usage_config import UsageSourceConfig
from pipeline.fetch.api_client import ApiClient
from pipeline.fetch.errors import PullError
from pipeline.fetch.settings import FetchSettings
from pipeline.usage.pullers import anthropic, litellm, openai, otlp_files

# What a 403 means, per source kind (and Anthropic report): the permission the key lacks.
PERMISSIONS = {
    "openai_usage": "an OpenAI Admin key (sk-admin-...) allowed to read Usage (api.usage.read)",
    "messages": "an Anthropic Admin API key (sk-ant-admin...); workspace API keys cannot",
    "claude_code": "an Anthropic Admin API key (sk-ant-admin...); workspace API keys cannot",
    "analytics": "a Claude Enterprise Analytics API key with the read:analytics scope",
    "litellm": "the proxy's master key or a proxy-admin key (spend logs are admin-only)",
}


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str


def _request(source: UsageSourceConfig, now: dt.datetime) -> tuple[str, dict, dict[str, str]]:
    """(path, params, headers) of the cheapest request on the endpoint the pull reads."""
    key = (os.environ.get(source.key_env or "") or "").strip()
    day = now - dt.timedelta(days=1)
    if source.kind == "openai_usage":
        endpoint = (source.endpoints or ["completions"])[0]
        params = {"start_time": int(day.timestamp()), "bucket_width": "1d", "limit": 1}
        return f"organization/usage/{endpoint}", params, openai.headers(key)
    if source.kind == "litellm":
        params = {
            "start_date": litellm._stamp(now - dt.timedelta(minutes=1)),
            "end_date": litellm._stamp(now),
            "page": 1,
            "page_size": 1,
        }
        return litellm.PATH, params, litellm.headers(key)
    if source.report == "claude_code":
        params = {"starting_at": day.date().isoformat(), "limit": 1}
        return anthropic.CLAUDE_CODE_PATH, params, anthropic.headers(key)
    params = {"starting_at": anthropic._rfc3339(day), "bucket_width": "1d", "limit": 1}
    if source.report == "analytics":
        params["beta"] = "true"
        return anthropic.ANALYTICS_PATH, params, anthropic.headers(key)
    return anthropic.PATH, params, anthropic.headers(key)


def probe(
    source: UsageSourceConfig,
    *,
    now: dt.datetime,
    settings: FetchSettings | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Probe:
    """One request (no retries); never raises."""
    if source.kind == "otel_files":
        folder = Path(source.path or "")
        if not folder.is_dir() or not os.access(folder, os.R_OK | os.X_OK):
            return Probe(False, f"{folder} is not a readable directory")
        return Probe(True, f"{folder}: {len(otlp_files.files(folder))} OTLP files")
    if not (os.environ.get(source.key_env or "") or "").strip():
        return Probe(False, f"not tried: {source.key_env} is not set")
    path, params, headers = _request(source, now)
    settings = replace(settings or FetchSettings(), attempts=1)
    try:
        with ApiClient(
            source.url,
            headers,
            key_env=source.key_env,
            settings=settings,
            now=lambda: now,
            transport=transport,
        ) as client:
            try:
                client.get_json(path, params)
            except PullError as exc:
                if exc.status != 404 or source.kind != "litellm":
                    raise
                path = litellm.OLD_PATH  # an older proxy: the pull reads this one
                client.get_json(path, params)
    except PullError as exc:
        needs = PERMISSIONS.get(source.report or "messages", "")
        if source.kind != "anthropic_usage":
            needs = PERMISSIONS[source.kind]
        if exc.status == 401:
            return Probe(False, f"key in {source.key_env} refused (HTTP 401); it must be {needs}")
        if exc.status == 403:
            return Probe(False, f"key in {source.key_env} lacks the permission: needs {needs}")
        return Probe(False, str(exc))
    return Probe(True, f"key in {source.key_env} can read /{path}")
