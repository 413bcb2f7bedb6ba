"""Tests reach loopback only (pytest-socket, `--allow-hosts` in pyproject.toml's addopts): a provider URL
left pointing at a real host fails the test at connect() instead of calling out."""

from __future__ import annotations

import socket
import threading

import pytest
from pytest_socket import SocketConnectBlockedError

from providers.deezer import DeezerClient

# TEST-NET-3 (RFC 5737): an address of "the internet" that no network routes.
OUTSIDE = "203.0.113.10"
# pytest-socket also warns about each blocked call; here the block is the point.
blocked = pytest.mark.filterwarnings("ignore:A test tried to use socket.socket.connect")


def _guard_installed() -> bool:
    return socket.socket.connect.__name__ == "guarded_connect"


@blocked
def test_a_provider_client_pointed_at_an_outside_host_fails_at_connect():
    assert _guard_installed()  # checked first: without the guard the call below would go out
    with pytest.raises(SocketConnectBlockedError) as caught:
        DeezerClient(f"http://{OUTSIDE}", "token").me()
    assert OUTSIDE in str(caught.value)


@blocked
def test_a_raw_socket_to_an_outside_host_is_refused():
    assert _guard_installed()
    with socket.socket() as sock, pytest.raises(SocketConnectBlockedError):
        sock.connect((OUTSIDE, 443))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_stays_open(host):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection((host, port), timeout=5):
            pass
        accepted.join(5)
