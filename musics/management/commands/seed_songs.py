"""`manage.py seed_songs`: a demo catalog whose songs really play, made here (no downloads).

Each song is a few seconds of its own little tune (WAV, synthesised with the standard library's
`wave` module, tagged with mutagen) and a cover drawn with Pillow, saved through `song_create`, so
it goes through the same checks as an upload. Songs that already exist (same title and artist) are
left alone: running it twice adds nothing. `seed_albums` then groups them into albums.
"""

from __future__ import annotations

import io
import math
import random
import sys
import wave
import zlib
from array import array
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from mutagen.id3 import TIT2, TPE1
from mutagen.wave import WAVE
from PIL import Image, ImageDraw

from musics.models import Song
from musics.services import song_create

SAMPLE_RATE = 22_050
# A major pentatonic scale over two octaves (Hz): any sequence of these notes sounds pleasant.
SCALE = [261.63, 293.66, 329.63, 392.00, 440.00, 523.25, 587.33, 659.25, 783.99, 880.00]


@dataclass(frozen=True)
class SeedSong:
    title: str
    artist: str
    album: str
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class SeedAlbum:
    title: str
    artist: str
    release_year: int
    colour: tuple[int, int, int]


ALBUMS = [
    SeedAlbum("Urban Nights", "The City Lights", 2021, (41, 61, 150)),
    SeedAlbum("Coastal Drift", "Sarah Mitchell", 2022, (20, 140, 160)),
    SeedAlbum("Midnight Sessions", "Night Owls", 2023, (90, 40, 120)),
    SeedAlbum("Eastern Dreams", "Luna Bay", 2024, (200, 90, 60)),
]

SONGS = [
    SeedSong("City Rain", "The City Lights", "Urban Nights", (60, 80, 170)),
    SeedSong("Neon Lights", "The City Lights", "Urban Nights", (200, 40, 160)),
    SeedSong("Urban Jungle", "The City Lights", "Urban Nights", (40, 120, 70)),
    SeedSong("Stay With Me", "Sarah Mitchell", "Coastal Drift", (220, 120, 140)),
    SeedSong("Summer Daze", "Sarah Mitchell", "Coastal Drift", (240, 190, 60)),
    SeedSong("Ocean Waves", "Sarah Mitchell", "Coastal Drift", (30, 110, 190)),
    SeedSong("Midnight Drive", "Night Owls", "Midnight Sessions", (30, 30, 80)),
    SeedSong("Moonlight Dance", "Night Owls", "Midnight Sessions", (150, 150, 210)),
    SeedSong("Starlight", "Night Owls", "Midnight Sessions", (240, 230, 150)),
    SeedSong("Lost in Tokyo", "Luna Bay", "Eastern Dreams", (230, 60, 70)),
    SeedSong("Garden of Mist", "Luna Bay", "Eastern Dreams", (120, 170, 120)),
    SeedSong("Paper Lanterns", "Luna Bay", "Eastern Dreams", (250, 150, 50)),
]


def tune_wav(seed_text: str, *, seconds: float = 6.0) -> bytes:
    """A short mono 16-bit WAV: a melody (one note per beat) over a soft root drone, with fades."""
    rng = random.Random(zlib.crc32(seed_text.encode()))  # noqa: S311  (a tune, not a secret)
    beat = rng.choice([0.25, 0.3, 0.375])
    notes = [rng.choice(SCALE) for _ in range(int(seconds / beat) + 1)]
    root = SCALE[0] / 2
    total = int(seconds * SAMPLE_RATE)
    samples_per_beat = int(beat * SAMPLE_RATE)
    frames = array("h")
    for index in range(total):
        note = notes[index // samples_per_beat]
        into_beat = (index % samples_per_beat) / samples_per_beat
        time = index / SAMPLE_RATE
        envelope = math.exp(-3.0 * into_beat)  # a plucked note
        fade = min(1.0, time / 0.05, (seconds - time) / 0.3)
        value = 0.45 * envelope * math.sin(2 * math.pi * note * time)
        value += 0.12 * math.sin(2 * math.pi * root * time)
        frames.append(int(max(-1.0, min(1.0, value * fade)) * 32_000))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        if sys.byteorder == "big":
            frames.byteswap()  # WAV samples are little-endian
        out.writeframes(frames.tobytes())
    return bytes(buffer.getbuffer())


def tagged(wav: bytes, *, title: str, artist: str) -> bytes:
    """The WAV with an ID3 chunk naming its title and artist (so a downloaded file says what it is)."""
    buffer = io.BytesIO(wav)
    audio = WAVE(buffer)
    audio.add_tags()
    assert audio.tags is not None  # add_tags() made them
    audio.tags.add(TIT2(encoding=3, text=title))
    audio.tags.add(TPE1(encoding=3, text=artist))
    buffer.seek(0)
    audio.save(buffer)
    return bytes(buffer.getbuffer())


def cover_png(label: str, colour: tuple[int, int, int], *, size: int = 300) -> bytes:
    """A square cover: a vertical gradient from `colour`, a few circles and the label's initials."""
    rng = random.Random(zlib.crc32(label.encode()))  # noqa: S311  (a picture, not a secret)
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        shade = y / size
        draw.line([(0, y), (size, y)], fill=tuple(int(c * (1 - 0.6 * shade)) for c in colour))
    for _ in range(5):
        radius = rng.randint(size // 10, size // 3)
        x, y = rng.randint(0, size), rng.randint(0, size)
        tint = tuple(min(255, c + rng.randint(30, 90)) for c in colour)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline=tint, width=3)
    initials = "".join(word[0] for word in label.split()[:3]).upper()
    draw.text((size // 12, size - size // 5), initials, fill=(255, 255, 255), font_size=size // 7)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Creates demo songs with generated audio and covers (idempotent). Run seed_albums next."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=len(SONGS), help="How many of the demo songs.")

    def handle(self, *args, count: int, **options) -> None:
        created = 0
        for seed in SONGS[: max(0, count)]:
            if Song.objects.filter(title=seed.title, artist=seed.artist).exists():
                continue
            audio = ContentFile(
                tagged(tune_wav(seed.title), title=seed.title, artist=seed.artist), name="a.wav"
            )
            image = ContentFile(cover_png(seed.title, seed.colour), name="cover.png")
            song_create(audio=audio, title=seed.title, artist=seed.artist, image=image)
            created += 1
        total = Song.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Created {created} songs ({total} in the catalog)."))
