"""Writes: sending a message and marking messages read."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from rest_framework.fields import DateTimeField

from core.error_codes import ErrorCode
from core.errors import InvalidInput, NotFound
from messaging.models import MAX_MESSAGE_LENGTH, Message
from users import selectors as user_selectors
from users.models import User

logger = logging.getLogger(__name__)

NEW_MESSAGE_EVENT = "message.new"


def user_group(user_id: int) -> str:
    """The Channels group a user's open connections join, to be told about new messages."""
    return f"user-{user_id}"


def _person(user: User) -> dict[str, Any]:
    return {"id": user.id, "full_name": user.full_name, "image": user.image.url if user.image else None}


def message_as_dict(message: Message) -> dict[str, Any]:
    """The message as JSON-ready data, the API's shape (image URLs are relative: there is no request)."""
    timestamp = DateTimeField()
    return {
        "id": message.id,
        "sender": _person(message.sender),
        "receiver": _person(message.receiver),
        "content": message.content,
        "created_at": timestamp.to_representation(message.created_at),
        "read_at": timestamp.to_representation(message.read_at) if message.read_at else None,
    }


def _notify(*, receiver_id: int, payload: dict[str, Any]) -> None:
    """Best effort: a live notice is a nicety; the message is already stored and listed."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        event = {"type": NEW_MESSAGE_EVENT, "message": payload}
        async_to_sync(layer.group_send)(user_group(receiver_id), event)
    except Exception:
        logger.exception("Could not notify user %s of new message %s", receiver_id, payload.get("id"))


@transaction.atomic
def message_send(*, sender: User, receiver_id: int, content: str) -> Message:
    """Stores a message from `sender` and, once committed, tells the receiver's open connections."""
    content = content.strip()
    if not content:
        raise InvalidInput("Write something: the message is empty.", field="content", code=ErrorCode.EMPTY)
    if len(content) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(
            f"The message is {len(content)} characters long; shorten it to {MAX_MESSAGE_LENGTH} or fewer.",
            field="content",
            code=ErrorCode.TOO_LONG,
        )
    if receiver_id == sender.id:
        raise InvalidInput("You cannot send a message to yourself.", field="receiver", code=ErrorCode.SELF)
    receiver = user_selectors.user_list_active().filter(pk=receiver_id).first()
    if receiver is None:
        raise InvalidInput(
            f"There is no user with id {receiver_id}.", field="receiver", code=ErrorCode.UNKNOWN_USER
        )

    message = Message.objects.create(sender=sender, receiver=receiver, content=content)
    transaction.on_commit(partial(_notify, receiver_id=receiver.id, payload=message_as_dict(message)))
    return message


def message_mark_read(*, message: Message, reader: User) -> Message:
    """Marks a received message read (once: the first read time is kept). Only its receiver may."""
    if message.receiver_id != reader.id:
        raise NotFound()
    if message.read_at is None:
        message.mark_read()
        message.save(update_fields=["read_at"])
    return message


def conversation_mark_read(*, reader: User, other_id: int) -> int:
    """Marks every unread message from `other_id` to `reader` read; returns how many were."""
    return Message.objects.filter(receiver=reader, sender_id=other_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
