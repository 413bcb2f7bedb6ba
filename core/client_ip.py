"""The client's address: the one answer for the whole project (throttles, allauth, anything else).

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as the
operator says: `NUM_PROXIES` reverse proxies stand in front of the app, each appending the address
it received the request from. The client is then the `NUM_PROXIES`-th address from the right of
that header (what the first proxy saw); everything left of it is whatever the client wrote. With
`NUM_PROXIES=0` (the default) the header is ignored and the socket's peer, `REMOTE_ADDR`, is the
client. These are the semantics of DRF's and allauth's own proxy counts, which follow this setting.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

# What an unknown peer is counted as (a Unix socket with no proxy header): one shared bucket,
# which throttles harder rather than letting anyone slip between keys.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - an address to count by, never bound


def _clean(candidate: str | None) -> str | None:
    """`candidate` as a canonical IP address, or None if it is not one."""
    if not candidate:
        return None
    try:
        address = ipaddress.ip_address(candidate.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:203.0.113.7 is 203.0.113.7, one bucket
    return str(address)


def client_ip(request: Any) -> str:
    """The address the request came from, trusting `X-Forwarded-For` only for `NUM_PROXIES` hops.

    Works with a Django `HttpRequest` and a DRF `Request` (both have `META`). Always returns a valid
    IP address: a garbled header entry falls back to `REMOTE_ADDR` (the proxy, so such clients share
    one bucket instead of choosing their own).
    """
    remote = _clean(request.META.get("REMOTE_ADDR")) or UNKNOWN_ADDRESS
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer hops than proxies: the request skipped a proxy; the leftmost is all there is.
    return _clean(hops[-min(proxies, len(hops))]) or remote
