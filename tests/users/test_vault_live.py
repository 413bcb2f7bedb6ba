"""`POST /users/api-keys/verify/` with `"live": true`: the service itself is asked, through the sandbox."""

import pytest
from django.utils import timezone

from sandbox.services import (
    amazon_music,
    apple_music,
    deezer,
    lastfm,
    psn,
    retroachievements,
    steam,
    tidal,
    trakt,
    xbox,
    youtube,
)
from sandbox.services import spotify as spotify_sandbox
from tests.secrets_watch import watch
from users import vault
from users.models import UserApiKey

pytestmark = pytest.mark.django_db

URL = "/users/api-keys/verify/"


def developer_token() -> str:
    from providers.apple_music import make_developer_token

    return make_developer_token(
        team_id=apple_music.APPLE_TEAM_ID,
        key_id=apple_music.APPLE_KEY_ID,
        private_key_pem=apple_music.APPLE_PRIVATE_KEY_PEM,
    )


VALID = {
    "lastfm": (lastfm.VALID_API_KEY, lastfm.USER),
    "trakt_client_id": (trakt.TRAKT_CLIENT_ID, None),
    "steam": (steam.STEAM_API_KEY, steam.STEAM_ID),
    "psn": (psn.PSN_NPSSO, None),
    "xbox": (xbox.XBOX_API_KEY, xbox.XBOX_XUID),
    "retroachievements": (retroachievements.RA_API_KEY, retroachievements.RA_USERNAME),
    "youtube_music": (youtube.YOUTUBE_VALID_KEY, None),
    "deezer": (deezer.DEEZER_ACCESS_TOKEN, None),
    "tidal": (tidal.TIDAL_CLIENT_SECRET, tidal.TIDAL_CLIENT_ID),
    "amazon_music": (amazon_music.AMAZON_ACCESS_TOKEN, None),
}


def store(user, service, key, service_user_id=None):
    return vault.api_key_create(
        user=user, service_name=service, api_key=watch(key), service_user_id=service_user_id
    )


