"""Building upload files for the import tests."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

FIXTURES = Path(__file__).parent / "fixtures"
SPOTIFY_DIR = "Spotify Extended Streaming History"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def spotify_zip() -> bytes:
    """The extended history as Spotify sends it: audio files, a video file, the PDF."""
    return zip_of(
        {
            f"{SPOTIFY_DIR}/Streaming_History_Audio_2023-2024_0.json": fixture("spotify_streaming_2023.json"),
            f"{SPOTIFY_DIR}/Streaming_History_Audio_2010-2022_1.json": fixture(
                "spotify_streaming_endsong_0.json"
            ),
            f"{SPOTIFY_DIR}/ReadMeFirst_ExtendedStreamingHistory.pdf": b"%PDF-1.4\n%fake\n",
        }
    )


def upload(data: bytes, name: str = "my_spotify_data.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def spotify_rows(*rows: dict) -> bytes:
    base = json.loads(fixture("spotify_streaming_2023.json"))[1]
    return json.dumps([{**base, **row} for row in rows]).encode()
