"""`song_count` is never null on an album: its detail, a new album, a changed one (issue 12, Medium 10)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from musics import services
from musics.models import Album
from tests.factories import UserFactory
from tests.musics import upload, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(settings) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True))
    return client


@pytest.fixture
def album() -> Album:
    album = Album.objects.create(title="Night Drive", artist="Nova Lane")
    for title in ("One", "Two"):
        services.song_create(
            audio=upload(wav_bytes(0.2), "x.wav", "audio/wav"), title=title, artist="Nova Lane", album=album
        )
    return album


def test_the_album_detail_counts_its_songs(admin, album):
    body = admin.get(f"/api/albums/{album.pk}/").json()

    assert body["song_count"] == 2
    assert len(body["songs"]) == 2


def test_an_empty_album_counts_zero(admin):
    empty = Album.objects.create(title="Silence", artist="Nobody")

    assert admin.get(f"/api/albums/{empty.pk}/").json()["song_count"] == 0


def test_a_new_album_counts_zero(admin):
    response = admin.post("/api/albums/", {"title": "Fresh", "artist": "Nova Lane"}, format="json")

    assert response.status_code == 201
    assert response.json()["song_count"] == 0


def test_a_changed_album_keeps_its_count(admin, album):
    response = admin.patch(f"/api/albums/{album.pk}/", {"title": "Renamed"}, format="json")

    assert response.json()["song_count"] == 2


def test_the_schema_says_it_is_a_number():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for name in ("Album", "AlbumDetail"):
        song_count = schema["components"]["schemas"][name]["properties"]["song_count"]
        assert song_count["type"] == "integer"
        assert not song_count.get("nullable")
