"""Refusing an oversized request body before anything reads it: 413 from its Content-Length.

Every request body may be at most REQUEST_BODY_MAX_BYTES, except on the views that take uploads
(`UPLOAD_VIEWS`), which may also carry their files: their limit is the sum of their file settings
plus REQUEST_BODY_MAX_BYTES for the other fields and the multipart framing.

Two guards, because the two kinds of server read the body at different times:
- `RequestBodyLimit` wraps the ASGI application (daphne, uvicorn: config/asgi.py). Django's
  ASGIHandler copies the whole body into a temporary file *before* any middleware runs, so the
  check must happen in front of it: a declared Content-Length over the limit is answered at once,
  and a body without one (chunked) is counted as it arrives and cut off past the limit.
- `RequestBodyLimitMiddleware` does the same for WSGI (gunicorn config.wsgi), where nothing reads
  the body until a view asks for it; it is the first middleware, so nothing asks before it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from core.error_codes import ErrorCode

# URL name → the settings whose sum is the most file data that view accepts in one request.
UPLOAD_VIEWS: dict[str, tuple[str, ...]] = {
    # The API: a song with its cover, an album cover, a profile picture.
    "song-list": ("MAX_SONG_BYTES", "MAX_COVER_BYTES"),
    "song-detail": ("MAX_SONG_BYTES", "MAX_COVER_BYTES"),
    "album-list": ("MAX_COVER_BYTES",),
    "album-detail": ("MAX_COVER_BYTES",),
    "rest_user_details": ("MAX_USER_IMAGE_BYTES",),
    # The same uploads from the web pages and the admin.
    "web:library": ("MAX_SONG_BYTES", "MAX_COVER_BYTES"),
    "web:profile": ("MAX_USER_IMAGE_BYTES",),
    "admin:musics_song_add": ("MAX_SONG_BYTES", "MAX_COVER_BYTES"),
    "admin:musics_song_change": ("MAX_SONG_BYTES", "MAX_COVER_BYTES"),
    "admin:musics_album_add": ("MAX_COVER_BYTES",),
    "admin:musics_album_change": ("MAX_COVER_BYTES",),
    "admin:users_user_change": ("MAX_USER_IMAGE_BYTES",),
    # ListenBrainz submissions: up to 1000 listens of 10,240 bytes (scrobbling/validation.py).
    "listenbrainz:submit-listens": ("LISTENBRAINZ_MAX_BODY_BYTES",),
    "listenbrainz-apis:submit-listens": ("LISTENBRAINZ_MAX_BODY_BYTES",),
    # An export file to import (listening/import_jobs.py), streamed to a temporary file.
    "music-imports": ("MAX_IMPORT_BYTES",),
    "web:import_start": ("MAX_IMPORT_BYTES",),
}

ASGIApp = Callable[..., Awaitable[None]]


def body_limit(path_info: str) -> int:
    """The most bytes a request body to this path may have."""
    small = settings.REQUEST_BODY_MAX_BYTES
    try:
        view_name = resolve(path_info).view_name
    except Resolver404:
        return small
    return small + sum(getattr(settings, name) for name in UPLOAD_VIEWS.get(view_name, ()))


def _declared_length(value: str | bytes | None) -> int | None:
    """The Content-Length as a number, or None when absent or unreadable (then the server frames it)."""
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


def too_large_body(limit: int) -> dict[str, str]:
    return {
        "detail": f"The request body is larger than this address accepts ({limit} bytes).",
        "code": ErrorCode.REQUEST_TOO_LARGE,
    }


class RequestBodyLimit:
    """ASGI wrapper: refuses an oversized body before Django spools it to disk (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        small = settings.REQUEST_BODY_MAX_BYTES
        path_info = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
        declared = _declared_length(_header(scope, b"content-length"))
        if declared is not None:
            # The server stops the body at its Content-Length: checking the number is enough.
            limit = body_limit(path_info) if declared > small else small
            if declared > limit:
                await _send_too_large(send, limit)
            else:
                await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send, path_info, small)

    async def _counted(self, scope: Any, receive: Any, send: Any, path_info: str, small: int) -> None:
        """No Content-Length (a chunked body): count what arrives; past the limit, tell Django the
        client left (it then drops what it read and answers nothing) and answer 413 ourselves."""
        received = 0
        limit: int | None = None
        cut_off = False
        responded = False

        async def counting_receive() -> dict:
            nonlocal received, limit, cut_off
            if cut_off:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > small:
                    limit = body_limit(path_info) if limit is None else limit
                    if received > limit:
                        cut_off = True
                        return {"type": "http.disconnect"}
            return message

        async def watching_send(message: dict) -> None:
            nonlocal responded
            if message["type"] == "http.response.start":
                responded = True
            await send(message)

        await self.app(scope, counting_receive, watching_send)
        if cut_off and not responded:
            await _send_too_large(send, limit or small)


def _header(scope: MutableMapping[str, Any], name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None


async def _send_too_large(send: Any, limit: int) -> None:
    body = json.dumps(too_large_body(limit)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimitMiddleware:
    """The same refusal for WSGI (and a second check under ASGI): 413 from the Content-Length,
    before any middleware or view reads the body. Must be the first middleware."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        declared = _declared_length(request.META.get("CONTENT_LENGTH"))
        if declared is None or declared <= settings.REQUEST_BODY_MAX_BYTES:
            return None
        limit = body_limit(request.path_info)
        return JsonResponse(too_large_body(limit), status=413) if declared > limit else None

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._refusal(request) or self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        return self._refusal(request) or await self.get_response(request)
