"""Real media files made in the test, no encoder needed: WAV (stdlib `wave`), MP3 (silent MPEG-1
Layer III frames), FLAC (a stream header), tagged with mutagen; pictures drawn with Pillow."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TIT2, TPE1, TPE2
from mutagen.mp3 import MP3
from mutagen.wave import WAVE
from PIL import Image


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                for n in range(int(seconds * rate))
            )
        )
    return buffer.getvalue()


def mp3_bytes(frames: int = 200) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames of silence (~26 ms each)."""
    return (bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)) * frames


def flac_bytes(seconds: int = 3, rate: int = 44_100) -> bytes:
    """A FLAC stream header (STREAMINFO) announcing `seconds` of stereo 16-bit audio."""
    info = struct.pack(">HH", 4096, 4096) + bytes(6)
    info += ((rate << 44) | (1 << 41) | (15 << 36) | (rate * seconds)).to_bytes(8, "big") + bytes(16)
    return b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info


def png_bytes(size: tuple[int, int] = (32, 32), colour: str = "teal", image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=image_format)
    return buffer.getvalue()


def _id3_frames(title: str | None, artist: str | None, album: str | None, cover: bytes | None) -> list:
    frames = []
    if title:
        frames.append(TIT2(encoding=3, text=title))
    if artist:
        frames.append(TPE1(encoding=3, text=artist))
        frames.append(TPE2(encoding=3, text=artist))
    if album:
        frames.append(TALB(encoding=3, text=album))
    if cover:
        frames.append(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=cover))
    return frames


def tagged_wav(*, title=None, artist=None, album=None, cover=None, seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO(wav_bytes(seconds))
    audio = WAVE(buffer)
    audio.add_tags()
    for frame in _id3_frames(title, artist, album, cover):
        audio.tags.add(frame)
    buffer.seek(0)
    audio.save(buffer)
    return buffer.getvalue()


def tagged_mp3(*, title=None, artist=None, album=None, cover=None) -> bytes:
    buffer = io.BytesIO(mp3_bytes())
    tags = ID3()
    for frame in _id3_frames(title, artist, album, cover):
        tags.add(frame)
    tags.save(buffer)
    buffer.seek(0)
    MP3(buffer)  # still parses
    return buffer.getvalue()


def tagged_flac(*, title=None, artist=None, album=None, cover=None) -> bytes:
    buffer = io.BytesIO(flac_bytes())
    audio = FLAC(buffer)
    for key, value in (("title", title), ("artist", artist), ("album", album)):
        if value:
            audio[key] = value
    if cover:
        picture = Picture()
        picture.type = 3
        picture.mime = "image/png"
        picture.data = cover
        audio.add_picture(picture)
    buffer.seek(0)
    audio.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "song.mp3", content_type: str = "audio/mpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
