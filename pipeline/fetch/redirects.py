"""Redirect policy: every redirect the product follows (pages and robots.txt) is checked here.

A public provider page that redirects to `169.254.169.254` or `10.0.0.5` would make the
fetcher read (and store, and alert on) something inside our network. A redirect is refused
when its target address is not globally reachable (private, loopback, link-local, shared
address space `100.64.0.0/10` where cloud metadata services live, reserved, multicast, and
the 6to4 / NAT64 / IPv4-mapped forms of any of those), unless the target origin (host *and*
port) is itself a configured source's origin. Redirects within one origin are followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx

from pipeline.fetch.errors import FetchError, redact_url

_METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data"})
_SCHEMES = frozenset({"http", "https"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# IANA special-purpose blocks not globally reachable, stated here because older Pythons'
# `is_global` misses some (3.11 calls 192.0.0.0/24 global).
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "100::/64",
        "64:ff9b:1::/48",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
    )
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: mapped, 6to4, NAT64, Teredo (server, client)."""
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.teredo:
        found.extend(address.teredo)
    return found


def non_global(address: Address) -> bool:
    """True for any address that is not globally reachable, in any encoding."""
    if isinstance(address, ipaddress.IPv6Address) and any(
        non_global(inner) for inner in _embedded(address)
    ):
        return True
    if any(address in network for network in _NOT_GLOBAL if network.version == address.version):
        return True
    return not address.is_global or address.is_multicast


async def _addresses(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return []  # unresolvable: the request itself will fail to connect
    found = []
    for info in infos:
        try:
            found.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            continue
    return found


def origin_key(host: str, port: int | None, scheme: str) -> str:
    """`host:port` with the scheme's default port filled in: what trust is granted to."""
    host = host.lower().strip("[]")
    return f"{host}:{port or (443 if scheme == 'https' else 80)}"


def url_origin(url: httpx.URL) -> str:
    return origin_key(url.host, url.port, url.scheme)


def trusted_origins(entries: object) -> frozenset[str]:
    """Normalise configured entries: a URL or `host:port` keeps its port; a bare host stands
    for that host on the default ports 80 and 443 only."""
    out: set[str] = set()
    for entry in entries or ():  # type: ignore[attr-defined]
        text = str(entry).strip().lower()
        if not text:
            continue
        if "://" in text:
            try:
                out.add(url_origin(httpx.URL(text)))
            except (httpx.InvalidURL, ValueError):
                continue
            continue
        host, sep, port = text.rpartition(":")
        if sep and port.isdigit() and (not host.startswith("[") or host.endswith("]")):
            out.add(origin_key(host, int(port), "http"))
        else:
            out.add(origin_key(text, 80, "http"))
            out.add(origin_key(text, 443, "https"))
    return frozenset(out)


async def check_redirect(source: httpx.URL, target: httpx.URL, trusted: frozenset[str]) -> None:
    """Raise FetchError("redirect") when following `source` -> `target` is not allowed."""
    here, there = url_origin(source), url_origin(target)
    if there == here or there in trusted:
        return
    host = target.host.lower().strip("[]")
    if host in _METADATA_NAMES or host.endswith((".internal", ".local", ".localhost")):
        raise FetchError("redirect", f"redirect to internal host {host} refused")
    port = target.port or (443 if target.scheme == "https" else 80)
    for address in await _addresses(host, port):
        if non_global(address):
            raise FetchError(
                "redirect",
                f"redirect to {host}:{port} ({address}) in private address space refused",
            )


async def redirect_target(
    url: httpx.URL, location: str, seen: set[str], trusted: frozenset[str]
) -> httpx.URL:
    """The checked target of a redirect from `url` to `location` (http(s) only, no loop, the
    address policy above); raises FetchError("redirect") otherwise. Adds it to `seen`."""
    try:
        target = url.join(location.strip())
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError("redirect", "redirect to an invalid URL") from exc
    if target.scheme not in _SCHEMES or not target.host:
        raise FetchError("redirect", f"redirect to non-http(s) scheme {target.scheme!r}")
    if str(target) in seen:
        raise FetchError("redirect", f"redirect loop at {redact_url(target)}")
    await check_redirect(url, target, trusted)
    seen.add(str(target))
    return target
