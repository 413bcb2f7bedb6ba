"""What a client sends on a live socket is ignored: a binary frame, text that is not JSON, or JSON
nested 50,000 deep no longer raise inside the consumer and drop the connection (issue 12, Medium 1)."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from messaging.services import message_send
from tests.factories import UserFactory
from users.services import auth_credentials_issue

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.django_db(transaction=True)
def test_junk_from_the_client_leaves_the_message_socket_working():
    receiver, sender = UserFactory(), UserFactory()
    offered = f"token.{auth_credentials_issue(user=receiver).key}"

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/messages/", headers=HEADERS, subprotocols=[offered])
        connected, _ = await socket.connect()
        await socket.send_to(text_data=DEEP)
        await socket.send_to(text_data="not json")
        await socket.send_to(bytes_data=b"\x00\x01")
        await database_sync_to_async(message_send)(sender=sender, receiver_id=receiver.pk, content="still")
        event = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return connected, event

    connected, event = async_to_sync(scenario)()

    assert connected
    assert event["data"]["content"] == "still"
