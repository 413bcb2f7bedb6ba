"""A room whose host's Spotify app has spent its quota: the poller waits the pause out, asking nothing."""

import asyncio

import pytest

from core.errors import RateLimited
from core.quota_pause import quota_pause
from rooms import services
from rooms.models import Room
from rooms.poller import RoomPoller
from sandbox.services import spotify as spotify_sandbox

pytestmark = pytest.mark.django_db


def test_a_spent_quota_makes_the_room_poll_after_the_pause(sandbox, host, settings):
    settings.ROOM_POLL_SECONDS = 4
    room = services.room_create(host=host, guest_can_pause=False, votes_to_skip=2)
    quota_pause(provider="spotify", app_id=spotify_sandbox.CLIENT_ID, seconds=300)
    calls_before = len(sandbox.calls("spotify-api"))

    with pytest.raises(RateLimited) as refused:
        services.room_current_song(room=Room.objects.get(pk=room.pk))
    poller = RoomPoller(room.code)
    asyncio.run(poller._failed(refused.value))

    assert 290 <= refused.value.retry_after <= 300
    assert poller.delay() >= 290  # not every 4 s
    assert len(sandbox.calls("spotify-api")) == calls_before  # Spotify was not asked