@pytest.mark.parametrize("service", sorted(VALID))
def test_a_good_key_is_valid_and_recorded(sandbox, auth_client, user, service):
    key, service_user_id = VALID[service]
    row = store(user, service, key, service_user_id)

    response = auth_client.post(URL, {"service_name": service, "live": True}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "valid"
    assert body["service_name"] == service
    assert body["checked_at"]
    assert key not in response.content.decode()
    row.refresh_from_db()
    assert row.last_verified_at is not None
    assert row.last_error == ""


def test_a_spotify_token_is_checked_with_spotify(sandbox, auth_client, user):
    token = sandbox.admin("spotify", "issue_token", user=spotify_sandbox.PREMIUM_USER)["access_token"]
    store(user, "spotify", token)

    body = auth_client.post(URL, {"service_name": "spotify", "live": True}, format="json").json()

    assert body["status"] == "valid"


def test_an_apple_developer_token_is_checked(sandbox, auth_client, user):
    store(user, "apple_music", developer_token())

    assert (
        auth_client.post(URL, {"service_name": "apple_music", "live": True}, format="json").json()["status"]
        == "valid"
    )


@pytest.mark.parametrize(
    ("service", "key", "service_user_id", "message_part"),
    [
        ("lastfm", "an-invalid-lastfm-key-000000", lastfm.USER, "Invalid API key"),
        ("lastfm", lastfm.SUSPENDED_API_KEY, lastfm.USER, "Suspended"),
        ("steam", steam.STEAM_INVALID_API_KEY, steam.STEAM_ID, "key="),
        ("xbox", xbox.XBOX_INVALID_API_KEY, None, ""),
        ("youtube_music", youtube.YOUTUBE_INVALID_KEY, None, "API key not valid"),
        ("psn", psn.PSN_EXPIRED_NPSSO, None, "NPSSO"),
        ("retroachievements", retroachievements.RA_INVALID_API_KEY, retroachievements.RA_USERNAME, ""),
    ],
)
def test_a_refused_key_is_invalid_with_the_services_message(
    sandbox, auth_client, user, service, key, service_user_id, message_part
):
    row = store(user, service, key, service_user_id)

    response = auth_client.post(URL, {"service_name": service, "live": True}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "invalid"
    assert message_part.lower() in body["message"].lower()
    assert key not in response.content.decode()
    row.refresh_from_db()
    assert row.last_error == body["message"]
    assert row.last_verified_at is None


def test_a_service_that_is_down_is_a_502_and_not_a_verdict(sandbox, auth_client, user):
    row = store(user, "lastfm", lastfm.VALID_API_KEY, lastfm.USER)
    sandbox.fault("lastfm", status=500, count=5)

    response = auth_client.post(URL, {"service_name": "lastfm", "live": True}, format="json")

    assert response.status_code == 502
    assert response.json()["code"] == "provider_unavailable"
    row.refresh_from_db()
    assert row.last_error == ""


def test_a_rate_limited_check_answers_429_with_retry_after(sandbox, auth_client, user):
    store(user, "trakt_client_id", trakt.TRAKT_CLIENT_ID)
    sandbox.fault("trakt", status=429, retry_after=30)

    response = auth_client.post(URL, {"service_name": "trakt_client_id", "live": True}, format="json")

    assert response.status_code == 429
    assert response["Retry-After"] == "30"


def test_a_check_that_needs_the_username_says_so(sandbox, auth_client, user):
    store(user, "lastfm", lastfm.VALID_API_KEY)

    response = auth_client.post(URL, {"service_name": "lastfm", "live": True}, format="json")

    assert response.status_code == 400
    assert "service_user_id" in response.json()


def test_a_service_without_a_live_check_answers_unknown(auth_client, user):
    store(user, "trakt_client_secret", "a-trakt-secret-000000000000")

    body = auth_client.post(URL, {"service_name": "trakt_client_secret", "live": True}, format="json").json()

    assert body["status"] == "unknown"
    assert "OAuth" in body["message"]


def test_a_playstation_check_uses_the_configured_app_client(sandbox, settings, auth_client, user):
    """PSN_CLIENT_ID / _SECRET / _REDIRECT_URI reach Sony: a deployment's own values, not a built-in one."""
    settings.PSN_CLIENT_ID = "the-operators-client-id"
    store(user, "psn", psn.PSN_NPSSO)

    body = auth_client.post(URL, {"service_name": "psn", "live": True}, format="json").json()

    authorize = sandbox.calls("psn-auth")[-1]
    assert "client_id=the-operators-client-id" in authorize["query"]
    assert body["status"] == "invalid"  # the sandbox knows only its own client


def test_a_playstation_check_without_an_app_client_says_so_and_asks_nobody(
    sandbox, settings, auth_client, user
):
    settings.PSN_CLIENT_ID = settings.PSN_CLIENT_SECRET = settings.PSN_REDIRECT_URI = ""
    store(user, "psn", psn.PSN_NPSSO)

    body = auth_client.post(URL, {"service_name": "psn", "live": True}, format="json").json()

    assert body["status"] == "unknown"
    assert "PSN_CLIENT_ID" in body["message"]
    assert sandbox.calls("psn-auth") == []


def test_replacing_a_key_clears_its_verification(sandbox, auth_client, user):
    row = store(user, "lastfm", lastfm.VALID_API_KEY, lastfm.USER)
    auth_client.post(URL, {"service_name": "lastfm", "live": True}, format="json")

    auth_client.patch(f"/users/api-keys/{row.id}/", {"api_key": "another-key-000000000000"}, format="json")

    row = UserApiKey.objects.get(pk=row.pk)
    assert row.last_verified_at is None
    assert row.updated_at <= timezone.now()


def test_a_plain_verify_after_a_refused_live_check_does_not_say_valid(sandbox, auth_client, user):
    """Issue 18 item 9: the stored key was refused by the service: "valid" would be a lie."""
    store(user, "youtube_music", youtube.YOUTUBE_INVALID_KEY)
    auth_client.post(URL, {"service_name": "youtube_music", "live": True}, format="json")

    body = auth_client.post(URL, {"service_name": "youtube_music"}, format="json").json()

    assert body["status"] == "invalid"
    assert "refused it when last checked" in body["message"]
    assert "API key not valid" in body["message"]
