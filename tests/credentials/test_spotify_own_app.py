"""Past Spotify's five-user cap: a user's own Spotify app, the server app's limit, the app's quota."""

from __future__ import annotations

import pytest

from core.error_codes import ErrorCode
from credentials import spotify_connection
from credentials.models import SpotifyCredential
from providers import base as provider_errors
from sandbox.services import spotify as spotify_sandbox
from tests.conftest import client_for
from tests.credentials.test_spotify_connect import callback, connect, start
from tests.factories import UserFactory
from tests.spotify_browser import consent, query
from users import vault
from users.models import UserApiKey

pytestmark = pytest.mark.django_db

OWN = {"client_id": "anns-own-spotify-app", "client_secret": "anns-own-secret"}


def bring_own_app(sandbox, user, *, listed: list[str]) -> None:
    sandbox.admin("spotify", "register_app", users=listed, **OWN)
    vault.api_key_create(
        user=user, service_name="spotify_app", api_key=OWN["client_secret"], service_user_id=OWN["client_id"]
    )


def grant(user) -> str | None:
    row = UserApiKey.objects.filter(user=user, service_name="spotify").first()
    return vault.api_key_grant(row).client_id if row else None


def test_a_user_with_their_own_app_connects_refreshes_and_syncs_through_it(sandbox, auth_client, user):
    bring_own_app(sandbox, user, listed=[spotify_sandbox.UNLISTED_USER])

    assert query(start(auth_client))["client_id"] == OWN["client_id"]
    response = connect(auth_client, user=spotify_sandbox.UNLISTED_USER)  # not on the server's app

    assert response["Location"] == "/connections?spotify=connected"
    assert grant(user) == OWN["client_id"]
    token = vault.api_key_get(user=user, service="spotify").key
    sandbox.admin("spotify", "expire_access_token", access_token=token)

    profile = spotify_connection.spotify_call(user=user, call=lambda client: client.me())

    assert profile.id == spotify_sandbox.UNLISTED_USER
    assert vault.api_key_get(user=user, service="spotify").key != token  # renewed with the user's app
    token_calls = [call for call in sandbox.calls("spotify-accounts") if call["path"].endswith("/api/token")]
    assert len(token_calls) == 2  # the code exchange, then the refresh (the sandbox checks the app)


def test_switching_or_removing_the_own_app_ends_the_connection(sandbox, auth_client, user):
    connect(auth_client)  # through the server's app
    assert grant(user) == spotify_sandbox.CLIENT_ID

    bring_own_app(sandbox, user, listed=[spotify_sandbox.PREMIUM_USER])
    assert grant(user) is None  # made with another app: connect again
    connect(auth_client)
    assert grant(user) == OWN["client_id"]

    vault.api_key_delete(row=UserApiKey.objects.get(user=user, service_name="spotify_app"))
    assert grant(user) is None  # back on the server's app: connect again
    assert query(start(auth_client))["client_id"] == spotify_sandbox.CLIENT_ID


def test_the_server_app_refuses_past_its_limit_before_sending_anyone_to_spotify(sandbox, settings):
    credential = SpotifyCredential.get_active_credential()
    if credential is not None:
        credential.max_users = 2
        credential.save()
    settings.SPOTIFY_APP_MAX_USERS = 2
    first, second, third = (client_for(UserFactory(), "token") for _ in range(3))
    connect(first)
    connect(second, user=spotify_sandbox.FREE_USER)

    refused = third.get("/spotify/get-auth-url")

    assert refused.status_code == 409
    assert refused.json()["code"] == ErrorCode.SPOTIFY_APP_FULL
    assert "Your Spotify app" in refused.json()["detail"]  # says how to bring one
    assert "/spotify" not in refused.json()["detail"]  # names pages, not API paths
    assert first.get("/spotify/get-auth-url").status_code == 200  # a user who holds a seat may reconnect


def test_a_user_spotify_does_not_list_is_told_why_and_nothing_is_stored(sandbox, auth_client, user):
    location = consent(start(auth_client), user=spotify_sandbox.UNLISTED_USER)

    back = callback(auth_client, location)

    assert query(back["Location"])["reason"] == ErrorCode.SPOTIFY_USER_NOT_REGISTERED
    assert "Your Spotify app" in query(back["Location"])["message"]
    assert grant(user) is None


