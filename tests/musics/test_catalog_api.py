"""Songs, albums, discovery and stats at seed 003's paths: anyone signed in reads, admins write."""

import io
import math
import struct
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from listening.importers import ListenRow
from listening.store import listens_store
from musics.models import Album, Song, SongPlay
from tests.conftest import client_for
from tests.factories import verified_admin

pytestmark = pytest.mark.django_db


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def make_song(title: str, artist: str, album: Album | None = None) -> Song:
    song = Song(title=title, artist=artist, album=album, duration=1, audio_content_type="audio/wav")
    song.audio_file.save("x.wav", ContentFile(wav_bytes(0.1)), save=False)
    song.save()
    return song


@pytest.fixture
def admin_client(settings):
    return client_for(verified_admin(settings), "jwt")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_anyone_signed_in_lists_and_reads(auth_client):
    album = Album.objects.create(title="Night Drive", artist="Nova Lane", release_year=2019)
    song = make_song("Headlights", "Nova Lane", album)

    listing = auth_client.get("/api/songs/").json()
    detail = auth_client.get(f"/api/songs/{song.pk}/").json()
    albums = auth_client.get("/api/albums/").json()
    album_detail = auth_client.get(f"/api/albums/{album.pk}/").json()

    assert listing["count"] == 1
    assert detail["title"] == "Headlights"
    assert detail["album_title"] == "Night Drive"
    assert f"/api/songs/{song.pk}/stream/?token=" in detail["stream_url"]
    assert albums["results"][0]["song_count"] == 1
    assert [item["id"] for item in album_detail["songs"]] == [song.pk]


def test_lists_are_searchable_and_paginated(auth_client):
    for n in range(25):
        make_song(f"Track {n}", "Björk" if n % 2 else "Nova Lane")

    first = auth_client.get("/api/songs/").json()
    found = auth_client.get("/api/songs/?search=björk").json()

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["next"]
    assert found["count"] == 12


def test_reading_needs_a_signed_in_user(api_client):
    assert api_client.get("/api/songs/").status_code == 401
    assert api_client.get("/api/albums/").status_code == 401


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/songs/"),
        ("put", "/api/songs/{song}/"),
        ("patch", "/api/songs/{song}/"),
        ("delete", "/api/songs/{song}/"),
        ("post", "/api/albums/"),
        ("put", "/api/albums/{album}/"),
        ("patch", "/api/albums/{album}/"),
        ("delete", "/api/albums/{album}/"),
    ],
)
def test_writes_are_for_admins_only(auth_client, method, url):
    album = Album.objects.create(title="A", artist="B")
    song = make_song("S", "B", album)

    response = getattr(auth_client, method)(url.format(song=song.pk, album=album.pk), {"title": "x"})

    assert response.status_code == 403
    assert Song.objects.filter(pk=song.pk, title="S").exists()
    assert Album.objects.filter(pk=album.pk, title="A").exists()


