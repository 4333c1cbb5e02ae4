"""Redirect policy: no cross-host redirect into private, loopback, link-local or metadata space.

A public provider page that redirects to `169.254.169.254` or `10.0.0.5` would make the
fetcher read (and store, and alert on) something inside our network. Such a redirect is
refused unless its host is itself a configured source host. Same-host redirects are followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx

from pipeline.fetch.errors import FetchError

_METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data"})


def _private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


async def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
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


async def check_redirect(source: httpx.URL, target: httpx.URL, trusted: frozenset[str]) -> None:
    """Raise FetchError("redirect") when following `source` -> `target` is not allowed."""
    host = target.host.lower().strip("[]")
    if host == source.host.lower().strip("[]") or host in trusted:
        return
    if host in _METADATA_NAMES or host.endswith((".internal", ".local", ".localhost")):
        raise FetchError("redirect", f"redirect to internal host {host} refused")
    port = target.port or (443 if target.scheme == "https" else 80)
    for address in await _addresses(host, port):
        if _private(address):
            raise FetchError(
                "redirect", f"redirect to {host} ({address}) in private address space refused"
            )