def test_a_spent_quota_pauses_that_apps_users_only(sandbox, settings):
    settings.SPOTIFY_QUOTA_PAUSE_SECONDS = 600
    ann, bob = UserFactory(), UserFactory()
    ann_client, bob_client = client_for(ann, "token"), client_for(bob, "token")
    bring_own_app(sandbox, ann, listed=[spotify_sandbox.PREMIUM_USER])
    connect(ann_client)
    connect(bob_client, user=spotify_sandbox.FREE_USER)  # the server's app
    sandbox.admin("spotify", "register_app", users=[spotify_sandbox.PREMIUM_USER], quota=1, **OWN)
    me = lambda client: client.me()  # noqa: E731

    spotify_connection.spotify_call(user=ann, call=me)
    with pytest.raises(provider_errors.ProviderQuotaExceeded) as spent:
        spotify_connection.spotify_call(user=ann, call=me)
    calls_before = len(sandbox.calls("spotify-api"))
    with pytest.raises(provider_errors.ProviderQuotaExceeded) as waiting:
        spotify_connection.spotify_call(user=ann, call=me)

    assert 590 <= spent.value.retry_after <= 600
    assert len(sandbox.calls("spotify-api")) == calls_before  # paused: Spotify is not asked again
    assert waiting.value.retry_after <= 600
    assert spotify_connection.spotify_call(user=bob, call=me).id == spotify_sandbox.FREE_USER


def test_the_spotify_app_endpoint_keeps_the_secret_write_only(sandbox, auth_client, user):
    empty = auth_client.get("/users/spotify-app/").json()
    saved = auth_client.put("/users/spotify-app/", OWN, format="json")
    missing = auth_client.put("/users/spotify-app/", {"client_id": "x y", "client_secret": ""}, format="json")

    assert empty["configured"] is False
    assert empty["redirect_uri"] == "http://127.0.0.1:8000/spotify/redirect"
    assert empty["server_app"] == {"users": 0, "max_users": 5, "full": False}
    assert saved.status_code == 200
    assert saved.json()["client_id"] == OWN["client_id"]
    assert OWN["client_secret"] not in saved.content.decode()
    assert OWN["client_secret"] not in auth_client.get("/users/api-keys/").content.decode()
    assert missing.status_code == 400
    assert "client_secret" in missing.json()
    assert auth_client.delete("/users/spotify-app/").status_code == 204
    assert auth_client.get("/users/spotify-app/").json()["configured"] is False
    assert UserApiKey.objects.filter(user=user).count() == 0


def test_the_spotify_app_is_each_users_own(sandbox, auth_client, user):
    other = UserFactory()
    client_for(other, "token").put("/users/spotify-app/", OWN, format="json")

    assert auth_client.get("/users/spotify-app/").json()["configured"] is False
    assert auth_client.delete("/users/spotify-app/").status_code == 204  # nothing of theirs to remove
    assert UserApiKey.objects.filter(user=other, service_name="spotify_app").exists()


def test_the_connections_page_shows_the_redirect_uri_the_seats_and_a_spent_quota(sandbox, client, user):
    from core.quota_pause import quota_pause

    client.force_login(user)
    connect(client_for(user, "token"))
    quota_pause(provider="spotify", app_id=spotify_sandbox.CLIENT_ID, seconds=600)

    page = client.get("/connections").content.decode()

    assert "Your Spotify app" in page
    assert "<code>http://127.0.0.1:8000/spotify/redirect</code>" in page
    assert "this server's app serves 1 of 5" in page
    assert "quota is spent: syncs wait until" in page


def test_a_user_taken_off_the_apps_list_later_is_told_the_same(sandbox, auth_client, user):
    bring_own_app(sandbox, user, listed=[spotify_sandbox.PREMIUM_USER])
    connect(auth_client)
    sandbox.admin("spotify", "register_app", users=[], **OWN)  # the owner removed them

    with pytest.raises(spotify_connection.SpotifyUserNotRegistered) as refused:
        spotify_connection.spotify_call(user=user, call=lambda client: client.me())

    assert "Your Spotify app" in refused.value.message
