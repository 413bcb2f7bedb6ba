"""liblistenbrainz (PyPI), unchanged, pointed at MusicHub's live server: the token, single listens,
playing-now, an import of 1000, reading them back and counting them."""

from __future__ import annotations

import time

import liblistenbrainz
import pytest
from liblistenbrainz.errors import InvalidAuthTokenException, ListenBrainzAPIException

from listening.models import Listen
from scrobbling.services import listenbrainz_token_issue
from tests.factories import UserFactory
from tests.secrets_watch import watch
from users.services import user_name_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account():
    user = UserFactory()
    user_name_set(user=user, user_name="libuser")
    return user, watch(listenbrainz_token_issue(user=user))


def test_the_whole_round_trip(live_musichub, account):
    user, token = account
    client = liblistenbrainz.ListenBrainz(api_base_url=live_musichub.url)

    with pytest.raises(InvalidAuthTokenException):  # validate-token answered valid: false
        client.set_auth_token("11111111-2222-3333-4444-555555555555")
    client.set_auth_token(token)  # validate-token: raises unless MusicHub says it is valid

    now = int(time.time())
    single = liblistenbrainz.Listen(
        track_name="Tail Lights",
        artist_name="Nova Lane",
        release_name="Night Drive",
        listened_at=now - 300,
        recording_mbid="c7d0bf6e-b2aa-4ffa-bded-2448415b39b0",
        additional_info={"submission_client": "liblistenbrainz", "duration_ms": 215000},
    )
    assert client.submit_single_listen(single) == {"status": "ok"}
    assert client.submit_single_listen(single) == {"status": "ok"}  # a retry: stored once

    playing = liblistenbrainz.Listen(track_name="Golden Brown", artist_name="The Stranglers")
    assert client.submit_playing_now(playing) == {"status": "ok"}
    now_playing = client.get_playing_now("libuser")
    assert (now_playing.track_name, now_playing.artist_name) == ("Golden Brown", "The Stranglers")

    base = now - 100_000
    batch = [
        liblistenbrainz.Listen(track_name=f"Track {i}", artist_name="Import Band", listened_at=base + i)
        for i in range(1000)
    ]
    assert client.submit_multiple_listens(batch) == {"status": "ok"}

    assert client.get_user_listen_count("libuser") == 1001
    newest = client.get_listens("libuser", count=5)
    assert [listen.track_name for listen in newest] == [
        "Tail Lights",
        "Track 999",
        "Track 998",
        "Track 997",
        "Track 996",
    ]
    assert newest[0].recording_mbid == "c7d0bf6e-b2aa-4ffa-bded-2448415b39b0"
    assert newest[0].listened_at == now - 300
    older = client.get_listens("libuser", max_ts=base + 3)
    assert [listen.listened_at for listen in older] == [base + 2, base + 1, base]

    assert Listen.objects.filter(user=user, source="listenbrainz").count() == 1001
    assert client.remaining_requests is not None  # it read the rate-limit headers


def test_its_errors_carry_musichubs_messages(live_musichub, account):
    _, token = account
    client = liblistenbrainz.ListenBrainz(api_base_url=live_musichub.url)
    client.set_auth_token(token, check_validity=False)
    future = liblistenbrainz.Listen(
        track_name="Later", artist_name="Nova Lane", listened_at=int(time.time()) * 1000
    )

    with pytest.raises(ListenBrainzAPIException) as caught:
        client.submit_single_listen(future)

    assert caught.value.status_code == 400
    assert caught.value.message == "Value for key listened_at is too high."
    with pytest.raises(ListenBrainzAPIException) as unknown:
        client.get_listens("nobody-here")
    assert unknown.value.status_code == 404
