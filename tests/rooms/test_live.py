"""The room's WebSocket (seed 002, "Live"): members hear every change; one poller per room.

Channels' communicator drives `config.asgi.application` (origin check, session auth, routing) against the
sandbox. Each test is one coroutine run by `async_to_sync`, so the consumers and the poller share a loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client

from config.asgi import application
from rooms import services
from rooms.poller import RoomPoller, lease_key, room_poller
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.listening.conftest import connect_spotify

pytestmark = pytest.mark.django_db(transaction=True)

POLL_SECONDS = 0.2


@pytest.fixture
def live(sandbox, settings):
    settings.ROOM_POLL_SECONDS = POLL_SECONDS
    return sandbox


@pytest.fixture
def host(live):
    user = UserFactory()
    connect_spotify(live, user)
    return user


@pytest.fixture
def room(host):
    return services.room_create(host=host, guest_can_pause=False, votes_to_skip=2)


def user_cookie(user) -> str:
    """The session cookie of a signed-in browser."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def guest_cookie() -> str:
    """An anonymous browser's session cookie."""
    session = SessionStore()
    session.create()
    return session.session_key


def joined_guest(room) -> str:
    key = guest_cookie()
    services.room_join(room=room, who=services.Identity(user=None, session_key=key))
    return key


def joined_user(room):
    user = UserFactory()
    services.room_join(room=room, who=services.Identity(user=user, session_key=""))
    return user


