"""Seed 002 made multi-user: each user connects their own Spotify through OAuth (against the sandbox)."""

import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from credentials import spotify_connection, spotify_oauth
from credentials.models import OAuthState
from sandbox.services import spotify as spotify_sandbox
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.secrets_watch import watch
from tests.spotify_browser import consent, query
from users import vault
from users.models import UserApiKey

pytestmark = pytest.mark.django_db


def start(client) -> str:
    response = client.get("/spotify/get-auth-url")
    assert response.status_code == 200, response.json()
    return response.json()["url"]


def callback(client, location: str):
    parts = urlsplit(location)
    assert parts.path == "/spotify/redirect"
    return client.get(f"/spotify/redirect?{parts.query}")


def connect(client, user=spotify_sandbox.PREMIUM_USER):
    return callback(client, consent(start(client), user=user))


def test_the_auth_url_carries_the_scopes_state_and_pkce(sandbox, auth_client, user):
    url = start(auth_client)

    params = query(url)
    assert url.startswith(sandbox.env["SPOTIFY_ACCOUNTS_URL"] + "/authorize")
    assert params["client_id"] == spotify_sandbox.CLIENT_ID
    assert params["redirect_uri"] == "http://127.0.0.1:8000/spotify/redirect"
    assert params["code_challenge_method"] == "S256"
    assert {"user-read-recently-played", "user-read-playback-state", "user-modify-playback-state"} <= set(
        params["scope"].split()
    )
    assert OAuthState.objects.get(state=params["state"]).user == user


def test_connecting_stores_the_tokens_encrypted_in_the_users_vault(sandbox, auth_client, user, settings):
    response = connect(auth_client)

    assert response.status_code == 302
    assert response["Location"] == "/connections?spotify=connected"
    stored = vault.api_key_get(user=user, service="spotify")
    watch(stored.key)
    watch(stored.metadata["refresh_token"])
    assert stored.service_user_id == spotify_sandbox.PREMIUM_USER
    assert stored.metadata["source"] == "oauth"
    assert stored.metadata["client_id"] == spotify_sandbox.CLIENT_ID
    assert "user-read-recently-played" in stored.metadata["scopes"]
    assert auth_client.get("/spotify/is-authenticated").json() == {"status": True}
    row = UserApiKey.objects.get(user=user)
    assert stored.key not in row.key
    assert stored.metadata["refresh_token"] not in row.metadata


def test_a_reused_state_is_refused_and_nothing_changes(sandbox, auth_client, user):
    location = consent(start(auth_client))
    callback(auth_client, location)
    before = UserApiKey.objects.get(user=user).key

    again = callback(auth_client, location)

    assert query(again["Location"])["reason"] == "invalid_state"
    assert UserApiKey.objects.get(user=user).key == before


def test_a_missing_or_unknown_state_is_refused(sandbox, auth_client, user):
    for location in ("/spotify/redirect?code=abc", "/spotify/redirect?code=abc&state=forged"):
        response = auth_client.get(location)
        assert query(response["Location"]) == {
            "spotify": "error",
            "reason": "invalid_state",
            "message": query(response["Location"])["message"],
        }
    assert not UserApiKey.objects.exists()


def test_a_state_started_by_another_user_is_refused(sandbox, user):
    """The same browser (it holds the flow's cookie), now signed in as someone else."""
    starter, other = UserFactory(), user
    browser = Client()
    browser.force_login(starter)
    location = consent(start(browser))
    browser.force_login(other)

    response = browser.get(f"/spotify/redirect?{urlsplit(location).query}")

    assert query(response["Location"])["reason"] == "invalid_state"
    assert "another account" in query(response["Location"])["message"]
    assert not UserApiKey.objects.exists()


def test_an_expired_state_is_refused(sandbox, auth_client, user):
    location = consent(start(auth_client))
    OAuthState.objects.update(created_at=timezone.now() - timedelta(hours=1))

    response = callback(auth_client, location)

    assert query(response["Location"])["reason"] == "invalid_state"


def test_deny_is_reported_and_stores_nothing(sandbox, auth_client, user):
    response = callback(auth_client, consent(start(auth_client), decision="deny"))

    params = query(response["Location"])
    assert params["spotify"] == "error"
    assert params["reason"] == "access_denied"
    assert "did not allow" in params["message"]
    assert auth_client.get("/spotify/is-authenticated").json() == {"status": False}


def test_an_expired_token_is_refreshed_on_use(sandbox, auth_client, user):
    connect(auth_client)
    old = vault.api_key_get(user=user, service="spotify")
    expire_locally(user)

    token = spotify_connection.spotify_access_token_for(user=user)

    assert token != old.key
    stored = vault.api_key_get(user=user, service="spotify")
    assert stored.key == watch(token)
    assert stored.metadata["refresh_token"] == old.metadata["refresh_token"]  # the answer omitted it
    assert len([c for c in sandbox.calls("spotify-accounts") if c["path"].endswith("/api/token")]) == 2


def expire_locally(user) -> None:
    row = UserApiKey.objects.get(user=user, service_name="spotify")
    metadata = row.get_metadata()
    metadata["expires_at"] = (timezone.now() - timedelta(minutes=5)).isoformat()
    row.set_metadata(metadata)
    row.save()


