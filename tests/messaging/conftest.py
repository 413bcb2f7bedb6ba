from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from messaging.models import Message
from tests.factories import UserFactory

_clock = itertools.count()
_start = timezone.now() - timedelta(days=1)


def make_message(sender, receiver, content: str = "hello", **fields) -> Message:
    """A stored message; each one a second later than the previous, so orders are certain."""
    fields.setdefault("created_at", _start + timedelta(seconds=next(_clock)))
    return Message.objects.create(sender=sender, receiver=receiver, content=content, **fields)


@pytest.fixture
def third_user(db):
    return UserFactory()


@pytest.fixture
def channel_layer():
    layer = get_channel_layer()
    yield layer
    async_to_sync(layer.flush)()
