"""Uploads are checked by content; a rejected one leaves no file and no row; tags fill the gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError

from core.errors import InvalidInput
from musics import services
from musics.models import Album, Song
from musics.uploads import checked_audio, checked_image
from tests.musics import (
    flac_bytes,
    mp3_bytes,
    png_bytes,
    stored_files,
    tagged_flac,
    tagged_mp3,
    tagged_wav,
    upload,
    wav_bytes,
)

pytestmark = pytest.mark.django_db


def assert_nothing_left(settings) -> None:
    assert stored_files(settings.MEDIA_ROOT) == []
    assert Song.objects.count() == 0
    assert Album.objects.count() == 0


# --- What is accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (mp3_bytes(), ("mp3", ".mp3", "audio/mpeg", 5)),
        (wav_bytes(2.0), ("wav", ".wav", "audio/wav", 2)),
        (flac_bytes(3), ("flac", ".flac", "audio/flac", 3)),
    ],
)
def test_formats_are_recognised_by_content_not_name(content, expected):
    info = checked_audio(upload(content, name="whatever.ogg"))

    assert (info.format, info.extension, info.content_type, info.duration) == expected
    assert info.size == len(content)


@pytest.mark.parametrize("make", [tagged_mp3, tagged_wav, tagged_flac])
def test_tags_are_read(make):
    cover = png_bytes()

    info = checked_audio(upload(make(title="Blue Hour", artist="Nova Lane", album="Dusk", cover=cover)))

    assert (info.title, info.artist, info.album, info.cover) == ("Blue Hour", "Nova Lane", "Dusk", cover)


def test_a_song_takes_title_artist_album_and_cover_from_its_tags(settings):
    audio = tagged_mp3(title="Blue Hour", artist="Nova Lane", album="Dusk", cover=png_bytes())

    song = services.song_create(audio=upload(audio))
    again = services.song_create(audio=upload(tagged_flac(title="Gold", artist="Nova Lane", album="dusk")))

    assert (song.title, song.artist, song.album.title, song.album.artist) == (
        "Blue Hour",
        "Nova Lane",
        "Dusk",
        "Nova Lane",
    )
    assert again.album == song.album  # found again by title and artist, any case
    assert song.image.name.startswith("song_images/")
    assert song.image.name.endswith(".png")
    assert song.audio_file.name.startswith("songs/")
    assert song.audio_file.name.endswith(".mp3")
    assert (song.audio_content_type, song.audio_size, song.duration) == ("audio/mpeg", len(audio), 5)
    assert Path(song.audio_file.path).read_bytes() == audio


def test_given_fields_win_over_tags():
    album = Album.objects.create(title="Chosen", artist="Someone")
    image = png_bytes(colour="red", image_format="JPEG")

    song = services.song_create(
        audio=upload(
            tagged_wav(title="Tag title", artist="Tag artist", album="Tag album", cover=png_bytes())
        ),
        title="Real title",
        artist="Real artist",
        album=album,
        image=upload(image, name="x.png", content_type="image/png"),
    )

    assert (song.title, song.artist, song.album) == ("Real title", "Real artist", album)
    assert song.image.name.endswith(".jpg")  # its real format, not the name it came with
    assert Album.objects.count() == 1


@pytest.mark.parametrize("missing", ["title", "artist"])
def test_a_title_or_artist_missing_from_request_and_tags_is_refused(settings, missing):
    given = {"title": "Known", "artist": "Known"}
    given.pop(missing)

    with pytest.raises(InvalidInput) as caught:
        services.song_create(audio=upload(wav_bytes()), **given)

    assert caught.value.field == missing
    assert caught.value.code == "required"
    assert_nothing_left(settings)


# --- What is refused, and leaves nothing behind -------------------------------------------------


def test_text_renamed_mp3_is_refused(settings):
    with pytest.raises(InvalidInput) as caught:
        services.song_create(audio=upload(b"I am not a song, just text.\n" * 200), title="T", artist="A")

    assert caught.value.as_body()["audio_file"][0].startswith("The file is not audio")
    assert caught.value.code == "invalid_audio"
    assert_nothing_left(settings)


@pytest.mark.parametrize(
    "content",
    [
        b"ID3\x03\x00\x00\x00\x00\x00\x10" + b"lorem ipsum " * 500,  # an ID3 header and no audio
        bytes([0xFF, 0xFB, 0x90, 0x64]) + b"\x01\x02" * 4000,  # one frame header, then garbage
        b"RIFF\x10\x00\x00\x00WAVEjunk",  # a truncated WAV
        b"fLaC\x00",  # a truncated FLAC
        png_bytes(),  # a picture
    ],
)
def test_broken_or_disguised_audio_is_refused(settings, content):
    with pytest.raises(InvalidInput) as caught:
        services.song_create(audio=upload(content), title="T", artist="A")

    assert (caught.value.field, caught.value.code) == ("audio_file", "invalid_audio")
    assert_nothing_left(settings)


def test_oversized_audio_is_refused(settings):
    settings.MAX_SONG_BYTES = 1000

    with pytest.raises(InvalidInput) as caught:
        services.song_create(audio=upload(mp3_bytes()), title="T", artist="A")

    assert (caught.value.field, caught.value.code) == ("audio_file", "too_large")
    assert "MB" in caught.value.message
    assert_nothing_left(settings)


def test_oversized_cover_is_refused(settings):
    settings.MAX_COVER_BYTES = 100

    with pytest.raises(InvalidInput) as caught:
        services.song_create(
            audio=upload(wav_bytes()), title="T", artist="A", image=upload(png_bytes((64, 64)))
        )

    assert (caught.value.field, caught.value.code) == ("image", "too_large")
    assert_nothing_left(settings)


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a but not really a picture",
        png_bytes((64, 64))[:-30],  # truncated
        png_bytes(image_format="JPEG")[:200],  # a JPEG cut short: passes verify(), fails to decode
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_broken_image_is_refused(settings, content):
    with pytest.raises(InvalidInput) as caught:
        services.song_create(
            audio=upload(wav_bytes()), title="T", artist="A", image=upload(content, "cover.png", "image/png")
        )

    assert (caught.value.field, caught.value.code) == ("image", "invalid_image")
    assert_nothing_left(settings)


def test_a_huge_picture_in_a_small_file_is_refused():
    with pytest.raises(InvalidInput) as caught:
        checked_image(upload(png_bytes((7000, 7000)), "big.png", "image/png"), field="image")

    assert caught.value.code == "too_large"


def test_a_broken_embedded_cover_is_ignored_not_fatal():
    song = services.song_create(audio=upload(tagged_wav(title="T", artist="A", cover=b"not a picture")))

    assert song.pk
    assert not song.image


def test_hostile_file_names_are_never_used(settings):
    song = services.song_create(
        audio=upload(wav_bytes(), name="../../etc/passwd.mp3"),
        title="T",
        artist="A",
        image=upload(png_bytes(), name="../../../evil.php", content_type="image/png"),
    )

    media = Path(settings.MEDIA_ROOT).resolve()
    files = stored_files(media)
    assert sorted(path.parent.name for path in files) == ["song_images", "songs"]
    assert all(path.resolve().is_relative_to(media) for path in files)
    assert song.audio_file.name.endswith(".wav")
    assert "passwd" not in song.audio_file.name
    assert song.image.name.endswith(".png")
    assert "evil" not in song.image.name


def test_hostile_name_with_bad_content_leaves_nothing(settings):
    with pytest.raises(InvalidInput):
        services.song_create(
            audio=upload(b"#!/bin/sh\nrm -rf /\n", name="../../etc/passwd.mp3"), title="T", artist="A"
        )

    assert_nothing_left(settings)
    assert not (Path(settings.MEDIA_ROOT).parent / "etc").exists()


def test_a_failing_save_deletes_the_files_it_wrote(settings, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Song, "save", broken_save)

    with pytest.raises(IntegrityError):
        services.song_create(
            audio=upload(tagged_wav(title="T", artist="A", album="Lost")), image=upload(png_bytes(), "c.png")
        )

    assert_nothing_left(settings)  # the album made from the tags was rolled back too


# --- Updates and deletes --------------------------------------------------------------------------


def test_replacing_audio_and_image_deletes_the_old_files_after_commit(
    settings, django_capture_on_commit_callbacks
):
    song = services.song_create(audio=upload(wav_bytes()), title="T", artist="A", image=upload(png_bytes()))
    old_audio, old_image = Path(song.audio_file.path), Path(song.image.path)

    with django_capture_on_commit_callbacks(execute=True):
        services.song_update(
            song=song, audio=upload(mp3_bytes()), image=upload(png_bytes(image_format="JPEG"))
        )

    song.refresh_from_db()
    assert not old_audio.exists()
    assert not old_image.exists()
    assert song.audio_file.name.endswith(".mp3")
    assert song.image.name.endswith(".jpg")
    assert (song.audio_content_type, song.duration) == ("audio/mpeg", 5)
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_a_refused_replacement_changes_nothing(settings):
    song = services.song_create(audio=upload(wav_bytes()), title="T", artist="A")
    before = stored_files(settings.MEDIA_ROOT)

    with pytest.raises(InvalidInput):
        services.song_update(song=song, title="New", audio=upload(b"text" * 100))

    song.refresh_from_db()
    assert song.title == "T"
    assert stored_files(settings.MEDIA_ROOT) == before


def test_a_blank_title_is_refused_on_update():
    song = services.song_create(audio=upload(wav_bytes()), title="T", artist="A")

    with pytest.raises(InvalidInput) as caught:
        services.song_update(song=song, title="  ")

    assert caught.value.field == "title"


def test_song_delete_removes_its_files(settings, django_capture_on_commit_callbacks):
    song = services.song_create(audio=upload(wav_bytes()), title="T", artist="A", image=upload(png_bytes()))

    with django_capture_on_commit_callbacks(execute=True):
        services.song_delete(song=song)

    assert_nothing_left(settings)


def test_album_delete_removes_its_songs_and_every_file(settings, django_capture_on_commit_callbacks):
    album = services.album_create(
        title="Dusk", artist="Nova Lane", release_year=2020, image=upload(png_bytes())
    )
    for number in range(3):
        services.song_create(
            audio=upload(wav_bytes()), title=f"S{number}", artist="A", album=album, image=upload(png_bytes())
        )
    other = services.song_create(audio=upload(wav_bytes()), title="Elsewhere", artist="B")
    assert len(stored_files(settings.MEDIA_ROOT)) == 1 + 3 * 2 + 1

    with django_capture_on_commit_callbacks(execute=True):
        services.album_delete(album=album)

    assert list(Song.objects.all()) == [other]
    assert not Album.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == [Path(other.audio_file.path)]


def test_album_update_replaces_and_removes_its_cover(settings, django_capture_on_commit_callbacks):
    album = services.album_create(title="Dusk", artist="Nova Lane", image=upload(png_bytes()))
    first = Path(album.image.path)

    with django_capture_on_commit_callbacks(execute=True):
        services.album_update(album=album, title="Dawn", image=upload(png_bytes(image_format="JPEG")))
    second = Path(album.image.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.album_update(album=album, image=None)

    album.refresh_from_db()
    assert album.title == "Dawn"
    assert not album.image
    assert not first.exists()
    assert not second.exists()


def test_album_create_refuses_a_broken_cover(settings):
    with pytest.raises(InvalidInput) as caught:
        services.album_create(title="Dusk", artist="Nova Lane", image=upload(b"nope", "c.jpg", "image/jpeg"))

    assert caught.value.field == "image"
    assert_nothing_left(settings)


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_naming_one_new_album_create_it_once(settings):
    import threading

    from django.db import connections

    from musics.models import Album

    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def upload_one(n: int) -> None:
        try:
            audio = upload(
                tagged_flac(title=f"Track {n}", artist="Nova Lane", album="Same Night"), "song.flac"
            )
            barrier.wait(timeout=10)
            services.song_create(audio=audio)
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Album.objects.filter(title="Same Night").count() == 1
    assert Album.objects.get(title="Same Night").songs.count() == 4
