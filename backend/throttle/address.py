"""The address a request really comes from, for counting wrong guesses per address.

Behind a reverse proxy every request arrives from the proxy, so `TRUSTED_PROXIES` names
the proxies whose `X-Forwarded-For` we believe; from anyone else the header is ignored
(a guesser could otherwise pick a fresh address for every try).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection

from aiohttp import web

# An IPv6 user controls a whole /64: counting single addresses there would count nothing.
IPV6_PREFIX = 64
MAX_LENGTH = 64


def normalise(raw: str) -> str:
    """One spelling per client: IPv4 as is (IPv4-mapped IPv6 too), IPv6 as its /64 network."""
    text = raw.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text[:MAX_LENGTH] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def client_address(request: web.Request, trusted_proxies: Collection[str]) -> str:
    peer = normalise(request.remote or "unknown")
    if peer not in trusted_proxies:
        return peer
    hops = [hop for header in request.headers.getall("X-Forwarded-For", []) for hop in header.split(",")]
    # Read from the right: the nearest hop not ours is the one our proxy actually saw.
    for hop in reversed(hops):
        address = normalise(hop)
        if address not in trusted_proxies:
            return address
    return peer
