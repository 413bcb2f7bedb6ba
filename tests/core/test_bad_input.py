"""Bad input is a clear 4xx with nothing written, never a 500 (issue 12, Medium 1 and 10)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from messaging.models import Message
from musics.models import Album, Song
from tests.factories import PASSWORD, UserFactory
from tests.musics import wav_bytes
from users.models import User, UserApiKey

pytestmark = pytest.mark.django_db

DEEP = 50_000
DEEP_JSON = "[" * DEEP + "]" * DEEP
DEEP_OBJECT = '{"a":' * DEEP + "1" + "}" * DEEP


def _counts() -> tuple[int, ...]:
    return (User.objects.count(), Message.objects.count(), UserApiKey.objects.count(), Song.objects.count())


@pytest.fixture
def admin_client(settings):
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True))
    return client


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(
    "path", ["/api/auth/login/", "/api/messages/", "/users/api-keys/", "/api/auth/registration/"]
)
def test_json_nested_50000_deep_is_a_400(user, path, body):
    client = APIClient()
    client.force_authenticate(user)
    before = _counts()

    response = client.post(path, data=body, content_type="application/json")

    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "parse_error"
    assert "deep" in response.json()["detail"]
    assert _counts() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/music/sync/", '{"source": "\\ud800"}'),  # a choice field's error quoted it: was a 500
        ("/api/messages/", '{"receiver": 1, "content": "hi \\udfff"}'),
        ("/users/api-keys/", '{"service_name": "lastfm", "api_key": "k", "\\ud800": 1}'),
    ],
)
def test_a_lone_surrogate_in_json_is_a_400(user, path, body):
    client = APIClient()
    client.force_authenticate(user)
    before = _counts()

    response = client.post(path, data=body, content_type="application/json")

    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "parse_error"
    assert "not valid Unicode" in response.json()["detail"]
    assert _counts() == before


def test_deep_json_on_an_upload_view_is_a_400(admin_client):
    """Views that pick their own parsers (the catalog's) get the same JSON parser."""
    response = admin_client.post("/api/albums/", data=DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Album.objects.exists()


def test_a_form_with_too_many_fields_is_a_413(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    body = "&".join(f"f{n}=x" for n in range(101))

    response = APIClient().post(
        "/api/auth/login/", data=body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_many_fields"


def test_a_form_field_over_the_memory_limit_is_a_413(admin_client, settings):
    """A multipart upload may be large (its files), but not its text fields (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    audio = SimpleUploadedFile("a.wav", wav_bytes(0.2), content_type="audio/wav")
    title = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = admin_client.post("/api/songs/", {"audio_file": audio, "title": title}, format="multipart")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Song.objects.exists()


def test_login_still_works_after_the_parser_change(api_client):
    user = UserFactory()

    response = api_client.post("/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["key"]


@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/auth/nope/", "/api/songs/1/nope/"])
def test_post_to_an_unknown_api_path_is_a_json_404(path):
    """Anonymous, without a CSRF token: not Django's HTML CSRF page."""
    client = APIClient(enforce_csrf_checks=True)

    response = client.post(path, data={"a": 1}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_post_to_an_unknown_api_path_with_a_session_is_a_json_404(user):
    """A signed-in browser (session cookie) without the CSRF header: still the JSON 404."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/api/nothing-here/", data={"a": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
