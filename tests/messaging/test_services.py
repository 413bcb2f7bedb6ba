from __future__ import annotations

import asyncio
import logging

import pytest
from asgiref.sync import async_to_sync

from core.errors import InvalidInput, NotFound
from messaging import selectors, services
from messaging.models import Message
from tests.messaging.conftest import make_message

pytestmark = pytest.mark.django_db


async def _receive_within(layer, channel: str, seconds: float) -> dict:
    return await asyncio.wait_for(layer.receive(channel), seconds)


def _listen(layer, user) -> str:
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(services.user_group(user.id), channel)
    return channel


def test_sending_notifies_the_receivers_group_after_commit(
    auth_client, user, other_user, channel_layer, django_capture_on_commit_callbacks
):
    receiver_channel = _listen(channel_layer, other_user)
    sender_channel = _listen(channel_layer, user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post("/api/messages/", {"receiver": other_user.id, "content": "live!"})
    assert response.status_code == 201
    assert callbacks, "the notice waits for the commit"
    for callback in callbacks:
        callback()

    event = async_to_sync(channel_layer.receive)(receiver_channel)
    assert event == {"type": "message.new", "message": response.json()}
    with pytest.raises(TimeoutError):  # the sender's own connections are not told
        async_to_sync(_receive_within)(channel_layer, sender_channel, 0.05)


def test_a_rejected_message_notifies_no_one(
    user, other_user, channel_layer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InvalidInput):
        services.message_send(sender=user, receiver_id=other_user.id, content=" ")

    assert callbacks == []


def test_a_failing_channel_layer_never_breaks_sending(
    monkeypatch, caplog, user, other_user, django_capture_on_commit_callbacks
):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(services, "get_channel_layer", BrokenLayer)

    with (
        caplog.at_level(logging.ERROR, logger="messaging.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = services.message_send(sender=user, receiver_id=other_user.id, content="still sent")

    assert Message.objects.get() == message
    assert "Could not notify user" in caplog.text


def test_no_channel_layer_is_fine(monkeypatch, user, other_user, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "get_channel_layer", lambda: None)

    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=user, receiver_id=other_user.id, content="quiet")

    assert Message.objects.count() == 1


def test_message_mark_read_refuses_anyone_but_the_receiver(user, other_user):
    message = make_message(user, other_user)

    with pytest.raises(NotFound):
        services.message_mark_read(message=message, reader=user)

    assert services.message_mark_read(message=message, reader=other_user).read_at is not None


def test_conversation_mark_read_counts_what_it_marked(user, other_user, third_user):
    make_message(other_user, user)
    make_message(other_user, user)
    make_message(third_user, user)

    assert services.conversation_mark_read(reader=user, other_id=other_user.id) == 2
    assert services.conversation_mark_read(reader=user, other_id=other_user.id) == 0
    assert selectors.message_unread_count(user=user) == 1
