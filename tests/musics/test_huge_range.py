"""`Range: bytes=<5,000 digits>-` on the stream endpoint is a 416, never a 500 (issue 12, Medium 1):
a number that long is past the end of any file, and Python refuses to read it as an int."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from musics import services
from musics.models import SongPlay
from musics.streaming import requested_range
from tests.musics import upload, wav_bytes

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000


@pytest.fixture
def song():
    return services.song_create(
        audio=upload(wav_bytes(1.0), "x.wav", "audio/wav"), title="Blue Hour", artist="Nova Lane"
    )


@pytest.fixture
def client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_start_of_5000_digits_is_a_416(client, song):
    response = client.get(f"/api/songs/{song.pk}/stream/", HTTP_RANGE=f"bytes={HUGE}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{song.audio_file.size}"
    assert response.json()["code"] == "range_not_satisfiable"
    assert not SongPlay.objects.exists()


def test_the_same_on_a_signed_stream_link(client, song):
    stream_url = client.get(f"/api/songs/{song.pk}/").json()["stream_url"]

    response = APIClient().get(stream_url, HTTP_RANGE=f"bytes={HUGE}-{HUGE}")

    assert response.status_code == 416


def test_an_end_of_5000_digits_means_to_the_end(client, song):
    """`bytes=0-<huge>`: the whole file as a 206, and it counts as a play from the start."""
    size = song.audio_file.size

    response = client.get(f"/api/songs/{song.pk}/stream/", HTTP_RANGE=f"bytes=0-{HUGE}")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    assert len(body(response)) == size
    assert SongPlay.objects.count() == 1


def test_a_suffix_of_5000_digits_is_the_whole_file(client, song):
    size = song.audio_file.size

    response = client.get(f"/api/songs/{song.pk}/stream/", HTTP_RANGE=f"bytes=-{HUGE}")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{size - 1}/{size}"


def test_leading_zeros_are_still_numbers():
    """Long only because of zeros: the number is what counts."""
    assert requested_range("bytes=" + "0" * 5000 + "5-" + "0" * 5000 + "9", 100).start == 5
    assert requested_range("bytes=" + "0" * 5000 + "5-" + "0" * 5000 + "9", 100).end == 9
