"""The catalog's writes: songs and albums with their files, and plays.

Nothing is half-written. Every upload is checked (musics/uploads.py) before anything is stored;
new files are written, then the rows in one transaction; if that fails, the new files are deleted.
Files that a change replaces, or a deletion leaves behind, are deleted only after the commit, so a
rolled-back change still has its files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import Any, Literal, overload

from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.db.models.fields.files import FieldFile

from core.error_codes import ErrorCode
from core.errors import InvalidInput
from musics.models import Album, Song, SongPlay
from musics.uploads import AUDIO_FIELD, AudioInfo, checked_audio, checked_image

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 200
# A listen is counted once: the same user starting the same song again within this window (or
# within the song's own length, when shorter, but at least PLAY_MIN_SECONDS) is the same listen,
# e.g. a player that re-requests from byte 0 after a network error.
PLAY_WINDOW_SECONDS = 5 * 60
PLAY_MIN_SECONDS = 30
_RANGE_START = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)", re.IGNORECASE)


class _Unset(Enum):
    """A keyword left out of an update, as opposed to one given as None."""

    UNSET = "unset"


UNSET = _Unset.UNSET


# --- Files ------------------------------------------------------------------------------------


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a file left over is a leak, not a reason to fail a committed change
            logger.exception("Could not delete %s from storage", name)


def _forget_stream_info(song_ids: list[int]) -> None:
    """The stream endpoint caches what it needs of a song: drop it now and again after the commit."""
    from musics.selectors import song_stream_forget

    song_stream_forget(song_ids)
    transaction.on_commit(lambda: song_stream_forget(song_ids))


def _delete_after_commit(storage: Storage, names: Sequence[str | None]) -> None:
    stored = [name for name in names if name]
    if stored:
        transaction.on_commit(lambda: _delete_files(storage, stored))


@contextmanager
def _new_files(storage: Storage) -> Iterator[list[str]]:
    """Collects the names of files written inside; deletes them if the block fails."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        _delete_files(storage, written)
        raise


def _store(field_file: FieldFile, content: File, name: str, written: list[str]) -> None:
    """Writes `content` under a name generated from `name` (whose extension is the real format's)."""
    field_file.save(name, content, save=False)
    if field_file.name:  # always, once saved
        written.append(field_file.name)


@contextmanager
def _restored_on_error(instance: Song | Album, names: list[str]) -> Iterator[None]:
    """Puts the instance's fields back as they were if the block fails (its row is unchanged)."""
    before = {name: getattr(instance, name) for name in names}
    before.update({name: value.name for name, value in before.items() if isinstance(value, FieldFile)})
    try:
        yield
    except BaseException:
        for name, value in before.items():
            setattr(instance, name, value)
        raise


@overload
def _text(value: str | None, *, field: str, required: Literal[True]) -> str: ...
@overload
def _text(value: str | None, *, field: str, required: bool) -> str | None: ...
def _text(value: str | None, *, field: str, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"The {field} may not be blank.", field=field, code=ErrorCode.REQUIRED)
        return None
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput(
            f"The {field} is longer than {TEXT_MAX_LENGTH} characters.",
            field=field,
            code=ErrorCode.MAX_LENGTH,
        )
    return text


def _required_from_tags(value: str | None, tag: str | None, *, field: str) -> str:
    text = _text(value, field=field, required=False) or tag
    if not text:
        raise InvalidInput(
            f"The {field} is required: none was given and the file's tags have none.",
            field=field,
            code=ErrorCode.REQUIRED,
        )
    return text


def _tag_cover(info: AudioInfo) -> tuple[ContentFile, str] | None:
    """The cover embedded in the tags and its extension, when it is a picture we would accept."""
    if not info.cover:
        return None
    cover = ContentFile(info.cover, name="cover")
    try:
        extension = checked_image(cover, field="image")
    except InvalidInput as exc:
        logger.info("Ignoring the embedded cover of an upload: %s", exc.message)
        return None
    return cover, extension


