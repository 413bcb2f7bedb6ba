"""Two real server processes share one room's live updates through Redis (seed 002, "Live").

Two daphne processes on loopback ports serve the test database (PostgreSQL, committed data) with the
test run's REDIS_URL and the sandbox's settings. A member connected to one of them hears what another
member does through the other's HTTP API, and the room's player is polled by one process only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from rooms import services
from rooms.poller import lease_key
from tests.factories import UserFactory
from tests.listening.conftest import connect_spotify
from tests.processes import ServerProcess, database_url
from users.services import auth_credentials_issue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
POLL_SECONDS = 0.5

pytestmark = [
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="needs REDIS_URL: two processes share a room through the Redis channel layer (CI sets it)",
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the server processes must see the test database (CI runs it)",
    ),
    pytest.mark.django_db(transaction=True),
]


class Server(ServerProcess):
    """daphne, the development server's ASGI server, on the test database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(["daphne", "-b", "127.0.0.1", "-p", "{port}", "config.asgi:application"], env, log)

    def wait_ready(self, path: str = "/api/rooms/mine/", timeout: float = 30) -> None:
        super().wait_ready(path, timeout)


@pytest.fixture
def servers(transactional_db, sandbox, tmp_path) -> Iterator[tuple[Server, Server]]:
    env = {
        **os.environ,
        **sandbox.env,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL_MAX_SIZE": "0",  # no idle connection outlives a request (the test flushes the tables)
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ROOM_POLL_SECONDS": str(POLL_SECONDS),
    }
    started = [Server(env, tmp_path / "a.log"), Server(env, tmp_path / "b.log")]
    try:
        for server in started:
            server.wait_ready()
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


class WebSocket:
    """Just enough RFC 6455 for a test: the handshake, text frames in, pong and close out."""

    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, server: Server, path: str, cookie: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.buffer = b""
        self.close_code: int | None = None
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.url}\r\nCookie: {settings.SESSION_COOKIE_NAME}={cookie}\r\n\r\n".encode()
        )
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        assert base64.b64encode(hashlib.sha1(key + self.GUID).digest()) in head  # noqa: S324 - the protocol's

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)  # a client masks every frame
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next JSON message; None when the server closed the socket."""
        self.sock.settimeout(timeout)
        while True:
            first, second = self._read(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._read(8))[0]
            payload, opcode = self._read(size), first & 0x0F
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if payload else None
                return None
            if opcode == 0x9:
                self._send(0xA, payload)

    def next_event(self, event: str, timeout: float = 10, **expected: Any) -> dict[str, Any]:
        """The data of the next `event` (whose data has the `expected` items); others are skipped."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            assert message is not None, f"closed ({self.close_code}) before {event!r}"
            if message["event"] == event and expected.items() <= message["data"].items():
                return message["data"]
        raise TimeoutError(event)

    def close(self) -> None:
        try:
            self._send(0x8, struct.pack("!H", 1000))
        finally:
            self.sock.close()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def spotify_calls(sandbox) -> int:
    return len([c for c in sandbox.calls("spotify-api") if c["path"].endswith("/currently-playing")])


def test_members_on_two_processes_share_the_room(servers, sandbox):
    a, b = servers
    host, guest = UserFactory(), UserFactory()
    connect_spotify(sandbox, host)
    room = services.room_create(host=host, guest_can_pause=False, votes_to_skip=2)
    services.room_join(room=room, who=services.Identity(user=guest, session_key=""))
    token = auth_credentials_issue(user=host).key

    on_a = WebSocket(a, f"/ws/rooms/{room.code}/", session_cookie(guest))
    on_b = WebSocket(b, f"/ws/rooms/{room.code}/", session_cookie(host))
    try:
        assert on_a.next_event("state")["room"]["code"] == room.code
        assert on_b.next_event("state")["is_host"] is True

        # A change made through B's API reaches the member connected to A.
        response = httpx.patch(
            f"{b.url}/api/rooms/{room.code}/",
            json={"guest_can_pause": True, "votes_to_skip": 3},
            headers={"Authorization": f"Token {token}"},
        )
        assert response.status_code == 200, response.text
        assert on_a.next_event("settings") == {"guest_can_pause": True, "votes_to_skip": 3}
        assert on_b.next_event("settings") == {"guest_can_pause": True, "votes_to_skip": 3}

        response = httpx.put(
            f"{b.url}/api/rooms/{room.code}/pause/", headers={"Authorization": f"Token {token}"}
        )
        assert response.status_code == 204, response.text
        assert on_a.next_event("playback") == {"is_playing": False}

        # One process polls the host's player for both; the other stands by.
        # (a poll that read the player just before the pause may still say it plays)
        assert on_a.next_event("progress", is_playing=False)["song_id"]
        assert on_b.next_event("progress", is_playing=False)["song_id"]
        assert cache.get(lease_key(room.code))
        before, started = spotify_calls(sandbox), time.monotonic()
        time.sleep(3)
        polls = spotify_calls(sandbox) - before
        assert 1 <= polls <= (time.monotonic() - started) / POLL_SECONDS + 1  # two pollers would double it

        # The host closing the room through A closes the socket on B too.
        response = httpx.post(
            f"{a.url}/api/rooms/{room.code}/leave/", headers={"Authorization": f"Token {token}"}
        )
        assert response.status_code == 204, response.text
        for ws in (on_a, on_b):
            assert ws.next_event("closed") == {"reason": "The host closed the room."}
            assert ws.receive(timeout=10) is None
            assert ws.close_code == 4410
    finally:
        on_a.close()
        on_b.close()
