"""API clients open the live sockets with their DRF token or access JWT offered as a subprotocol."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from messaging.services import message_send
from tests.factories import UserFactory
from users.services import auth_credentials_issue

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


def credential(user, scheme: str) -> str:
    issued = auth_credentials_issue(user=user)
    return f"token.{issued.key}" if scheme == "token" else f"bearer.{issued.access}"


@pytest.mark.parametrize("scheme", ["token", "jwt"])
@pytest.mark.django_db(transaction=True)
def test_a_token_client_receives_its_messages_live(scheme):
    receiver, sender = UserFactory(), UserFactory()
    offered = credential(receiver, scheme)

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/messages/", headers=HEADERS, subprotocols=[offered])
        connected, subprotocol = await socket.connect()
        await database_sync_to_async(message_send)(sender=sender, receiver_id=receiver.pk, content="hello")
        event = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return connected, subprotocol, event

    connected, subprotocol, event = async_to_sync(scenario)()

    assert connected
    assert subprotocol == offered  # echoed, as browsers and clients require
    assert event["event"] == "message.new"
    assert event["data"]["content"] == "hello"


@pytest.mark.parametrize(
    "offered", ["token.0123456789abcdef0123456789abcdef01234567", "bearer.not.a.jwt", "junk"]
)
@pytest.mark.django_db(transaction=True)
def test_a_bad_credential_stays_anonymous(offered):
    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/messages/", headers=HEADERS, subprotocols=[offered])
        connected, _ = await socket.connect()
        closing = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return connected, closing

    connected, closing = async_to_sync(scenario)()

    assert connected
    assert closing == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
def test_an_inactive_users_token_is_refused():
    user = UserFactory()
    offered = credential(user, "token")
    user.is_active = False
    user.save()

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/messages/", headers=HEADERS, subprotocols=[offered])
        await socket.connect()
        closing = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closing

    assert async_to_sync(scenario)()["code"] == 4401


@pytest.mark.django_db(transaction=True)
def test_a_token_client_follows_its_room(sandbox):
    from tests.conftest import client_for
    from tests.listening.conftest import connect_spotify

    host = UserFactory()
    connect_spotify(sandbox, host)
    code = client_for(host, "token").post("/api/rooms/", {}, format="json").json()["code"]
    offered = credential(host, "jwt")

    async def scenario():
        socket = WebsocketCommunicator(
            application, f"/ws/rooms/{code}/", headers=HEADERS, subprotocols=[offered]
        )
        connected, _ = await socket.connect()
        first = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return connected, first

    connected, first = async_to_sync(scenario)()

    assert connected
    assert first["event"] == "state"
    assert first["data"]["is_host"] is True
