"""Signed song links are answered by musics.stream_fast_path before the session, page and sign-in
middleware, with the same headers, metrics and busy answer as any other request."""

from __future__ import annotations

import pytest
from django.core.handlers.base import BaseHandler
from prometheus_client import REGISTRY

from musics import services
from musics.models import SongPlay
from musics.stream_links import stream_token
from tests.core.test_db_busy import pool_timeout
from tests.factories import UserFactory
from tests.musics import upload, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def song():
    return services.song_create(
        audio=upload(wav_bytes(0.5), "x.wav", "audio/wav"), title="Blue Hour", artist="Nova Lane"
    )


@pytest.fixture
def listener():
    return UserFactory()


def signed(song, user) -> str:
    return f"/api/songs/{song.pk}/stream/?token={stream_token(song_id=song.pk, user=user)}"


@pytest.fixture
def no_url_resolution(monkeypatch):
    """Fails any request that reaches Django's URL resolution (the end of the middleware stack)."""

    def refuse(self, request):
        raise AssertionError(f"{request.path} went down the whole middleware stack")

    monkeypatch.setattr("django.core.handlers.base.BaseHandler.resolve_request", refuse)


def test_a_signed_link_is_answered_before_the_rest_of_the_stack(client, song, listener, no_url_resolution):
    response = client.get(signed(song, listener), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == song.audio_file.open("rb").read()[:100]
    assert SongPlay.objects.filter(user=listener).count() == 1
    # The headers every answer carries, set by the middleware above it.
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Request-ID"):
        assert header in response, header
    assert response["Cache-Control"] != "no-store"  # the song's bytes may be cached (ETag)
    assert "Cookie" not in response.get("Vary", "")  # no session was touched
    assert not response.cookies


def test_a_bad_link_is_a_403_there_too(client, song, listener, no_url_resolution):
    forged = signed(song, listener)[:-2] + "xx"

    response = client.get(forged)

    assert response.status_code == 403
    assert response.json()["code"] == "bad_stream_link"


def test_signed_streams_are_counted_by_view_and_status(client, song, listener):
    sample = "django_http_responses_total_by_status_view_method_total"
    labels = {"status": "206", "view": "song-stream", "method": "GET"}
    before = REGISTRY.get_sample_value(sample, labels) or 0

    client.get(signed(song, listener), HTTP_RANGE="bytes=0-9")

    assert REGISTRY.get_sample_value(sample, labels) == before + 1


def test_no_free_database_connection_is_a_503(client, song, listener, monkeypatch):
    def busy(pk):
        raise pool_timeout()

    monkeypatch.setattr("musics.api.stream_views.song_for_stream", busy)

    response = client.get(signed(song, listener))

    assert response.status_code == 503
    assert response["Retry-After"] == "2"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/songs/{pk}/stream/?token=x", 405),  # not a read: the usual 405
        ("get", "/api/songs/{pk}/stream/", 401),  # no token: the API view and its authentication
        ("get", "/api/songs/{pk}/stream/extra?token=x", 404),  # not the stream route
        # More digits than the fast path reads: Django's route takes it, and the link is refused.
        ("get", "/api/songs/9999999999999999999999/stream/?token=x", 403),
    ],
)
def test_anything_else_goes_down_the_stack(client, song, method, path, status, monkeypatch):
    resolved = []
    real = BaseHandler.resolve_request

    def spy(self, request):
        resolved.append(request.path)
        return real(self, request)

    monkeypatch.setattr("django.core.handlers.base.BaseHandler.resolve_request", spy)

    response = getattr(client, method)(path.format(pk=song.pk))

    assert response.status_code == status
    assert resolved == [path.format(pk=song.pk).split("?")[0]]


@pytest.mark.django_db(transaction=True)
def test_the_database_connection_goes_back_before_the_body_is_sent(client, song, listener):
    from django.db import connection

    response = client.get(signed(song, listener))

    assert connection.connection is None  # returned (to the pool, in production) by the view
    assert b"".join(response.streaming_content) == song.audio_file.open("rb").read()
