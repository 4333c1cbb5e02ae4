"""Credentials inside a source URL: found, and removed before the URL is stored or shown.

A URL may carry a secret as userinfo (`https://user:pass@host/`) or as a token-like query
parameter (`?token=...`, `?api_key=...`, `?sig=...`). The fetcher uses the URL as configured;
everything written (sources.url, snapshots.url, records.url, alerts) uses `strip_credentials`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
SECRET_PARAMS = frozenset(
    {
        "token",
        "key",
        "api_key",
        "apikey",
        "api-key",
        "access_token",
        "auth",
        "auth_token",
        "sig",
        "signature",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "x-api-key",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
    }
)


def _secret_param(name: str) -> bool:
    low = name.strip().lower()
    return low in SECRET_PARAMS or low.endswith(("_token", "-token", "_key", "_secret"))


def credential_parts(url: str) -> list[str]:
    """What in `url` looks like a credential ("userinfo", "query parameter 'token'"), if any."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = ["userinfo"] if "@" in parts.netloc else []
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if _secret_param(name):
            found.append(f"query parameter {name!r}")
    return found


def strip_credentials(url: str) -> str:
    """`url` without userinfo and with token-like query values replaced by REDACTED."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_secret_param(name) for name, _ in pairs):
            query = urlencode(
                [(name, REDACTED if _secret_param(name) else value) for name, value in pairs]
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
