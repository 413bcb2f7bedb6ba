"""A catalog song played past half its length or 4 minutes is a listen with source `library`: the
stream keeps what it served for each play (`?play=`), the player reports, the server checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from django.test import Client

from listening.importers import ListenRow
from listening.models import Listen
from listening.store import listens_store
from musics import services
from musics.listen_reports import listen_threshold_ms
from musics.models import Album, Song, SongPlay
from musics.selectors import _favourite_artists
from musics.served_ranges import ServedPlay, served_play
from musics.stream_links import stream_token
from scrobbling.services import listenbrainz_token_issue
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.musics import upload, wav_bytes
from tests.secrets_watch import watch
from users.services import user_name_set

pytestmark = pytest.mark.django_db

PLAY = "a1b2c3d4e5f6a7b8"
START = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


@cache
def _audio(seconds: int, rate: int) -> bytes:
    return wav_bytes(seconds, rate=rate)


def _song(seconds: int, *, rate: int = 8000, title: str = "Blue Hour", artist: str = "Nova Lane") -> Song:
    album = Album.objects.create(title="Night Drive", artist=artist)
    song = services.song_create(
        audio=upload(_audio(seconds, rate), "x.wav", "audio/wav"), title=title, artist=artist, album=album
    )
    assert song.duration == seconds
    return song


@pytest.fixture
def song() -> Song:
    """60 s, 960 044 bytes (about 15 chunks of 64 KB): a listen from 30 s."""
    return _song(60)


@pytest.fixture
def listener(user) -> Client:
    return client_for(user, "token")


def stream(client, song, *, play: str = PLAY, range_header: str = "bytes=0-", signed_for=None):
    url = f"/api/songs/{song.pk}/stream/"
    params = {"play": play}
    if signed_for is not None:
        params["token"] = stream_token(song_id=song.pk, user=signed_for)
        client = Client()
    response = client.get(url, params, HTTP_RANGE=range_header)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def report(client, song, position_ms: int, *, play: str = PLAY):
    return client.post(
        f"/api/songs/{song.pk}/played/", {"play": play, "position_ms": position_ms}, format="json"
    )


# --- The whole journey ----------------------------------------------------------------------------


def test_a_stream_played_past_half_is_one_library_listen_everywhere(listener, user, song, fake_clock):
    before = int(fake_clock.time())
    assert stream(listener, song).status_code == 206
    after = fake_clock.time()
    fake_clock.sleep(31)

    response = report(listener, song, 31_000)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["song"], body["source"], body["new"]) == (song.pk, "library", True)
    listen = Listen.objects.get(user=user)
    assert (listen.title, listen.artist, listen.album, listen.source, listen.duration_ms) == (
        "Blue Hour",
        "Nova Lane",
        "Night Drive",
        "library",
        60_000,
    )
    assert before <= listen.played_at.timestamp() <= after  # when the play started
    assert datetime.fromisoformat(body["played_at"]) == listen.played_at

    history = listener.get("/music/get-stored-songs/").json()["results"]
    assert [(item["title"], item["source"]) for item in history] == [("Blue Hour", "library")]
    assert SongPlay.objects.filter(user=user, song=song).count() == 1  # trending's counter as before
    summary = listener.get("/music/stats/summary/", {"range": "all_time", "source": "library"}).json()
    assert (summary["plays"], summary["ms"], summary["artists"]) == (1, 60_000, 1)
    top = listener.get("/music/stats/top/", {"range": "all_time", "kind": "tracks"}).json()
    assert [(item["name"], item["plays"]) for item in top] == [("Blue Hour", 1)]

    user_name_set(user=user, user_name="nova")
    token = watch(listenbrainz_token_issue(user=user))
    listens = Client().get("/1/user/nova/listens", HTTP_AUTHORIZATION=f"Token {token}").json()["payload"]
    assert [item["track_metadata"]["track_name"] for item in listens["listens"]] == ["Blue Hour"]
    assert listens["listens"][0]["listened_at"] == int(listen.played_at.timestamp())


def test_the_same_play_reported_again_is_still_one_listen(listener, user, song, fake_clock):
    stream(listener, song)
    fake_clock.sleep(45)
    first = report(listener, song, 31_000)
    fake_clock.sleep(20)

    again = report(listener, song, 55_000)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["new"] is False
    assert again.json()["played_at"] == first.json()["played_at"]
    assert Listen.objects.filter(user=user).count() == 1


def test_a_new_play_of_the_same_song_is_a_second_listen(listener, user, song, fake_clock):
    stream(listener, song, play="first-play-0001")
    fake_clock.sleep(31)
    assert report(listener, song, 31_000, play="first-play-0001").status_code == 201
    fake_clock.sleep(29)
    stream(listener, song, play="second-play-002")
    fake_clock.sleep(31)

    assert report(listener, song, 31_000, play="second-play-002").status_code == 201
    assert Listen.objects.filter(user=user, source="library").count() == 2


# --- Refused reports: 4xx naming the field, and no listen -------------------------------------------


def _refused(response, *, status: int, field: str, code: str) -> None:
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["code"] == code
    assert body[field][0]
    assert not Listen.objects.exists()


def test_a_position_short_of_the_threshold_is_refused(listener, song, fake_clock):
    stream(listener, song)
    fake_clock.sleep(60)

    response = report(listener, song, 29_999)

    _refused(response, status=400, field="position_ms", code="play_not_far_enough")
    assert "30 s" in response.json()["position_ms"][0]


def test_a_position_beyond_the_bytes_served_is_refused(listener, song, fake_clock):
    stream(listener, song, range_header="bytes=0-131071")  # 2 chunks of a 15-chunk file
    fake_clock.sleep(60)

    _refused(report(listener, song, 30_000), status=400, field="position_ms", code="play_not_served")


def test_the_bytes_needed_follow_the_position_with_one_chunk_of_slack(listener, song, fake_clock):
    needed = song.audio_size // 2 - 64 * 1024  # half the song's bytes, less one chunk
    stream(listener, song, range_header=f"bytes=0-{needed - 1002}")
    stream(listener, song, range_header=f"bytes=100-{needed - 1002}")  # again: counted once
    fake_clock.sleep(60)
    assert report(listener, song, 30_000).json()["code"] == "play_not_served"  # 1 001 bytes short

    stream(listener, song, range_header=f"bytes={needed - 1001}-{needed - 1}")

    assert report(listener, song, 30_000).status_code == 201
    assert report(listener, song, 40_000).json()["code"] == "play_not_served"  # 2/3 of it: not served
    assert Listen.objects.count() == 1


def test_a_position_claimed_faster_than_the_clock_is_refused(listener, song, fake_clock):
    stream(listener, song)  # the whole file at once: the bytes alone would allow it
    fake_clock.sleep(20)

    _refused(report(listener, song, 30_000), status=400, field="position_ms", code="play_too_soon")
    fake_clock.sleep(8)  # 28 s: within the slack of a few seconds
    assert report(listener, song, 30_000).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"position_ms": 31_000}, "play"),
        ({"play": "short", "position_ms": 31_000}, "play"),
        ({"play": "has spaces in it", "position_ms": 31_000}, "play"),
        ({"play": PLAY}, "position_ms"),
        ({"play": PLAY, "position_ms": -1}, "position_ms"),
        ({"play": PLAY, "position_ms": "soon"}, "position_ms"),
    ],
)
def test_malformed_reports_name_the_field(listener, song, fake_clock, body, field):
    stream(listener, song)
    fake_clock.sleep(31)

    response = listener.post(f"/api/songs/{song.pk}/played/", body, format="json")

    _refused(response, status=400, field=field, code="invalid")


def test_a_play_never_streamed_is_a_404(listener, song):
    _refused(report(listener, song, 31_000), status=404, field="play", code="not_found")


def test_another_users_play_is_a_404(listener, user, song, fake_clock):
    other = client_for(UserFactory(), "token")
    stream(other, song)
    fake_clock.sleep(31)

    _refused(report(listener, song, 31_000), status=404, field="play", code="not_found")
    assert report(other, song, 31_000).status_code == 201
    assert not Listen.objects.filter(user=user).exists()


def test_a_play_of_another_song_or_no_song_is_a_404(listener, song, fake_clock):
    other_song = _song(60, title="Tail Lights")
    stream(listener, song)
    fake_clock.sleep(31)

    assert report(listener, other_song, 31_000).status_code == 404
    response = listener.post(
        "/api/songs/999999/played/", {"play": PLAY, "position_ms": 31_000}, format="json"
    )
    assert response.status_code == 404
    assert not Listen.objects.exists()


def test_reports_need_a_signed_in_user(song):
    response = Client().post(f"/api/songs/{song.pk}/played/", {"play": PLAY, "position_ms": 1})

    assert response.status_code == 401


# --- The threshold: half the song or 4 minutes -------------------------------------------------------


def test_threshold():
    assert listen_threshold_ms(60) == 30_000
    assert listen_threshold_ms(479) == 239_500
    assert listen_threshold_ms(480) == 240_000
    assert listen_threshold_ms(3600) == 240_000
    assert listen_threshold_ms(0) == 240_000  # a length we do not know: 4 minutes


def test_a_long_song_counts_from_four_minutes(listener, fake_clock):
    song = _song(600, rate=1000)  # 10 minutes: half would be 5
    stream(listener, song, range_header=f"bytes=0-{int(song.audio_size * 0.4) + 1000}")
    fake_clock.sleep(240)

    assert report(listener, song, 239_000).json()["code"] == "play_not_far_enough"
    response = report(listener, song, 240_000)

    assert response.status_code == 201, response.json()
    assert Listen.objects.get().duration_ms == 600_000


def test_a_short_song_counts_from_its_half(listener, fake_clock):
    song = _song(20)
    stream(listener, song)
    fake_clock.sleep(10)

    assert report(listener, song, 9_999).status_code == 400
    assert report(listener, song, 10_000).status_code == 201


# --- What the two stream paths remember ----------------------------------------------------------------


def test_the_signed_link_records_the_ranges_it_serves(user, song, fake_clock):
    assert stream(None, song, range_header="bytes=0-99999", signed_for=user).status_code == 206
    assert stream(None, song, range_header="bytes=50000-599999", signed_for=user).status_code == 206

    served = served_play(user_id=user.pk, song_id=song.pk, play=PLAY)

    assert served == ServedPlay(
        started=served.started, size=song.audio_size, ranges=((0, 99999), (50000, 599999))
    )
    assert served.served_bytes == 600_000
    fake_clock.sleep(31)
    assert report(client_for(user, "token"), song, 31_000).status_code == 201


def test_the_signed_link_is_answered_before_the_stack_with_the_play(client, user, song, monkeypatch):
    def refuse(self, request):
        raise AssertionError(f"{request.path} went down the whole middleware stack")

    monkeypatch.setattr("django.core.handlers.base.BaseHandler.resolve_request", refuse)
    token = stream_token(song_id=song.pk, user=user)

    response = client.get(
        f"/api/songs/{song.pk}/stream/", {"token": token, "play": PLAY}, HTTP_RANGE="bytes=0-9"
    )

    assert response.status_code == 206
    assert served_play(user_id=user.pk, song_id=song.pk, play=PLAY).ranges == ((0, 9),)


def test_the_api_view_records_whole_files_and_ranges(listener, user, song):
    assert listener.get(f"/api/songs/{song.pk}/stream/", {"play": PLAY}).status_code == 200
    stream(listener, song, range_header="bytes=-100")

    served = served_play(user_id=user.pk, song_id=song.pk, play=PLAY)
    size = song.audio_size
    assert served.ranges == ((0, size - 1), (size - 100, size - 1))
    assert served.served_bytes == size


def test_streams_without_a_play_id_remember_nothing(listener, user, song):
    assert listener.get(f"/api/songs/{song.pk}/stream/", HTTP_RANGE="bytes=0-").status_code == 206
    assert served_play(user_id=user.pk, song_id=song.pk, play=PLAY) is None


def test_heads_unsatisfiable_ranges_and_conditional_answers_remember_nothing(listener, user, song):
    url = f"/api/songs/{song.pk}/stream/"
    assert listener.head(url, {"play": PLAY}).status_code == 200
    assert listener.get(url, {"play": PLAY}, HTTP_RANGE="bytes=99999999-").status_code == 416
    etag = listener.get(url)["ETag"]
    assert listener.get(url, {"play": PLAY}, HTTP_IF_NONE_MATCH=etag).status_code == 304

    assert served_play(user_id=user.pk, song_id=song.pk, play=PLAY) is None


@pytest.mark.parametrize("signed", [False, True])
def test_a_malformed_play_id_on_a_stream_is_a_400_naming_it(listener, user, song, signed):
    response = stream(listener, song, play="no!", signed_for=user if signed else None)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["play"]


def test_behind_nginx_the_requested_range_is_remembered(listener, user, song, settings):
    settings.MEDIA_X_ACCEL_REDIRECT_PREFIX = "/protected-media/"

    response = stream(listener, song, range_header="bytes=1000-1999")

    assert response.has_header("X-Accel-Redirect")
    assert served_play(user_id=user.pk, song_id=song.pk, play=PLAY).ranges == ((1000, 1999),)


def test_served_bytes_count_overlaps_once():
    served = ServedPlay(started=0.0, size=100, ranges=((10, 19), (0, 9), (5, 14), (50, 59), (55, 55)))

    assert served.served_bytes == 30


# --- Made for you counts a library play once ------------------------------------------------------------


def test_made_for_you_counts_a_library_play_as_a_listen_not_twice(listener, user, fake_clock):
    played = _song(20, artist="Sigur Rós")
    stream(listener, played)
    fake_clock.sleep(11)
    assert report(listener, played, 11_000).status_code == 201
    SongPlay.objects.bulk_create([SongPlay(song=played, user=user)] * 2)  # earlier plays, trending's count
    listens_store(
        user_id=user.pk,
        rows=[
            ListenRow(
                title=f"T{n}", artist="Björk", album="", played_at=START + timedelta(hours=n), source="lastfm"
            )
            for n in range(2)
        ],
    )

    # Sigur Rós: one listen (3 SongPlays beside it, not added); Björk: two listens.
    assert _favourite_artists(user) == ["björk", "sigur rós"]
