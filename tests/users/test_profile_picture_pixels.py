"""A profile picture that would decode to too many pixels is a 400 naming `image`, with nothing
written: the same pixel cap as covers (issue 12, Medium 1). Pictures are made in the test: only a
PNG header, so a 20000 x 20000 picture costs a few bytes."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from musics.models import Album

pytestmark = pytest.mark.django_db

ME = "/api/auth/user/"


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height (1-bit grey) with a token of data: Pillow reads the size
    from the header without decoding anything."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # past Pillow's decompression-bomb error: today a 500
        (10_000, 10_000),  # past Pillow's warning, under its error
        (7_000, 7_000),  # under Pillow's limits, over the covers' 6000 x 6000
    ],
)
def test_a_picture_with_too_many_pixels_is_a_400_naming_image(client, user, settings, width, height):
    picture = SimpleUploadedFile("me.png", png_header(width, height), content_type="image/png")

    response = client.patch(ME, {"image": picture, "full_name": "New Name"}, format="multipart")

    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "too_large"
    assert "6000 x 6000" in body["image"][0]
    user.refresh_from_db()
    assert not user.image
    assert user.full_name != "New Name"
    assert stored_files(settings) == []


def test_covers_and_profile_pictures_share_the_cap(settings):
    """One check: a cover of the same size is refused with the same words."""
    from core.errors import InvalidInput
    from musics.services import album_create

    with pytest.raises(InvalidInput) as caught:
        album_create(
            title="T",
            artist="A",
            image=SimpleUploadedFile("c.png", png_header(20_000, 20_000), content_type="image/png"),
        )

    assert (caught.value.field, caught.value.code) == ("image", "too_large")
    assert "6000 x 6000" in caught.value.message
    assert not Album.objects.exists()
