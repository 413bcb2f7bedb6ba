"""The client's address: X-Forwarded-For is believed only for NUM_PROXIES trusted hops."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.client_ip import UNKNOWN_ADDRESS, client_ip
from core.throttling import ScopedRateThrottle


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/api/auth/login/", **extra)


def test_by_default_the_header_is_ignored(settings):
    settings.NUM_PROXIES = 0

    assert client_ip(request_from("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # Whatever the client wrote stays left of what our proxy appended.
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4,203.0.113.9", "203.0.113.9"),
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Fewer hops than proxies: the leftmost is what the first proxy there saw.
        (2, "203.0.113.9", "203.0.113.9"),
        # A garbled hop is not an address: the proxy's own (one shared bucket), never the garbage.
        (1, "1.2.3.4, not-an-ip", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "::ffff:203.0.113.9", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_proxies_the_trusted_hop_is_the_client(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies

    assert client_ip(request_from("10.0.0.1", forwarded)) == expected


def test_a_missing_peer_address_is_still_an_address(settings):
    settings.NUM_PROXIES = 0

    assert client_ip(request_from("")) == UNKNOWN_ADDRESS


def test_drf_throttles_ask_the_same_function(settings):
    """Anonymous callers of any DRF-throttled view are counted by the trusted address too
    (DRF's own get_ident used the whole X-Forwarded-For when NUM_PROXIES was unset)."""
    settings.NUM_PROXIES = 0

    ident = ScopedRateThrottle().get_ident(request_from("198.51.100.7", "203.0.113.1"))

    assert ident == "198.51.100.7"
