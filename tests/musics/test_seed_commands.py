"""`seed_songs` then `seed_albums`: a catalog whose songs really play, made twice without duplicates."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from musics.management.commands.seed_songs import ALBUMS, SONGS
from musics.models import Album, Song
from musics.uploads import checked_audio
from tests.musics import stored_files

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_seed_songs_makes_playable_songs_with_covers(settings):
    output = run("seed_songs", "--count", "3")

    songs = list(Song.objects.order_by("id"))
    assert [song.title for song in songs] == [seed.title for seed in SONGS[:3]]
    assert "Created 3 songs" in output
    for song in songs:
        assert song.audio_content_type == "audio/wav"
        assert song.duration == 6
        with wave.open(song.audio_file.path, "rb") as audio:  # a real WAV with real samples
            assert audio.getnframes() == 6 * audio.getframerate()
            assert any(audio.readframes(2048))
        with song.audio_file.open("rb") as file:
            info = checked_audio(file)  # what an upload would be checked against
        assert (info.title, info.artist) == (song.title, song.artist)
        with Image.open(song.image.path) as cover:
            assert cover.size == (300, 300)
        assert song.album is None


def test_seed_songs_is_idempotent(settings):
    run("seed_songs", "--count", "2")
    files = stored_files(settings.MEDIA_ROOT)

    output = run("seed_songs", "--count", "2")

    assert Song.objects.count() == 2
    assert stored_files(settings.MEDIA_ROOT) == files
    assert "Created 0 songs" in output


def test_seed_albums_groups_the_seeded_songs(settings):
    run("seed_songs")
    run("seed_albums")
    first = {
        album.title: sorted(album.songs.values_list("title", flat=True)) for album in Album.objects.all()
    }

    output = run("seed_albums")

    assert Album.objects.count() == len(ALBUMS)
    assert first == {
        album.title: sorted(s.title for s in SONGS if s.album == album.title) for album in ALBUMS
    }
    assert not Song.objects.filter(album=None).exists()
    assert "Created 0 albums; put 0 songs" in output
    for album in Album.objects.all():
        assert album.release_year
        assert Path(album.image.path).is_file()
    assert len(stored_files(settings.MEDIA_ROOT)) == 2 * len(SONGS) + len(ALBUMS)


def test_seed_albums_before_songs_says_what_is_missing():
    output = run("seed_albums")

    assert "run seed_songs first" in output
    assert Album.objects.count() == len(ALBUMS)