def test_an_admin_uploads_a_song(admin_client, settings):
    audio = SimpleUploadedFile("my song.wav", wav_bytes(2.0), content_type="audio/wav")

    response = admin_client.post(
        "/api/songs/", {"title": "Tone", "artist": "Sine Wave", "audio_file": audio}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    song = Song.objects.get()
    assert song.duration == 2
    assert song.audio_file.name.startswith("songs/")
    assert "my song" not in song.audio_file.name
    assert response.json()["title"] == "Tone"


def test_an_admin_creates_updates_and_deletes_an_album(
    admin_client, settings, django_capture_on_commit_callbacks
):
    created = admin_client.post(
        "/api/albums/", {"title": "First", "artist": "Nova Lane", "release_year": 2020}
    )
    album_id = created.json()["id"]
    make_song("One", "Nova Lane", Album.objects.get(pk=album_id))
    make_song("Two", "Nova Lane", Album.objects.get(pk=album_id))

    patched = admin_client.patch(f"/api/albums/{album_id}/", {"title": "First (Deluxe)"})
    with django_capture_on_commit_callbacks(execute=True):
        deleted = admin_client.delete(f"/api/albums/{album_id}/")

    assert created.status_code == 201
    assert patched.json()["title"] == "First (Deluxe)"
    assert len(patched.json()["songs"]) == 2
    assert deleted.status_code == 204
    assert not Song.objects.exists()
    assert stored_files(settings) == []


def test_an_admin_deletes_a_song_and_its_file(admin_client, settings, django_capture_on_commit_callbacks):
    song = make_song("S", "B")

    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.delete(f"/api/songs/{song.pk}/").status_code == 204
    assert stored_files(settings) == []


def test_discovery_sizes(auth_client):
    for n in range(12):
        make_song(f"Song {n}", f"Artist {n % 5}")

    assert len(auth_client.get("/api/songs/featured/").json()) == 6
    assert len(auth_client.get("/api/songs/made-for-you/").json()) == 4
    assert len(auth_client.get("/api/songs/trending/").json()) == 4


def test_discovery_with_an_empty_catalog(auth_client):
    assert auth_client.get("/api/songs/featured/").json() == []
    assert auth_client.get("/api/songs/trending/").json() == []


def test_trending_is_the_most_played_of_the_last_week(auth_client):
    songs = [make_song(f"Song {n}", "A") for n in range(6)]
    now = timezone.now()
    for song, plays in zip(songs, [1, 5, 0, 3, 2, 0], strict=True):
        SongPlay.objects.bulk_create([SongPlay(song=song, played_at=now - timedelta(days=1))] * plays)
    SongPlay.objects.bulk_create(
        [SongPlay(song=songs[5], played_at=now - timedelta(days=10))] * 20
    )  # too old

    ids = [item["id"] for item in auth_client.get("/api/songs/trending/").json()]

    assert ids == [songs[1].pk, songs[3].pk, songs[4].pk, songs[0].pk]


def test_made_for_you_follows_the_listening_history(auth_client, user):
    liked = [make_song(f"Liked {n}", "Sigur Rós") for n in range(3)]
    for n in range(10):
        make_song(f"Other {n}", f"Somebody {n}")
    listens_store(
        user_id=user.pk,
        rows=[
            ListenRow(
                title=f"T{n}",
                artist="sigur rós",
                album="",
                played_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                source="lastfm",
            )
            for n in range(30)
        ],
    )
    SongPlay.objects.create(song=liked[0], user=user)  # played just now: not suggested again

    ids = {item["id"] for item in auth_client.get("/api/songs/made-for-you/").json()}

    assert {liked[1].pk, liked[2].pk} <= ids
    assert liked[0].pk not in ids
    assert len(ids) == 4


def test_stats_for_admins(admin_client, auth_client):
    album = Album.objects.create(title="A", artist="Nova Lane")
    make_song("S1", "Nova Lane", album)
    make_song("S2", "nova lane")
    make_song("S3", "Björk")

    response = admin_client.get("/api/stats/")

    assert response.status_code == 200
    assert response.json() == {"total_songs": 3, "total_albums": 1, "total_users": 2, "total_artists": 2}
    assert auth_client.get("/api/stats/").status_code == 403


def test_song_list_query_count_is_fixed(auth_client, django_assert_max_num_queries):
    album = Album.objects.create(title="A", artist="B")
    for n in range(30):
        make_song(f"S{n}", "B", album)

    with django_assert_max_num_queries(4):
        auth_client.get("/api/songs/?page_size=100")


def test_the_signed_stream_url_plays_without_an_authorization_header(auth_client, user, api_client):
    song = make_song("Headlights", "Nova Lane")
    other = make_song("Other", "Nova Lane")
    url = auth_client.get(f"/api/songs/{song.pk}/").json()["stream_url"]
    token = url.split("token=")[1]

    played = api_client.get(url.replace("http://testserver", ""), HTTP_RANGE="bytes=0-")
    forged = api_client.get(f"/api/songs/{song.pk}/stream/?token={token[:-2]}xx")
    elsewhere = api_client.get(f"/api/songs/{other.pk}/stream/?token={token}")
    unsigned = api_client.get(f"/api/songs/{song.pk}/stream/")

    assert played.status_code == 206
    assert b"".join(played.streaming_content) == song.audio_file.open("rb").read()
    assert SongPlay.objects.get().user == user
    assert forged.status_code == 403
    assert forged.json()["code"] == "bad_stream_link"
    assert elsewhere.status_code == 403
    assert unsigned.status_code == 401


def test_a_stream_link_expires(auth_client, api_client, settings):
    song = make_song("Headlights", "Nova Lane")
    url = auth_client.get(f"/api/songs/{song.pk}/").json()["stream_url"].replace("http://testserver", "")
    settings.STREAM_LINK_SECONDS = -1

    assert api_client.get(url).status_code == 403


def test_streaming_follows_a_replaced_audio_file(auth_client, django_capture_on_commit_callbacks):
    from musics import services

    song = make_song("Headlights", "Nova Lane")
    url = auth_client.get(f"/api/songs/{song.pk}/").json()["stream_url"].replace("http://testserver", "")
    first = b"".join(auth_client.get(url).streaming_content)
    replacement = wav_bytes(0.3)

    with django_capture_on_commit_callbacks(execute=True):
        services.song_update(
            song=Song.objects.get(pk=song.pk), audio=SimpleUploadedFile("new.wav", replacement)
        )

    second = b"".join(auth_client.get(url).streaming_content)
    assert second != first
    assert second == Song.objects.get(pk=song.pk).audio_file.open("rb").read()
    with django_capture_on_commit_callbacks(execute=True):
        services.song_delete(song=Song.objects.get(pk=song.pk))
    assert auth_client.get(url).status_code == 404