def test_a_revoked_refresh_token_marks_the_connection_for_reconnect(sandbox, auth_client, user):
    connect(auth_client)
    sandbox.admin("spotify", "revoke_refresh_token", user=spotify_sandbox.PREMIUM_USER)
    expire_locally(user)

    with pytest.raises(spotify_oauth.SpotifyReconnectRequired) as caught:
        spotify_connection.spotify_access_token_for(user=user)

    assert "Connect Spotify again" in caught.value.message
    assert auth_client.get("/spotify/is-authenticated").json() == {"status": False}
    connection = auth_client.get("/users/connections/").json()[0]
    assert connection["state"] == "needs_reconnect"
    assert connection["needs_reconnect"] is True
    assert "invalid_grant" in connection["last_error"]
    token_calls = [c for c in sandbox.calls("spotify-accounts") if c["path"].endswith("/api/token")]
    assert len(token_calls) == 2  # the exchange and one refused refresh: never retried


def test_reconnecting_clears_the_reconnect_flag(sandbox, auth_client, user):
    connect(auth_client)
    sandbox.admin("spotify", "revoke_refresh_token", user=spotify_sandbox.PREMIUM_USER)
    expire_locally(user)
    with pytest.raises(spotify_oauth.SpotifyReconnectRequired):
        spotify_connection.spotify_access_token_for(user=user)

    connect(auth_client)

    assert auth_client.get("/users/connections/").json()[0]["state"] == "connected"


def test_disconnect_removes_the_tokens(sandbox, auth_client, user):
    connect(auth_client)

    assert auth_client.post("/spotify/disconnect").status_code == 204
    assert not UserApiKey.objects.filter(user=user).exists()
    assert auth_client.get("/spotify/is-authenticated").json() == {"status": False}


def test_the_endpoints_need_a_signed_in_user(api_client):
    assert api_client.get("/spotify/get-auth-url").status_code == 401
    assert api_client.get("/spotify/is-authenticated").status_code == 401
    assert api_client.post("/spotify/disconnect").status_code == 401


def test_without_any_spotify_app_the_error_says_what_to_configure(auth_client, settings):
    settings.SPOTIFY_CLIENT_ID = settings.SPOTIFY_CLIENT_SECRET = ""

    response = auth_client.get("/spotify/get-auth-url")

    assert response.status_code == 503
    assert "SPOTIFY_CLIENT_ID" in response.json()["detail"]


def test_a_pasted_token_is_used_until_spotify_refuses_it(sandbox, user):
    token = sandbox.admin("spotify", "issue_token", user=spotify_sandbox.PREMIUM_USER)["access_token"]
    vault.api_key_create(user=user, service_name="spotify", api_key=watch(token))

    profile = spotify_connection.spotify_call(user=user, call=lambda client: client.me())
    assert profile.id == spotify_sandbox.PREMIUM_USER

    sandbox.admin("spotify", "expire_access_token", access_token=token)
    with pytest.raises(spotify_oauth.SpotifyReconnectRequired) as caught:
        spotify_connection.spotify_call(user=user, call=lambda client: client.me())
    assert "Press Connect Spotify on the Connections page" in caught.value.message
    assert "/spotify/" not in caught.value.message  # people read it: a page and a button, no API path


def test_a_401_refreshes_once_and_retries(sandbox, auth_client, user):
    connect(auth_client)
    sandbox.fault("spotify-api", kind="token_expired", path="/me")

    profile = spotify_connection.spotify_call(user=user, call=lambda client: client.me())

    assert profile.id == spotify_sandbox.PREMIUM_USER
    assert [c["status"] for c in sandbox.calls("spotify-api") if c["path"].endswith("/me")][-2:] == [401, 200]


def test_no_spotify_key_says_so(user):
    with pytest.raises(vault.ApiKeyMissing, match="No Spotify API key found"):
        spotify_connection.spotify_access_token_for(user=user)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_callers_cause_exactly_one_refresh(sandbox):
    user = UserFactory()
    connect(client_for(user, "token"))
    expire_locally(user)
    before = len(sandbox.calls("spotify-accounts"))
    barrier = threading.Barrier(20)
    tokens: list[str] = []
    errors: list[Exception] = []

    def use_spotify():
        try:
            barrier.wait(timeout=10)
            tokens.append(spotify_connection.spotify_access_token_for(user=user))
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use_spotify) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(tokens) == 20
    assert len(set(tokens)) == 1
    watch(tokens[0])
    refreshes = [c for c in sandbox.calls("spotify-accounts")[before:] if c["path"].endswith("/api/token")]
    assert len(refreshes) == 1


def test_is_authenticated_tells_the_truth_when_spotify_no_longer_knows_the_tokens(sandbox, auth_client, user):
    """Issue 18 item 5: a sandbox restarted without its state (or Spotify revoking everything) leaves
    an unexpired token that no longer works: is-authenticated says false, and the page says reconnect."""
    connect(auth_client)
    assert auth_client.get("/spotify/is-authenticated").json() == {"status": True}

    sandbox.reset()  # every token it issued is forgotten, the stored one has not expired

    assert auth_client.get("/spotify/is-authenticated").json() == {"status": False}
    assert auth_client.get("/users/connections/").json()[0]["state"] == "needs_reconnect"


def test_is_authenticated_stays_true_while_spotify_is_down(sandbox, auth_client, user):
    connect(auth_client)
    sandbox.fault("spotify-api", status=503, count=5)

    assert auth_client.get("/spotify/is-authenticated").json() == {"status": True}
