"""Checking an uploaded picture by its content: the one check for covers and profile pictures.

A picture is opened with Pillow, which reads only the header first: its pixel count is checked
before anything is decoded, because a small file (a flat PNG) can describe an image that takes
gigabytes to decode. Past Pillow's own decompression-bomb limit `Image.open` fails (or warns)
before we see the size; every such case is the same 400 naming the field.
"""

from __future__ import annotations

import warnings
from typing import IO

from PIL import Image, UnidentifiedImageError

from core.error_codes import ErrorCode
from core.errors import InvalidInput

IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
# Pictures are shown at a few hundred pixels; 6000 x 6000 is more than any camera needs.
MAX_IMAGE_SIDE = 6000
MAX_IMAGE_PIXELS = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE


def _too_many_pixels(field: str, width: int | None = None, height: int | None = None) -> InvalidInput:
    size = f"is {width} x {height} pixels" if width and height else "has too many pixels"
    return InvalidInput(
        f"The picture {size}; at most {MAX_IMAGE_SIDE} x {MAX_IMAGE_SIDE} are accepted.",
        field=field,
        code=ErrorCode.TOO_LARGE,
    )


def checked_image(file: IO[bytes], *, field: str, max_bytes: int, size: int | None) -> str:
    """The extension of the picture's real format (`.png`, …); refuses, naming `field`, what is
    empty, over `max_bytes`, over MAX_IMAGE_PIXELS, not a picture or not JPEG/PNG/GIF/WebP.
    Reads the file and leaves it at its start; writes nothing."""
    size = size or 0
    if size <= 0:
        raise InvalidInput("The picture is empty.", field=field, code=ErrorCode.EMPTY)
    if size > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise InvalidInput(
            f"The picture is larger than {limit_mb:g} MB.", field=field, code=ErrorCode.TOO_LARGE
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as opened:
                width, height = opened.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(field, width, height)
                opened.verify()  # structure and checksums
                image_format = opened.format
            file.seek(0)
            with Image.open(file) as opened:
                opened.load()  # every pixel: a truncated JPEG passes verify() but fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(field) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidInput("The file is not an image.", field=field, code=ErrorCode.INVALID_IMAGE) from exc
    finally:
        file.seek(0)
    if image_format not in IMAGE_FORMATS:
        allowed = ", ".join(sorted(IMAGE_FORMATS))
        raise InvalidInput(f"Pictures must be one of {allowed}.", field=field, code=ErrorCode.INVALID_IMAGE)
    return IMAGE_FORMATS[image_format]
