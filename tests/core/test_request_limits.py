"""An oversized body is refused from its Content-Length before anything reads it (issue 12, Medium 2):
under WSGI (gunicorn config.wsgi) and under ASGI (daphne/uvicorn config.asgi), where Django would
otherwise copy the whole body to a temporary file before any middleware runs."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from rest_framework.test import APIClient

from musics.models import Song
from tests.factories import UserFactory
from tests.musics import wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
HUGE = 300 * MB


class UnreadableInput(io.RawIOBase):
    """A request body that must not be read: records every read."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return b"x" * (size if 0 < size < 65536 else 65536)

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def wsgi_post(
    path: str, length: int, content_type: str = "application/json"
) -> tuple[int, dict, UnreadableInput]:
    body = UnreadableInput()
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(length),
    )
    environ["wsgi.input"] = body
    answer: dict = {}

    def start_response(status: str, headers: list) -> None:
        answer["status"] = int(status.split()[0])

    content = b"".join(WSGIHandler()(environ, start_response))
    return answer["status"], json.loads(content), body


def test_wsgi_refuses_an_anonymous_300_mb_login_without_reading_it():
    status, body, request_body = wsgi_post("/api/auth/login/", HUGE)

    assert status == 413
    assert body["code"] == "request_too_large"
    assert request_body.reads == 0


def test_wsgi_applies_the_small_limit_to_an_upload_view_beyond_its_files(settings):
    limit = settings.MAX_SONG_BYTES + settings.MAX_COVER_BYTES + settings.REQUEST_BODY_MAX_BYTES

    status, body, request_body = wsgi_post("/api/songs/", limit + 1, "multipart/form-data; boundary=x")

    assert status == 413
    assert str(limit) in body["detail"]
    assert request_body.reads == 0


def test_the_limits_per_view(settings):
    from core.request_limits import body_limit

    settings.REQUEST_BODY_MAX_BYTES = 1000
    settings.MAX_SONG_BYTES, settings.MAX_COVER_BYTES, settings.MAX_USER_IMAGE_BYTES = 50_000, 5_000, 3_000

    assert body_limit("/api/auth/login/") == 1000
    assert body_limit("/api/messages/") == 1000
    assert body_limit("/no/such/path") == 1000
    assert body_limit("/api/songs/") == body_limit("/api/songs/7/") == 56_000
    assert body_limit("/api/albums/") == body_limit("/api/albums/7/") == 6_000
    assert body_limit("/api/auth/user/") == body_limit("/profile") == 4_000
    assert body_limit("/library") == body_limit("/admin/musics/song/add/") == 56_000


def test_an_upload_above_the_small_limit_still_works(settings):
    """Through the whole stack: a song bigger than REQUEST_BODY_MAX_BYTES is accepted."""
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    admin = APIClient()
    admin.force_authenticate(UserFactory(is_superuser=True))
    audio = wav_bytes(10.0)  # 160 KB
    assert len(audio) > settings.REQUEST_BODY_MAX_BYTES

    response = admin.post(
        "/api/songs/",
        {"audio_file": SimpleUploadedFile("a.wav", audio), "title": "Big", "artist": "Nova Lane"},
        format="multipart",
    )

    assert response.status_code == 201, response.content[:300]
    assert Song.objects.get().title == "Big"


def test_a_json_body_over_the_small_limit_is_a_413_with_nothing_written(settings, user):
    settings.REQUEST_BODY_MAX_BYTES = 10_000
    client = APIClient()
    client.force_authenticate(user)
    other = UserFactory()

    response = client.post("/api/messages/", {"recipient": other.pk, "content": "x" * 20_000}, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    from messaging.models import Message

    assert not Message.objects.exists()


# --- ASGI -----------------------------------------------------------------------------------


def asgi_post(path: str, headers: list[tuple[bytes, bytes]], chunks: int, chunk_size: int = 64 * 1024):
    """POSTs to config.asgi.application; the body arrives in `chunks` chunks. Returns the response
    status, body, and how many body chunks the application pulled."""
    from config.asgi import application

    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= chunks:
            await asyncio.sleep(3600)  # the client waits for the answer
        pulled += 1
        return {"type": "http.request", "body": b"[" * chunk_size, "more_body": pulled < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run() -> None:
        await asyncio.wait_for(application(scope, receive, send), timeout=30)

    asyncio.run(run())
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], body, pulled


def test_asgi_refuses_a_declared_300_mb_body_before_reading_any_of_it():
    status, body, pulled = asgi_post("/api/auth/login/", [(b"content-length", str(HUGE).encode())], 4800)

    assert status == 413
    assert json.loads(body)["code"] == "request_too_large"
    assert pulled == 0


def test_asgi_stops_a_chunked_body_just_past_the_limit(settings, tmp_path, monkeypatch):
    """No Content-Length: counted as it arrives, cut off past the limit; Django never spools it."""
    settings.REQUEST_BODY_MAX_BYTES = 256 * 1024
    spooled: list[int] = []
    import tempfile

    real = tempfile.SpooledTemporaryFile

    def spy(*args, **kwargs):
        spooled.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", spy)

    status, body, pulled = asgi_post("/api/auth/login/", [(b"transfer-encoding", b"chunked")], 4800)

    assert status == 413
    assert json.loads(body)["code"] == "request_too_large"
    assert pulled == 5  # 4 chunks of 64 KB fit; the fifth goes over
    assert len(spooled) <= 1  # Django's buffer was opened, and dropped when the client "left"


def test_asgi_passes_a_small_body_through():
    status, body, _ = asgi_post("/api/auth/login/", [(b"content-length", b"10")], 1, chunk_size=10)

    assert status == 400  # `[[[[[[[[[[` is not JSON: the view saw it
    assert json.loads(body)["code"] == "parse_error"
