"""Checking catalog uploads by their content, never by their name.

`checked_audio` sniffs the first bytes for a known container, lets mutagen parse the stream with
that one format's reader (so a text file renamed `.mp3` is refused, and a FLAC named `.mp3` is
stored as `.flac`), and reads the duration and the tags. `checked_image` checks covers with
`core.images`, as profile pictures are. Both raise `InvalidInput` naming the field and the problem;
neither writes anything.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from mutagen import MutagenError
from mutagen.aac import AAC
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, PictureType
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from core.error_codes import ErrorCode
from core.errors import InvalidInput
from core.images import checked_image as core_checked_image

logger = logging.getLogger(__name__)

AUDIO_FIELD = "audio_file"
TAG_MAX_LENGTH = 200  # Song.title / Song.artist / Album.title


@dataclass(frozen=True)
class AudioFormat:
    name: str
    extension: str
    content_type: str
    reader: type


MP3_FORMAT = AudioFormat("mp3", ".mp3", "audio/mpeg", MP3)
OGG_VORBIS = AudioFormat("ogg_vorbis", ".ogg", "audio/ogg", OggVorbis)
OGG_OPUS = AudioFormat("ogg_opus", ".opus", "audio/ogg", OggOpus)
FLAC_FORMAT = AudioFormat("flac", ".flac", "audio/flac", FLAC)
M4A = AudioFormat("m4a", ".m4a", "audio/mp4", MP4)
AAC_FORMAT = AudioFormat("aac", ".aac", "audio/aac", AAC)
WAV = AudioFormat("wav", ".wav", "audio/wav", WAVE)
ACCEPTED_FORMATS = (MP3_FORMAT, OGG_VORBIS, OGG_OPUS, FLAC_FORMAT, M4A, AAC_FORMAT, WAV)


@dataclass(frozen=True)
class AudioInfo:
    """What an accepted audio upload is: its real format and what its tags say."""

    format: str
    extension: str
    content_type: str
    duration: int  # seconds, rounded
    size: int
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    cover: bytes | None = None


class _Unnamed(io.RawIOBase):
    """The upload's bytes without its name: mutagen's readers never see the client's extension."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__()
        self._file = file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence) or self._file.tell()

    def tell(self) -> int:
        return self._file.tell()


