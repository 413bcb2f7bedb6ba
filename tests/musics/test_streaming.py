"""`GET /api/songs/{id}/stream/`: Range byte for byte, 416, validators, X-Accel, plays per listen."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.files.storage import FileSystemStorage
from django.test import AsyncClient
from django.urls import path
from django.utils.http import http_date

from musics import services
from musics.api.stream_views import SongStreamView
from musics.models import SongPlay
from musics.streaming import ByteRange, RangeNotSatisfiable, requested_range
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.musics import upload, wav_bytes
from users.services import auth_credentials_issue

pytestmark = pytest.mark.django_db

# The view on its own path, whether or not the project's urls.py mounts the catalog yet.
urlpatterns = [path("api/songs/<int:pk>/stream/", SongStreamView.as_view(), name="song-stream")]


@pytest.fixture(autouse=True)
def _stream_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def song():
    content = wav_bytes(3.0)  # 48 044 bytes, not a multiple of the chunk size
    return services.song_create(
        audio=upload(content, "x.wav", "audio/wav"), title="Blue Hour", artist="Nova Lane"
    )


@pytest.fixture
def content(song) -> bytes:
    with song.audio_file.open("rb") as file:
        return file.read()


def url(song) -> str:
    return f"/api/songs/{song.pk}/stream/"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_no_range_sends_the_whole_file(auth_client, song, content):
    response = auth_client.get(url(song))

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Length"] == str(len(content))
    assert body(response) == content
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-1", 0, 1),  # Safari's probe
        ("bytes=100-65635", 100, 65635),  # across a chunk boundary, clamped to the end
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=40000-", 40000, None),
        ("bytes=-500", -500, None),  # suffix: the last 500 bytes
        ("bytes=-999999999", 0, None),  # a suffix longer than the file: all of it
        ("bytes=0-", 0, None),
        ("bytes=47999-48043", 47999, 48043),
        ("BYTES = 5-9", 5, 9),
    ],
)
def test_ranges_are_sent_byte_for_byte(auth_client, song, content, header, start, end):
    size = len(content)
    first = size + start if start < 0 else start
    last = size - 1 if end is None else min(end, size - 1)

    response = auth_client.get(url(song), HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/wav"
    assert body(response) == content[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=48044-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable_ranges_answer_416(auth_client, song, content, header):
    assert len(content) == 48044

    response = auth_client.get(url(song), HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(content)}"
    assert response.json()["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "items=0-9", "bytes=9-0", "bytes=abc", "bytes=-"])
def test_several_or_malformed_ranges_get_the_whole_file(auth_client, song, content, header):
    response = auth_client.get(url(song), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == content


def test_if_range_with_the_current_etag_or_date_honours_the_range(auth_client, song, content):
    etag = auth_client.get(url(song))["ETag"]
    date = http_date(int(song.updated_at.timestamp()))

    same_tag = auth_client.get(url(song), HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=etag)
    same_date = auth_client.get(url(song), HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=date)
    changed = auth_client.get(url(song), HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE='"something-else"')

    assert (same_tag.status_code, body(same_tag)) == (206, content[10:20])
    assert (same_date.status_code, body(same_date)) == (206, content[10:20])
    assert (changed.status_code, body(changed)) == (200, content)


def test_if_none_match_answers_304(auth_client, song):
    etag = auth_client.get(url(song))["ETag"]

    response = auth_client.get(url(song), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag


def test_head_sends_headers_only(auth_client, song, content):
    response = auth_client.head(url(song), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 206
    assert response["Content-Length"] == "100"
    assert body(response) == b""
    assert not SongPlay.objects.exists()


def test_an_audio_only_accept_header_is_fine(auth_client, song, content):
    response = auth_client.get(url(song), HTTP_ACCEPT="audio/wav")

    assert response.status_code == 200
    assert body(response) == content


def test_unknown_song_is_a_json_404(auth_client):
    response = auth_client.get("/api/songs/999999/stream/", HTTP_ACCEPT="audio/*")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_signed_in_users_only(api_client, song):
    assert api_client.get(url(song)).status_code == 401


def test_the_file_is_read_in_chunks_and_closed(auth_client, song, content, monkeypatch):
    reads: list[int] = []
    closed: list[bool] = []
    real_open = FileSystemStorage.open

    class Spy:
        def __init__(self, file):
            self.file = file

        def read(self, size=-1):
            reads.append(size)
            return self.file.read(size)

        def seek(self, *args):
            return self.file.seek(*args)

        def close(self):
            closed.append(True)
            self.file.close()

    def spying_open(self, name, mode="rb"):
        return Spy(real_open(self, name, mode))

    monkeypatch.setattr(FileSystemStorage, "open", spying_open)

    response = auth_client.get(url(song))
    assert body(response) == content
    response.close()

    assert all(0 < size <= 64 * 1024 for size in reads)  # never read(-1): never the whole file
    assert closed == [True]


# --- X-Accel-Redirect -----------------------------------------------------------------------------


def test_x_accel_hands_the_file_to_nginx_and_reads_nothing(auth_client, song, settings, monkeypatch):
    settings.MEDIA_X_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    storage = FileSystemStorage  # the default storage's class

    def no_reading(*args, **kwargs):
        raise AssertionError("Django must not touch the file when nginx serves it")

    monkeypatch.setattr(storage, "open", no_reading)
    monkeypatch.setattr(storage, "size", no_reading)

    response = auth_client.get(url(song), HTTP_RANGE="bytes=0-")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{song.audio_file.name}"
    assert response["Content-Type"] == "audio/wav"
    assert body(response) == b""
    assert SongPlay.objects.count() == 1


# --- Plays: once per listen -----------------------------------------------------------------------


def test_a_listen_counts_once_however_many_ranges_it_takes(auth_client, song, user):
    auth_client.get(url(song), HTTP_RANGE="bytes=0-1")  # Safari's probe
    auth_client.get(url(song), HTTP_RANGE="bytes=0-")  # the listen starts
    auth_client.get(url(song), HTTP_RANGE="bytes=20000-")  # seek
    auth_client.get(url(song), HTTP_RANGE="bytes=-100")  # the end
    auth_client.get(url(song), HTTP_RANGE="bytes=0-")  # the player starts over at once: same listen
    auth_client.get(url(song))  # and again

    plays = list(SongPlay.objects.all())
    assert len(plays) == 1
    assert (plays[0].song, plays[0].user) == (song, user)


def test_each_user_counts_and_a_later_listen_counts_again(song, monkeypatch):
    first, second = UserFactory(), UserFactory()
    for listener in (first, second):
        client_for(listener, "token").get(url(song))
    assert SongPlay.objects.count() == 2

    from django.core.cache import cache

    cache.delete(f"musics:play:{first.pk}:{song.pk}")  # the window has passed
    client_for(first, "token").get(url(song))

    assert SongPlay.objects.filter(user=first).count() == 2


def test_416_and_304_count_no_play(auth_client, song):
    auth_client.get(url(song), HTTP_RANGE="bytes=999999-")
    etag = auth_client.head(url(song))["ETag"]
    auth_client.get(url(song), HTTP_IF_NONE_MATCH=etag)

    assert not SongPlay.objects.exists()


@pytest.mark.parametrize(
    ("header", "counts"),
    [
        (None, True),
        ("bytes=0-", True),
        ("bytes=0-65535", True),
        ("bytes=0-1", False),
        ("bytes=1-", False),
        ("bytes=-500", False),
        ("bytes=0-1,5-9", False),
    ],
)
def test_song_play_record_decides_by_range(song, user, header, counts):
    assert services.song_play_record(song=song, user=user, range_header=header) is counts


# --- Parsing ranges on their own ------------------------------------------------------------------


def test_requested_range_edges():
    assert requested_range(None, 10) is None
    assert requested_range("bytes=0-0", 10) == ByteRange(0, 0)
    assert requested_range("bytes=9-", 10) == ByteRange(9, 9)
    assert requested_range("bytes=-10", 10) == ByteRange(0, 9)
    assert requested_range("bytes=3-100", 10) == ByteRange(3, 9)
    with pytest.raises(RangeNotSatisfiable):
        requested_range("bytes=10-", 10)
    with pytest.raises(RangeNotSatisfiable):
        requested_range("bytes=-5", 0)


def test_a_large_file_streams_in_many_chunks(auth_client):
    song = services.song_create(audio=upload(wav_bytes(10.0, rate=22_050)), title="Long", artist="A")
    with song.audio_file.open("rb") as file:
        content = file.read()

    response = auth_client.get(url(song), HTTP_RANGE="bytes=1000-")

    chunks = list(response.streaming_content)
    assert len(chunks) > 3
    assert b"".join(chunks) == content[1000:]


@pytest.mark.django_db(transaction=True)  # the ASGI handler runs the view on another connection
def test_under_asgi_the_file_is_streamed_with_an_async_iterator(song, content, user):
    token = auth_credentials_issue(user=user).key
    client = AsyncClient()

    async def fetch():
        response = await client.get(
            url(song), headers={"Range": "bytes=10-", "Authorization": f"Token {token}"}
        )
        return response, b"".join([chunk async for chunk in response.streaming_content])

    response, data = async_to_sync(fetch)()

    assert response.status_code == 206
    assert response.is_async
    assert data == content[10:]