def socket(code: str, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/rooms/{code}/", headers=headers)


async def opened(code: str, cookie: str | None) -> WebsocketCommunicator:
    communicator = socket(code, cookie)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_event(communicator: WebsocketCommunicator, event: str, timeout: float = 5) -> dict[str, Any]:
    """The data of the next `event` on the socket (other events are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            message = await communicator.receive_json_from(timeout=timeout)
            if message["event"] == event:
                return message["data"]


async def closed_with(communicator: WebsocketCommunicator) -> int:
    """Reads up to the socket's close; its code."""
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


async def finish(code: str, *communicators: WebsocketCommunicator) -> None:
    """Disconnects the sockets and waits for this process's poller of the room to stop."""
    poller = room_poller(code)
    for communicator in communicators:
        await communicator.disconnect()
    if poller is not None and poller.task is not None:
        await asyncio.wait_for(poller.task, timeout=5)


def run(scenario) -> None:
    async_to_sync(scenario)()


def currently_playing_calls(sandbox) -> int:
    return len([c for c in sandbox.calls("spotify-api") if c["path"].endswith("/currently-playing")])


# --- who may connect ----------------------------------------------------------------------------


def test_the_host_connects_and_gets_the_room_at_once(room, host):
    cookie = user_cookie(host)

    async def scenario():
        communicator = await opened(room.code, cookie)
        message = await communicator.receive_json_from(timeout=5)
        assert message["event"] == "state"
        state = message["data"]
        assert state["room"] == {"code": room.code, "guest_can_pause": False, "votes_to_skip": 2}
        assert state["is_host"] is True
        assert [m["is_host"] for m in state["members"]] == [True]
        assert state["member_id"] == state["members"][0]["id"]
        await finish(room.code, communicator)

    run(scenario)


def test_an_anonymous_guest_connects_by_session_and_sees_the_song(room, live):
    key = joined_guest(room)

    async def scenario():
        communicator = await opened(room.code, key)
        state = await next_event(communicator, "state")
        assert state["is_host"] is False
        assert {m["name"] for m in state["members"]} >= {"Guest"}
        song = state["song"] or (await next_event(communicator, "song"))["song"]
        assert live.admin("spotify", "state", user="wizzler")["current"] == f"spotify:track:{song['id']}"
        assert song["title"]
        assert song["votes"] == 0
        assert song["votes_required"] == 2
        await finish(room.code, communicator)

    run(scenario)


def test_a_second_connection_gets_the_stored_song_and_its_progress(room, host):
    key = joined_guest(room)
    cookie = user_cookie(host)

    async def scenario():
        first = await opened(room.code, cookie)
        progress = await next_event(first, "progress")
        second = await opened(room.code, key)
        song = (await next_event(second, "state"))["song"]
        assert song["id"] == progress["song_id"]
        assert song["progress_ms"] == progress["progress_ms"]
        assert song["is_playing"] is True
        await finish(room.code, first, second)

    run(scenario)


def test_someone_not_in_the_room_is_refused(room):
    stranger = user_cookie(UserFactory())
    outsider = guest_cookie()

    async def scenario():
        for cookie in (stranger, outsider, None):
            communicator = await opened(room.code, cookie)
            assert await closed_with(communicator) == 4403
            await communicator.disconnect()
        assert room_poller(room.code) is None

    run(scenario)


def test_an_unknown_room_is_refused(live, host):
    cookie = user_cookie(host)

    async def scenario():
        communicator = await opened("NOROOM22", cookie)
        assert await closed_with(communicator) == 4404
        await communicator.disconnect()

    run(scenario)


def test_another_site_cannot_open_the_socket(room, host):
    cookie = user_cookie(host)

    async def scenario():
        communicator = WebsocketCommunicator(
            application,
            f"/ws/rooms/{room.code}/",
            headers=[(b"origin", b"https://evil.example"), (b"cookie", f"sessionid={cookie}".encode())],
        )
        connected, _ = await communicator.connect()
        assert not connected

    run(scenario)


# --- changes made over HTTP reach the sockets -------------------------------------------------------


def test_a_pause_and_a_skip_through_the_api_reach_the_members(room, host, live):
    guest = joined_user(room)
    api = client_for(host, "token")
    cookie = user_cookie(guest)

    async def scenario():
        communicator = await opened(room.code, cookie)
        first = (await next_event(communicator, "song"))["song"]

        response = await database_sync_to_async(api.put)(f"/api/rooms/{room.code}/pause/")
        assert response.status_code == 204
        assert await next_event(communicator, "playback") == {"is_playing": False}

        response = await database_sync_to_async(api.post)(f"/api/rooms/{room.code}/skip/")
        assert response.status_code == 200
        assert await next_event(communicator, "votes") == {"votes": 0, "votes_required": 2}
        song = (await next_event(communicator, "song"))["song"]
        assert song["id"] != first["id"]
        assert live.admin("spotify", "state", user="wizzler")["current"] == f"spotify:track:{song['id']}"
        await finish(room.code, communicator)

    run(scenario)


def test_settings_and_members_changes_reach_the_members(room, host):
    api = client_for(host, "token")
    cookie = user_cookie(host)

    async def scenario():
        communicator = await opened(room.code, cookie)
        await next_event(communicator, "state")

        response = await database_sync_to_async(api.patch)(
            f"/api/rooms/{room.code}/", {"guest_can_pause": True}
        )
        assert response.status_code == 200
        assert await next_event(communicator, "settings") == {"guest_can_pause": True, "votes_to_skip": 2}

        await database_sync_to_async(joined_guest)(room)
        members = (await next_event(communicator, "members"))["members"]
        assert [m["name"] for m in members if not m["is_host"]] == ["Guest"]
        await finish(room.code, communicator)

    run(scenario)


def test_the_host_leaving_closes_every_members_socket(room, host):
    guest_key = joined_guest(room)
    other = joined_user(room)
    api = client_for(host, "token")
    guest_socket, user_socket = socket(room.code, guest_key), socket(room.code, user_cookie(other))

    async def scenario():
        for communicator in (guest_socket, user_socket):
            assert (await communicator.connect())[0]
            await next_event(communicator, "state")

        response = await database_sync_to_async(api.post)(f"/api/rooms/{room.code}/leave/")
        assert response.status_code == 204
        for communicator in (guest_socket, user_socket):
            assert await next_event(communicator, "closed") == {"reason": "The host closed the room."}
            assert await closed_with(communicator) == 4410
        await finish(room.code, guest_socket, user_socket)
        assert await database_sync_to_async(cache.get)(lease_key(room.code)) is None

    run(scenario)


def test_a_guest_who_leaves_stops_hearing_the_room(room):
    key = joined_guest(room)

    async def scenario():
        communicator = await opened(room.code, key)
        await next_event(communicator, "state")
        await database_sync_to_async(services.room_leave)(
            room=room, who=services.Identity(user=None, session_key=key)
        )
        assert await closed_with(communicator) == 4403
        await finish(room.code, communicator)

    run(scenario)


# --- the poller ----------------------------------------------------------------------------------------


def test_one_poller_sends_progress_to_every_member_and_stops_when_they_leave(room, host, live):
    key = joined_guest(room)
    cookie = user_cookie(host)

    async def scenario():
        host_socket = await opened(room.code, cookie)
        guest_socket = await opened(room.code, key)
        for communicator in (host_socket, guest_socket):
            for _ in range(3):
                progress = await next_event(communicator, "progress")
                assert progress["is_playing"] is True
                assert progress["song_id"]
                assert progress["progress_ms"] >= 0

        pollers = [t for t in asyncio.all_tasks() if t.get_name() == f"room-poller-{room.code}"]
        assert len(pollers) == 1
        assert room_poller(room.code).sockets == 2
        assert await database_sync_to_async(cache.get)(lease_key(room.code)) == room_poller(room.code).owner

        task = room_poller(room.code).task
        await finish(room.code, host_socket, guest_socket)
        assert task.done()
        assert room_poller(room.code) is None
        assert await database_sync_to_async(cache.get)(lease_key(room.code)) is None
        calls = currently_playing_calls(live)
        await asyncio.sleep(POLL_SECONDS * 3)
        assert currently_playing_calls(live) == calls  # nobody connected: nobody polls

    run(scenario)


def test_only_the_process_holding_the_lease_reads_the_player(room, live):
    """Two processes' pollers of one room, side by side: one polls, the other stands by."""

    async def scenario():
        first, second = RoomPoller(room.code), RoomPoller(room.code)
        assert await first.tick() is True
        assert await second.tick() is False
        assert await first.tick() is True
        assert currently_playing_calls(live) == 2

        await first.release_lease()  # its last socket left
        assert await second.tick() is True
        assert await first.tick() is False
        assert currently_playing_calls(live) == 3
        await second.release_lease()

    run(scenario)


def test_a_failing_spotify_is_reported_once_then_backed_off(room, host, live):
    cookie = user_cookie(host)

    async def scenario():
        communicator = await opened(room.code, cookie)
        await next_event(communicator, "state")
        poller = room_poller(room.code)  # stopped, the socket staying: the test ticks one by hand
        poller.leave()
        await asyncio.wait_for(poller.task, timeout=5)
        await drain(communicator)

        # Two polls, each a call, a token refresh and a retry that still answer 401.
        live.fault("spotify-api", kind="token_expired", count=4)
        manual = RoomPoller(room.code)
        assert await manual.tick() is True
        assert manual.delay() == POLL_SECONDS * 2

        assert await manual.tick() is True
        assert manual.delay() == POLL_SECONDS * 4
        assert await manual.tick() is True  # Spotify answers again
        assert manual.delay() == POLL_SECONDS

        error, progress = await drain(communicator)  # the second failure was not announced
        assert error["event"] == "error"
        assert error["data"]["code"] == "host_reconnect_required"
        assert "connect Spotify again" in error["data"]["message"]
        assert progress["event"] == "progress"
        assert progress["data"]["is_playing"] is True
        await manual.release_lease()
        await communicator.disconnect()

    run(scenario)


async def drain(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    messages = []
    while not await communicator.receive_nothing(timeout=0.2):
        messages.append(await communicator.receive_json_from())
    return messages