def _replace_image(
    owner: Song | Album,
    image: File | None,
    extension: str | None,
    written: list[str],
    old_files: list[str | None],
) -> None:
    """Puts a new picture on `owner` (or removes it with None); the old file is deleted after commit."""
    old_files.append(owner.image.name)
    if image is None:
        owner.image = ""
    else:
        _store(owner.image, image, f"image{extension}", written)


def _lock_album_name(title: str, artist: str) -> None:
    """Two uploads naming the same new album must not both create it: on PostgreSQL a transaction
    lock on the name serialises them (SQLite's write transactions are serial already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"musics.album:{title.lower()}|{artist.lower()}"],
            )


def _album_for_tags(info: AudioInfo, artist: str) -> Album | None:
    if not info.album:
        return None
    album_artist = info.album_artist or artist
    _lock_album_name(info.album, album_artist)
    album = Album.objects.filter(title__iexact=info.album, artist__iexact=album_artist).order_by("id").first()
    return album or Album.objects.create(title=info.album, artist=album_artist)


# --- Songs ------------------------------------------------------------------------------------


def song_create(
    *,
    audio: File,
    title: str | None = None,
    artist: str | None = None,
    album: Album | None = None,
    image: File | None = None,
) -> Song:
    """A song from an audio upload. Left out, the title, artist and album come from the tags (the
    album found by title and artist, or created) and the image from the embedded cover art."""
    info = checked_audio(audio)
    title = _required_from_tags(title, info.title, field="title")
    artist = _required_from_tags(artist, info.artist, field="artist")
    picture = (image, checked_image(image, field="image")) if image is not None else _tag_cover(info)

    song = Song(
        title=title,
        artist=artist,
        audio_content_type=info.content_type,
        audio_size=info.size,
        duration=info.duration,
    )
    with _new_files(song.audio_file.storage) as written:
        _store(song.audio_file, audio, f"audio{info.extension}", written)
        if picture is not None:
            _store(song.image, picture[0], f"image{picture[1]}", written)
        with transaction.atomic():
            song.album = album if album is not None else _album_for_tags(info, artist)
            song.save()
    return song


def song_update(
    *,
    song: Song,
    title: str | _Unset | None = UNSET,
    artist: str | _Unset | None = UNSET,
    album: Album | _Unset | None = UNSET,
    image: File | _Unset | None = UNSET,
    audio: File | _Unset = UNSET,
) -> Song:
    """Changes what is given: `album=None` takes the song out of its album, `image=None` removes its
    picture. New audio replaces the file, its type, size and duration (not the title or artist)."""
    if audio is None:
        raise InvalidInput("A song needs its audio file.", field=AUDIO_FIELD, code=ErrorCode.REQUIRED)
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = _text(title, field="title", required=True)
    if artist is not UNSET:
        values["artist"] = _text(artist, field="artist", required=True)
    if album is not UNSET:
        values["album"] = album
    info = checked_audio(audio) if audio is not UNSET else None
    image_extension = checked_image(image, field="image") if image not in (UNSET, None) else None
    if info is not None:
        values.update(audio_content_type=info.content_type, audio_size=info.size, duration=info.duration)
    changed = [
        *values,
        *(["audio_file"] if info is not None else []),
        *(["image"] if image is not UNSET else []),
    ]
    if not changed:
        return song

    storage = song.audio_file.storage
    old_files: list[str | None] = []
    with _restored_on_error(song, changed), _new_files(storage) as written:
        for name, value in values.items():
            setattr(song, name, value)
        if info is not None and audio is not UNSET:
            old_files.append(song.audio_file.name)
            _store(song.audio_file, audio, f"audio{info.extension}", written)
        if image is not UNSET:
            _replace_image(song, image, image_extension, written, old_files)
        with transaction.atomic():
            song.save(update_fields=[*changed, "updated_at"])
            _delete_after_commit(storage, old_files)
            _forget_stream_info([song.pk])
    return song


def song_delete(*, song: Song) -> None:
    """Deletes the song, and its files after the commit."""
    storage = song.audio_file.storage
    names = [song.audio_file.name, song.image.name]
    with transaction.atomic():
        song_id = song.pk
        song.delete()
        _delete_after_commit(storage, names)
        _forget_stream_info([song_id])


# --- Albums -----------------------------------------------------------------------------------


def album_create(
    *, title: str, artist: str, release_year: int | None = None, image: File | None = None
) -> Album:
    album = Album(
        title=_text(title, field="title", required=True),
        artist=_text(artist, field="artist", required=True),
        release_year=release_year,
    )
    extension = checked_image(image, field="image") if image is not None else None
    with _new_files(album.image.storage) as written:
        if image is not None:
            _store(album.image, image, f"image{extension}", written)
        with transaction.atomic():
            album.save()
    return album


def album_update(
    *,
    album: Album,
    title: str | _Unset = UNSET,
    artist: str | _Unset = UNSET,
    release_year: int | _Unset | None = UNSET,
    image: File | _Unset | None = UNSET,
) -> Album:
    """Changes what is given; `image=None` removes the cover (its file goes after the commit)."""
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = _text(title, field="title", required=True)
    if artist is not UNSET:
        values["artist"] = _text(artist, field="artist", required=True)
    if release_year is not UNSET:
        values["release_year"] = release_year
    extension = checked_image(image, field="image") if image not in (UNSET, None) else None
    changed = [*values, *(["image"] if image is not UNSET else [])]
    if not changed:
        return album

    storage = album.image.storage
    old_files: list[str | None] = []
    with _restored_on_error(album, changed), _new_files(storage) as written:
        for name, value in values.items():
            setattr(album, name, value)
        if image is not UNSET:
            _replace_image(album, image, extension, written, old_files)
        with transaction.atomic():
            album.save(update_fields=[*changed, "updated_at"])
            _delete_after_commit(storage, old_files)
    return album


def album_delete(*, album: Album) -> None:
    """Deletes the album, its songs, and (after the commit) every file of theirs."""
    storage = album.image.storage
    with transaction.atomic():
        songs = list(
            Song.objects.select_for_update().filter(album=album).values_list("pk", "audio_file", "image")
        )
        names = [album.image.name, *(name for _, audio, image in songs for name in (audio, image))]
        album.delete()
        _delete_after_commit(storage, names)
        _forget_stream_info([song_id for song_id, _, _ in songs])


# --- Plays ------------------------------------------------------------------------------------


def _starts_a_listen(range_header: str | None) -> bool:
    """True for a request that plays from the start: no Range, or one from byte 0, except Safari's
    `bytes=0-1` probe (it asks for two bytes to learn the size before playing)."""
    if not range_header:
        return True
    match = _RANGE_START.match(range_header)
    if match is None:
        return True  # a Range we ignore: the whole file is sent
    start, end = match.groups()
    if start == "":
        return False  # a suffix range (`bytes=-500`): the end of the file
    if start.lstrip("0"):
        return False  # from a later byte
    # Compared as text: a number of thousands of digits is a valid (huge) end, not an error.
    return not (end != "" and end.lstrip("0") in ("", "1"))


def song_play_record(*, song: Song, user: Any, range_header: str | None) -> bool:
    """Counts a play when this request starts a listen; True when one was recorded."""
    if not _starts_a_listen(range_header):
        return False
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    window = max(PLAY_MIN_SECONDS, min(PLAY_WINDOW_SECONDS, song.duration or PLAY_WINDOW_SECONDS))
    key = f"musics:play:{user_id or 'anonymous'}:{song.pk}"
    if user_id is not None and not cache.add(key, 1, timeout=window):
        return False
    try:
        SongPlay.objects.create(song=song, user_id=user_id)
    except Exception:
        cache.delete(key)
        raise
    return True
