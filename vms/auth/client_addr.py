"""The client address of a request: the peer, or what a configured trusted proxy forwarded.

`X-Forwarded-For` is believed only when the peer is one of the site's trusted proxies; then
the rightmost address that is not itself a trusted proxy is the client. Anyone else's header
is ignored, so a client cannot pick the address it is throttled and audited under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Sequence[str]) -> tuple[Network, ...]:
    """The trusted proxies as networks (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(
    peer: str | None, headers: Mapping[str, str], proxies: Sequence[Network]
) -> str | None:
    """Who is asking, given the TCP peer, the request headers and the trusted proxies."""
    if peer is None or not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = [a.strip() for a in headers.get("x-forwarded-for", "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: fall back to the proxy itself
    return peer
