"""Serving a song's audio with HTTP Range (RFC 9110 §14), so browsers can play and seek.

- no Range (or one we ignore): 200 with the whole file and `Accept-Ranges: bytes`;
- `bytes=a-b`, `bytes=a-`, `bytes=-n` (and Safari's `bytes=0-1` probe): 206 with `Content-Range`
  and exactly those bytes;
- a range that starts past the end (or `bytes=-0`): 416 with `Content-Range: bytes */size`, however
  many digits its numbers have;
- several ranges (`bytes=0-9,20-29`): the Range header is ignored and the whole file is sent
  (RFC 9110 lets a server ignore Range; players never ask for multipart/byteranges);
- `If-Range` with an ETag or date that no longer matches: the whole file (the song changed);
  `If-None-Match` / `If-Modified-Since`: 304.

The file is read through the storage API in 64 KB chunks, never whole. With
MEDIA_X_ACCEL_REDIRECT_PREFIX set, Django reads nothing: it answers `X-Accel-Redirect` and nginx
serves the file, Range included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from core.error_codes import ErrorCode
from core.errors import NotFound
from musics.models import Song

CHUNK_BYTES = 64 * 1024
_RANGE_SPEC = re.compile(r"^(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    """Every requested range starts past the end of the file."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


# A byte position with more digits than this is past the end of any file; reading it as a number
# would fail (Python refuses to convert over 4300 digits) or cost time for nothing.
_MAX_POSITION_DIGITS = 19
_PAST_ANY_END = 10**_MAX_POSITION_DIGITS


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return _PAST_ANY_END if len(digits) > _MAX_POSITION_DIGITS else int(digits)


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The one range to send, or None to send the whole file (no Range, a malformed one, or several).

    Raises RangeNotSatisfiable when the range cannot be served from a file of `size` bytes."""
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not specs.strip():
        return None
    parts = [part.strip() for part in specs.split(",") if part.strip()]
    if len(parts) != 1:
        return None
    match = _RANGE_SPEC.match(parts[0])
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # suffix: the last n bytes
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = _position(first)
    end = _position(last) if last else None
    if end is not None and end < start:
        return None  # syntactically invalid: ignored, as RFC 9110 §14.2 says
    if start >= size:
        raise RangeNotSatisfiable
    return ByteRange(start, min(end, size - 1) if end is not None else size - 1)


class FileChunks:
    """`length` bytes of an open file from `start`, in chunks; closes the file when the response is
    closed (also when the client goes away halfway)."""

    def __init__(self, file: IO[bytes], start: int, length: int, chunk_size: int = CHUNK_BYTES) -> None:
        self.file = file
        self.start = start
        self.remaining = length
        self.chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        if self.start:
            self.file.seek(self.start)
        while self.remaining > 0:
            chunk = self.file.read(min(self.chunk_size, self.remaining))
            if not chunk:
                break  # the file shrank under us: stop rather than loop
            self.remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.file.close()


class AsyncFileChunks:
    """The same chunks for an ASGI server (daphne, the development server): each read runs in a
    worker thread. Django would otherwise collect a synchronous iterator into one list first."""

    def __init__(self, chunks: FileChunks) -> None:
        self.chunks = chunks

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        iterator = iter(self.chunks)
        read_next = sync_to_async(_next_chunk, thread_sensitive=False)
        while (chunk := await read_next(iterator)) is not None:
            yield chunk

    def close(self) -> None:
        self.chunks.close()


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


def _etag(song: Song, size: int) -> str:
    # Stored names are generated and never reused, so the name and size identify the content.
    digest = hashlib.sha256(f"{song.audio_file.name}:{size}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def _if_range_matches(if_range: str, etag: str, last_modified: int) -> bool:
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return if_range == etag  # strong comparison: a weak tag never matches
    date = parse_http_date_safe(if_range)
    return date is not None and date == last_modified


def _x_accel_response(name: str, content_type: str) -> HttpResponse:
    prefix = settings.MEDIA_X_ACCEL_REDIRECT_PREFIX.rstrip("/")
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"
    response["Cache-Control"] = "private"
    return response


def song_stream_response(*, request: HttpRequest, song: Song) -> HttpResponseBase:
    """The response to a GET or HEAD of the song's audio (see the module's docstring)."""
    content_type = song.audio_content_type or "application/octet-stream"
    name = song.audio_file.name
    if not name:
        raise NotFound("The song's audio file is missing.", code=ErrorCode.AUDIO_MISSING)
    if settings.MEDIA_X_ACCEL_REDIRECT_PREFIX:
        return _x_accel_response(name, content_type)

    storage = song.audio_file.storage
    try:
        size = storage.size(name)
    except (FileNotFoundError, OSError) as exc:
        raise NotFound("The song's audio file is missing.", code=ErrorCode.AUDIO_MISSING) from exc
    etag = _etag(song, size)
    last_modified = int(song.updated_at.timestamp())
    validators = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Accept-Ranges": "bytes",
        "Cache-Control": "private",
    }

    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None:
        for header, value in validators.items():
            conditional[header] = value
        return conditional

    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and if_range and not _if_range_matches(if_range, etag, last_modified):
        range_header = None
    try:
        byte_range = requested_range(range_header, size)
    except RangeNotSatisfiable:
        refused = JsonResponse(
            {
                "detail": f"The range is outside the file ({size} bytes).",
                "code": ErrorCode.RANGE_NOT_SATISFIABLE,
            },
            status=416,
        )
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused

    start, length = (byte_range.start, byte_range.length) if byte_range else (0, size)
    if request.method == "HEAD":
        response: HttpResponseBase = HttpResponse(
            content_type=content_type, status=206 if byte_range else 200
        )
    else:
        try:
            file = storage.open(name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise NotFound("The song's audio file is missing.", code=ErrorCode.AUDIO_MISSING) from exc
        chunks = FileChunks(file, start, length)
        response = StreamingHttpResponse(
            AsyncFileChunks(chunks) if isinstance(request, ASGIRequest) else chunks,
            content_type=content_type,
            status=206 if byte_range else 200,
        )
    for header, value in validators.items():
        response[header] = value
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    return response
