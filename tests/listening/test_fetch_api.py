"""Seed 001's fetch endpoints against the sandbox: shapes, storage, dedupe, errors."""

import threading
from datetime import UTC

import pytest
from django.db import connections

from listening.models import Listen
from sandbox.services import lastfm as lastfm_sandbox
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.listening.conftest import connect_lastfm

pytestmark = pytest.mark.django_db

SPOTIFY = "/music/fetch-recently-played/"
LASTFM = "/music/fetch-lastfm-recent/"
SPOTIFY_ITEM = {
    "title",
    "artist",
    "album",
    "album_thumbnail",
    "track_url",
    "artists_url",
    "duration_ms",
    "played_at",
    "source",
}
LASTFM_ITEM = SPOTIFY_ITEM | {
    "artist_lastfm_url",
    "track_mbid",
    "artist_mbid",
    "album_mbid",
    "loved",
    "streamable",
    "album_thumbnails",
}


def test_spotify_fetch_stores_and_returns_the_seed_shape(auth_client, spotify_user):
    response = auth_client.get(SPOTIFY)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Recently played songs fetched and stored successfully."
    assert len(body["data"]) == 50
    first = body["data"][0]
    assert set(first) == SPOTIFY_ITEM
    assert first["source"] == "spotify"
    assert first["track_url"].startswith("https://open.spotify.com/track/")
    assert first["duration_ms"] > 0
    assert first["played_at"].endswith("Z")
    assert Listen.objects.filter(user=spotify_user, source="spotify").count() == 50


def test_a_second_spotify_fetch_adds_nothing(auth_client, spotify_user):
    auth_client.get(SPOTIFY)

    auth_client.get(SPOTIFY)

    assert Listen.objects.filter(user=spotify_user).count() == 50


def test_lastfm_fetch_returns_the_enhanced_shape(auth_client, lastfm_user):
    response = auth_client.get(LASTFM + "?limit=100")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Last.fm recent tracks fetched and stored successfully for user 'wiz'."
    assert body["count"] == 100
    assert len(body["data"]) == 100  # the now-playing row is skipped, not counted
    first = body["data"][0]
    assert set(first) == LASTFM_ITEM
    assert set(first["album_thumbnails"]) == {"small", "medium", "large", "extralarge"}
    assert first["source"] == "lastfm"
    assert first["duration_ms"] == 0
    assert any(row["loved"] for row in body["data"])
    assert any(row["track_mbid"] is None for row in body["data"])
    assert Listen.objects.filter(user=lastfm_user, source="lastfm").count() == 100


def test_lastfm_default_limit_is_50(auth_client, lastfm_user):
    assert auth_client.get(LASTFM).json()["count"] == 50


def test_a_refetch_flips_loved_and_adds_nothing(sandbox, auth_client, lastfm_user):
    first = auth_client.get(LASTFM + "?limit=5").json()["data"]
    unloved = next(row for row in first if not row["loved"])
    sandbox.admin(
        "lastfm",
        "add_scrobbles",
        user="wiz",
        tracks=[{"title": unloved["title"], "artist": unloved["artist"], "uts": 1000, "loved": True}],
    )

    auth_client.get(LASTFM + "?limit=5")

    listen = Listen.objects.get(user=lastfm_user, title=unloved["title"], played_at=unloved["played_at"])
    assert listen.loved is True
    assert Listen.objects.filter(user=lastfm_user).count() == 5


def test_a_single_scrobble_object_is_stored(auth_client, sandbox, user):
    connect_lastfm(user, username=lastfm_sandbox.SINGLE_SCROBBLE_USER)

    body = auth_client.get(LASTFM).json()

    assert body["count"] == 1
    assert Listen.objects.filter(user=user).count() == 1


def test_times_are_stored_aware_in_utc(auth_client, lastfm_user):
    played_at = auth_client.get(LASTFM + "?limit=1").json()["data"][0]["played_at"]

    listen = Listen.objects.get(user=lastfm_user)
    assert listen.played_at.tzinfo is not None
    assert listen.played_at.utcoffset().total_seconds() == 0
    assert listen.played_at.astimezone(UTC).isoformat().replace("+00:00", "Z") == played_at


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-5", "1.5"])
def test_a_bad_limit_is_a_400_naming_it(auth_client, lastfm_user, limit):
    response = auth_client.get(f"{LASTFM}?limit={limit}")

    assert response.status_code == 400
    assert response.json()["limit"] == ["limit must be a whole number from 1 to 200."]


def test_no_spotify_key(auth_client):
    response = auth_client.get(SPOTIFY)

    assert response.status_code == 400
    assert response.json()["error"] == "No Spotify API key found"
    assert response.json()["detail"] == "No Spotify API key found"


def test_no_lastfm_key(auth_client):
    response = auth_client.get(LASTFM)

    assert response.status_code == 400
    assert response.json()["error"] == "No Last.fm API key found"


def test_no_lastfm_username(sandbox, auth_client, user):
    connect_lastfm(user, username=None)

    response = auth_client.get(LASTFM)

    assert response.status_code == 400
    assert response.json()["error"].startswith("No Last.fm username found")


def test_lastfm_errors_carry_lastfms_message(sandbox, auth_client, user):
    connect_lastfm(user, username="nobody-by-this-name")

    response = auth_client.get(LASTFM)

    assert response.status_code == 400
    assert response.json()["error"] == "Last.fm API error: User not found"


def test_a_private_lastfm_history_says_so(sandbox, auth_client, user):
    connect_lastfm(user, username=lastfm_sandbox.PRIVATE_USER)

    response = auth_client.get(LASTFM)

    assert response.status_code == 403
    assert response.json()["error"].startswith("Last.fm API error:")
    assert "private" in response.json()["error"]


def test_a_lastfm_rate_limit_is_a_429_with_retry_after(sandbox, auth_client, lastfm_user):
    sandbox.fault("lastfm", status=429, retry_after=7)

    response = auth_client.get(LASTFM)

    assert response.status_code == 429
    assert response["Retry-After"] == "7"


def test_spotify_down_is_a_502_with_the_seeds_message(sandbox, auth_client, spotify_user):
    sandbox.fault("spotify-api", status=500, count=5)

    response = auth_client.get(SPOTIFY)

    assert response.status_code == 502
    assert response.json()["error"].startswith("Failed to fetch recently played songs: ")


def test_a_spotify_connection_that_needs_a_reconnect_says_so(sandbox, auth_client, spotify_user):
    sandbox.admin("spotify", "revoke_refresh_token", user="wizzler")
    sandbox.fault("spotify-api", kind="token_expired", count=5)

    response = auth_client.get(SPOTIFY)

    assert response.status_code == 409
    assert response.json()["code"] == "spotify_reconnect_required"
    assert "Connect Spotify again" in response.json()["error"]


def test_an_expired_spotify_token_is_refreshed_on_use(sandbox, auth_client, spotify_user):
    from users.models import UserApiKey

    row = UserApiKey.objects.get(user=spotify_user)
    sandbox.admin("spotify", "expire_access_token", access_token=row.get_key())

    response = auth_client.get(SPOTIFY)

    assert response.status_code == 200
    assert UserApiKey.objects.get(user=spotify_user).get_key() != row.get_key()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_fetches_store_each_listen_once(sandbox):
    user = UserFactory()
    connect_lastfm(user)
    clients = [client_for(user, "token"), client_for(user, "jwt")]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def fetch(client):
        try:
            barrier.wait(timeout=10)
            statuses.append(client.get(LASTFM + "?limit=200").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fetch, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200, 200]
    assert Listen.objects.filter(user=user).count() == 200