def _id3_payload(header: bytes) -> bytes:
    """The bytes after a leading ID3v2 tag (MP3, and the odd FLAC or ADTS file, start with one)."""
    if header[:3] != b"ID3" or len(header) < 10:
        return header
    size = 0
    for byte in header[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if header[5] & 0x10 else 0
    return header[10 + size + footer :]


def _sniff(head: bytes) -> AudioFormat | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        return M4A
    if head[:4] == b"OggS":
        if b"OpusHead" in head[:128]:
            return OGG_OPUS
        if b"\x01vorbis" in head[:128]:
            return OGG_VORBIS
        return None
    payload = _id3_payload(head)
    if payload[:4] == b"fLaC":
        return FLAC_FORMAT
    if payload[:4] == b"ADIF":
        return AAC_FORMAT
    if len(payload) >= 2 and payload[0] == 0xFF:
        if payload[1] & 0xF6 == 0xF0:  # ADTS: sync, layer 0
            return AAC_FORMAT
        if payload[1] & 0xE0 == 0xE0:  # MPEG audio frame sync (layers I to III)
            return MP3_FORMAT
    if head[:3] == b"ID3":
        return MP3_FORMAT  # a tag longer than what was sniffed: let the MP3 reader find the frames
    return None


def _first_text(tags: Any, *keys: str) -> str | None:
    for key in keys:
        try:
            value = tags[key]
        except (KeyError, ValueError, TypeError):
            continue
        values = getattr(value, "text", value)
        if isinstance(values, str):
            values = [values]
        for item in values or []:
            text = str(item).strip()
            if text:
                return text[:TAG_MAX_LENGTH]
    return None


def _id3_tags(tags: ID3) -> dict[str, Any]:
    pictures = tags.getall("APIC")
    front = [p for p in pictures if p.type == PictureType.COVER_FRONT] or pictures
    return {
        "title": _first_text(tags, "TIT2"),
        "artist": _first_text(tags, "TPE1"),
        "album": _first_text(tags, "TALB"),
        "album_artist": _first_text(tags, "TPE2"),
        "cover": front[0].data if front else None,
    }


def _vorbis_cover(tags: Any) -> bytes | None:
    for encoded in tags.get("metadata_block_picture", []) if tags else []:
        try:
            picture = Picture(base64.b64decode(encoded))
        except (binascii.Error, MutagenError, ValueError):
            continue
        if picture.data:
            return picture.data
    return None


def _tags(audio: Any) -> dict[str, Any]:
    tags = audio.tags
    if isinstance(audio, FLAC):
        pictures = audio.pictures
        front = [p for p in pictures if p.type == PictureType.COVER_FRONT] or pictures
        found = _vorbis_tags(tags) if tags is not None else {}
        found["cover"] = front[0].data if front else None
        return found
    if tags is None:
        return {}
    if isinstance(tags, ID3):  # MP3, WAV (an `id3 ` chunk)
        return _id3_tags(tags)
    if isinstance(audio, MP4):
        covers = tags.get("covr") or []
        return {
            "title": _first_text(tags, "\xa9nam"),
            "artist": _first_text(tags, "\xa9ART", "aART"),
            "album": _first_text(tags, "\xa9alb"),
            "album_artist": _first_text(tags, "aART"),
            "cover": bytes(covers[0]) if covers and isinstance(covers[0], MP4Cover | bytes) else None,
        }
    found = _vorbis_tags(tags)  # Ogg Vorbis / Opus
    found["cover"] = _vorbis_cover(tags)
    return found


def _vorbis_tags(tags: Any) -> dict[str, Any]:
    return {
        "title": _first_text(tags, "title"),
        "artist": _first_text(tags, "artist", "albumartist"),
        "album": _first_text(tags, "album"),
        "album_artist": _first_text(tags, "albumartist"),
    }


def _not_audio() -> InvalidInput:
    names = "MP3, Ogg (Vorbis or Opus), FLAC, M4A/AAC or WAV"
    return InvalidInput(
        f"The file is not audio that can be played: upload {names}.",
        field=AUDIO_FIELD,
        code=ErrorCode.INVALID_AUDIO,
    )


def checked_audio(file: File) -> AudioInfo:
    """The upload's real format, duration and tags; refuses what is too big or is not audio."""
    size = file.size or 0
    if size <= 0:
        raise InvalidInput("The audio file is empty.", field=AUDIO_FIELD, code=ErrorCode.EMPTY)
    if size > settings.MAX_SONG_BYTES:
        limit_mb = settings.MAX_SONG_BYTES / (1024 * 1024)
        raise InvalidInput(
            f"The audio file is larger than {limit_mb:g} MB.", field=AUDIO_FIELD, code=ErrorCode.TOO_LARGE
        )
    file.seek(0)
    try:
        head = file.read(4096)
        audio_format = _sniff(head)
        if audio_format is None:
            raise _not_audio()
        file.seek(0)
        try:
            audio = audio_format.reader(_Unnamed(file))
        except (MutagenError, ValueError, EOFError, IndexError, OverflowError, ZeroDivisionError) as exc:
            raise _not_audio() from exc
    finally:
        file.seek(0)
    info = audio.info
    if getattr(info, "sketchy", False) or not (info.length or 0) > 0:
        raise _not_audio()
    if audio_format is M4A and not getattr(info, "codec", ""):
        raise _not_audio()  # an MP4 without a sound track (a silent video)
    try:
        tags = _tags(audio)
    except (MutagenError, ValueError, KeyError, TypeError):
        logger.info("Unreadable tags in an accepted %s upload; ignoring them", audio_format.name)
        tags = {}
    return AudioInfo(
        format=audio_format.name,
        extension=audio_format.extension,
        content_type=audio_format.content_type,
        duration=max(1, round(info.length)),
        size=size,
        **tags,
    )


def checked_image(file: File, *, field: str) -> str:
    """The extension of a cover's real format; refuses what is too big, has too many pixels or is
    not a picture (the same check as profile pictures, with the cover's size limit)."""
    return core_checked_image(file, field=field, max_bytes=settings.MAX_COVER_BYTES, size=file.size)
