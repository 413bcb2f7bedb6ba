"""Room services when another process changed the room since a request read it."""

import pytest

from rooms import services
from rooms.models import Room, Vote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_vote_counts_when_the_poller_recorded_the_song_after_the_room_was_read(sandbox, host):
    """Seen with two web processes: the vote request read the room before the poller (in the other
    process) recorded what plays; the vote then answered 409 "Nothing is playing"."""
    room = services.room_create(host=host, guest_can_pause=False, votes_to_skip=2)
    guest = services.Identity(user=UserFactory(), session_key="")
    services.room_join(room=room, who=guest)
    read_by_the_vote = Room.objects.get(pk=room.pk)
    assert read_by_the_vote.song_id == ""

    polled = services.room_current_song(room=Room.objects.get(pk=room.pk))  # the poller, meanwhile
    result = services.room_vote_skip(room=read_by_the_vote, who=guest)

    assert result == services.SkipResult(skipped=False, votes=1, votes_required=2)
    assert Vote.objects.get().song_id == polled.id != ""
    assert read_by_the_vote.song_title == polled.title


def test_the_current_song_is_complete_when_another_process_recorded_it_first(sandbox, host):
    room = services.room_create(host=host, guest_can_pause=False, votes_to_skip=2)
    read_first = Room.objects.get(pk=room.pk)
    recorded = services.room_current_song(room=Room.objects.get(pk=room.pk))

    song = services.room_current_song(room=read_first)

    assert song.id == recorded.id != ""
    assert song.title == recorded.title
