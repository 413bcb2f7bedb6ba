"""The Spotify client against the sandbox (PROVIDERS.md §7, S1 to S7), and its parsers on real answers."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.http import make_http_client
from providers.base import (
    NoActiveDevice,
    PremiumRequired,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderTokenExpired,
    ProviderUnavailable,
)
from providers.spotify import (
    SCOPES,
    PlaybackState,
    SpotifyAccounts,
    SpotifyClient,
    parse_playback_state,
    parse_played_at,
    parse_recently_played,
)
from providers.types import AuthorizationRequest
from sandbox.services.spotify import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEV_MODE_USER,
    FREE_USER,
    IDLE_DEVICE_ID,
    IDLE_USER,
    PREMIUM_DEVICE_ID,
    PREMIUM_USER,
    UNLISTED_USER,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REDIRECT = "http://127.0.0.1:8000/spotify/redirect"


@pytest.fixture
def http():
    client = make_http_client(timeout=2.0, retries=0)
    yield client
    client.close()


@pytest.fixture
def accounts(sandbox, http) -> SpotifyAccounts:
    """The confidential app (client id + secret)."""
    return SpotifyAccounts(
        sandbox.env["SPOTIFY_ACCOUNTS_URL"], CLIENT_ID, CLIENT_SECRET, redirect_uri=REDIRECT, client=http
    )


@pytest.fixture
def public_accounts(sandbox, http) -> SpotifyAccounts:
    """The same app used as a PKCE public client (no secret)."""
    return SpotifyAccounts(sandbox.env["SPOTIFY_ACCOUNTS_URL"], CLIENT_ID, redirect_uri=REDIRECT, client=http)


def issue(sandbox, user: str = PREMIUM_USER, **payload) -> dict:
    return sandbox.admin("spotify", "issue_token", user=user, **payload)


def api_for(sandbox, http, user: str = PREMIUM_USER, **payload) -> SpotifyClient:
    return SpotifyClient(
        sandbox.env["SPOTIFY_API_URL"], issue(sandbox, user, **payload)["access_token"], http
    )


@pytest.fixture
def api(sandbox, http) -> SpotifyClient:
    return api_for(sandbox, http)


def consent(request: AuthorizationRequest, *, decision: str = "approve", user: str = PREMIUM_USER) -> dict:
    """What the browser does: open the consent page, submit its form, land on the callback."""
    page = httpx.get(request.url)
    assert page.status_code == 200, page.text
    form = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text)
    }
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(request.url))
    answer = httpx.post(origin + action, data={**form, "user": user, "decision": decision})
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def token_calls(sandbox) -> list[dict]:
    return [call for call in sandbox.calls("spotify-accounts") if call["path"].endswith("/api/token")]


# --- S1: the authorization URL and the consent outcome ------------------------------------------


def test_the_authorization_url_carries_scopes_state_and_a_pkce_challenge(accounts):
    request = accounts.authorization_url(scopes=SCOPES)

    url = urlsplit(request.url)
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert request.url.startswith(accounts.base_url + "/authorize?")
    assert query["client_id"] == CLIENT_ID
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == REDIRECT
    assert query["scope"] == " ".join(SCOPES)
    assert query["state"] == request.state
    assert len(request.state) >= 16
    assert 43 <= len(request.code_verifier) <= 128
    digest = hashlib.sha256(request.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert "show_dialog" not in query


def test_the_authorization_url_options(accounts):
    request = accounts.authorization_url(
        scopes=["user-read-email"], state="mine", show_dialog=True, use_pkce=False
    )

    query = parse_qs(urlsplit(request.url).query)
    assert request.state == "mine"
    assert request.code_verifier is None
    assert query["show_dialog"] == ["true"]
    assert "code_challenge" not in query
    assert accounts.authorization_url(scopes=SCOPES).state != accounts.authorization_url(scopes=SCOPES).state


def test_the_seeded_scope_list_is_what_musichub_needs():
    assert set(SCOPES) == {
        "user-read-recently-played",
        "user-read-currently-playing",
        "user-read-playback-state",
        "user-modify-playback-state",
        "user-read-private",
        "user-read-email",
    }


def test_approve_then_exchange_as_a_pkce_public_client(sandbox, public_accounts, http):
    request = public_accounts.authorization_url(scopes=SCOPES)
    callback = consent(request)
    assert callback["state"] == request.state

    tokens = public_accounts.exchange_code(code=callback["code"], code_verifier=request.code_verifier)

    assert tokens.access_token
    assert tokens.refresh_token
    assert tokens.token_type == "Bearer"
    assert tokens.expires_in == 3600
    assert set(tokens.scope) == set(SCOPES)
    assert tokens.obtained_at.tzinfo is not None
    assert abs(tokens.obtained_at - datetime.now(tz=UTC)) < timedelta(seconds=5)
    assert tokens.expires_at == tokens.obtained_at + timedelta(seconds=3600)
    client = SpotifyClient(sandbox.env["SPOTIFY_API_URL"], tokens.access_token, http)
    assert client.me().id == PREMIUM_USER


def test_approve_then_exchange_with_the_client_secret(accounts):
    request = accounts.authorization_url(scopes=SCOPES, use_pkce=False)

    tokens = accounts.exchange_code(code=consent(request, user=FREE_USER)["code"])

    assert tokens.refresh_token


def test_a_confidential_client_may_use_pkce_too(accounts):
    request = accounts.authorization_url(scopes=SCOPES)

    tokens = accounts.exchange_code(code=consent(request)["code"], code_verifier=request.code_verifier)

    assert tokens.access_token


def test_deny_comes_back_as_access_denied_with_the_state(accounts):
    request = accounts.authorization_url(scopes=SCOPES)

    assert consent(request, decision="deny") == {"error": "access_denied", "state": request.state}


def test_an_authorization_url_needs_a_redirect_uri(sandbox):
    accounts = SpotifyAccounts(sandbox.env["SPOTIFY_ACCOUNTS_URL"], CLIENT_ID)

    with pytest.raises(ValueError, match="redirect_uri"):
        accounts.authorization_url(scopes=SCOPES)


# --- S2: code exchange errors -------------------------------------------------------------------------


def test_a_reused_code_is_invalid_grant(accounts):
    request = accounts.authorization_url(scopes=SCOPES)
    code = consent(request)["code"]
    accounts.exchange_code(code=code, code_verifier=request.code_verifier)

    with pytest.raises(ProviderAuthError) as caught:
        accounts.exchange_code(code=code, code_verifier=request.code_verifier)

    assert caught.value.reason == "invalid_grant"
    assert caught.value.status == 400
    assert caught.value.message == "Invalid authorization code"
    assert caught.value.provider == "Spotify"


def test_a_wrong_secret_is_invalid_client(sandbox, http, accounts):
    request = accounts.authorization_url(scopes=SCOPES, use_pkce=False)
    code = consent(request)["code"]
    wrong = SpotifyAccounts(
        accounts.base_url, CLIENT_ID, "not-the-secret", redirect_uri=REDIRECT, client=http
    )

    with pytest.raises(ProviderAuthError) as caught:
        wrong.exchange_code(code=code)

    assert caught.value.reason == "invalid_client"
    assert caught.value.message == "Invalid client secret"
    assert accounts.exchange_code(code=code).access_token  # the code was not spent by the failed attempt


def test_a_pkce_verifier_mismatch_is_invalid_grant(public_accounts):
    request = public_accounts.authorization_url(scopes=SCOPES)
    code = consent(request)["code"]

    with pytest.raises(ProviderAuthError) as caught:
        public_accounts.exchange_code(code=code, code_verifier="x" * 64)

    assert caught.value.reason == "invalid_grant"
    assert caught.value.message == "code_verifier was incorrect"


def test_an_expired_code_is_invalid_grant(sandbox, accounts):
    sandbox.admin("spotify", "config", code_ttl=0)
    request = accounts.authorization_url(scopes=SCOPES)

    with pytest.raises(ProviderAuthError) as caught:
        accounts.exchange_code(code=consent(request)["code"], code_verifier=request.code_verifier)

    assert caught.value.reason == "invalid_grant"


# --- S3: refresh --------------------------------------------------------------------------------------


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(sandbox, accounts, http):
    issued = issue(sandbox)

    tokens = accounts.refresh(refresh_token=issued["refresh_token"])

    assert tokens.refresh_token == issued["refresh_token"]
    assert tokens.access_token != issued["access_token"]
    assert tokens.obtained_at is not None
    assert SpotifyClient(sandbox.env["SPOTIFY_API_URL"], tokens.access_token, http).me().id == PREMIUM_USER


def test_a_refresh_with_a_new_refresh_token_returns_it(sandbox, accounts):
    sandbox.admin("spotify", "config", refresh_rotation="rotate")
    issued = issue(sandbox)

    tokens = accounts.refresh(refresh_token=issued["refresh_token"])

    assert tokens.refresh_token
    assert tokens.refresh_token != issued["refresh_token"]


def test_a_pkce_public_client_refreshes_without_a_secret(sandbox, public_accounts):
    issued = issue(sandbox, pkce=True)

    assert public_accounts.refresh(refresh_token=issued["refresh_token"]).access_token


@pytest.mark.parametrize(
    ("action", "message"),
    [("revoke_refresh_token", "Refresh token revoked"), ("expire_refresh_token", "Invalid refresh token")],
)
def test_a_revoked_or_expired_refresh_token_is_invalid_grant_and_tried_once(
    sandbox, accounts, action, message
):
    issued = issue(sandbox)
    sandbox.admin("spotify", action, refresh_token=issued["refresh_token"])

    with pytest.raises(ProviderAuthError) as caught:
        accounts.refresh(refresh_token=issued["refresh_token"])

    assert not isinstance(caught.value, ProviderTokenExpired)
    assert caught.value.reason == "invalid_grant"
    assert caught.value.message == message
    assert len(token_calls(sandbox)) == 1


def test_invalid_grant_is_not_retried_even_with_retries_enabled(sandbox):
    retrying = make_http_client(timeout=2.0, retries=3, backoff_factor=0.01)
    accounts = SpotifyAccounts(
        sandbox.env["SPOTIFY_ACCOUNTS_URL"], CLIENT_ID, CLIENT_SECRET, redirect_uri=REDIRECT, client=retrying
    )
    sandbox.fault("spotify-accounts", kind="token_revoked")

    with pytest.raises(ProviderAuthError) as caught:
        accounts.refresh(refresh_token=issue(sandbox)["refresh_token"])

    assert caught.value.message == "Refresh token revoked"
    assert [call["status"] for call in token_calls(sandbox)] == [400]
    retrying.close()


def test_client_credentials(accounts):
    tokens = accounts.client_credentials()

    assert tokens.access_token
    assert tokens.refresh_token is None
    assert tokens.scope == ()
    assert tokens.expires_in == 3600
    assert accounts.check_credentials().account == CLIENT_ID


def test_client_credentials_with_a_wrong_secret(sandbox, http):
    wrong = SpotifyAccounts(sandbox.env["SPOTIFY_ACCOUNTS_URL"], CLIENT_ID, "nope", client=http)

    with pytest.raises(ProviderAuthError) as caught:
        wrong.check_credentials()

    assert caught.value.reason == "invalid_client"


def test_client_credentials_need_a_secret(public_accounts):
    with pytest.raises(ValueError, match="secret"):
        public_accounts.client_credentials()


def test_a_token_endpoint_5xx_is_unavailable(sandbox, accounts):
    sandbox.fault("spotify-accounts", status=503)

    with pytest.raises(ProviderUnavailable) as caught:
        accounts.client_credentials()

    assert caught.value.status == 503


@pytest.mark.parametrize(("kind", "options"), [("malformed", {}), ("plain", {"status": 400})])
def test_a_token_answer_that_is_not_json_is_a_bad_response(sandbox, accounts, kind, options):
    sandbox.fault("spotify-accounts", kind=kind, **options)

    with pytest.raises(ProviderBadResponse):
        accounts.client_credentials()


def test_a_token_endpoint_that_hangs_is_unavailable(sandbox):
    quick = make_http_client(timeout=0.3, retries=0)
    accounts = SpotifyAccounts(sandbox.env["SPOTIFY_ACCOUNTS_URL"], CLIENT_ID, CLIENT_SECRET, client=quick)
    sandbox.fault("spotify-accounts", kind="hang", delay=1.5)

    with pytest.raises(ProviderUnavailable):
        accounts.client_credentials()
    quick.close()


# --- S4: recently played ------------------------------------------------------------------------------


def test_recently_played_pages_backwards_with_before(api):
    first = api.recently_played(limit=20)

    assert len(first.items) == 20
    assert first.limit == 20
    assert first.next is not None
    played = [item.played_at for item in first.items]
    assert played == sorted(played, reverse=True)
    assert all(moment.tzinfo is UTC for moment in played)
    assert first.cursor_after == first.items[0].played_at_ms
    assert first.cursor_before == first.items[-1].played_at_ms

    second = api.recently_played(limit=20, before=first.cursor_before)

    assert len(second.items) == 20
    assert second.items[0].played_at < first.items[-1].played_at
    third = api.recently_played(limit=20, before=second.cursor_before)
    assert len(third.items) == 10  # only the last 50 plays are reachable
    assert third.next is None
    beyond = api.recently_played(limit=20, before=third.cursor_before)
    assert beyond.items == ()
    assert beyond.cursor_after is None
    assert beyond.cursor_before is None
    keys = {(item.track.id, item.played_at) for page in (first, second, third) for item in page.items}
    assert len(keys) == 50


def test_polling_with_after_the_newest_cursor_is_empty_with_null_cursors(api):
    newest = api.recently_played(limit=50)

    poll = api.recently_played(after=newest.cursor_after)

    assert poll.items == ()
    assert poll.cursor_after is None
    assert poll.next is None
    assert poll.limit == 50


def test_after_returns_the_newer_plays(api):
    page = api.recently_played(limit=10)

    newer = api.recently_played(after=page.items[3].played_at_ms)

    assert [item.played_at for item in newer.items] == [item.played_at for item in page.items[:3]]


def test_recently_played_items_carry_what_listening_history_stores(api):
    items = api.recently_played(limit=50).items

    item = items[0]
    track = item.track
    assert track.uri == f"spotify:track:{track.id}"
    assert track.name
    assert track.url.startswith("https://open.spotify.com/track/")
    assert track.duration_ms > 0
    assert track.isrc
    assert track.artists[0].url == f"https://open.spotify.com/artist/{track.artists[0].id}"
    assert track.artists[0].name
    assert track.artist == ", ".join(artist.name for artist in track.artists)
    assert track.album.uri == f"spotify:album:{track.album.id}"
    assert track.album.name
    assert re.match(r"^\d{4}-\d\d-\d\d$", track.album.release_date)
    assert track.image_url == track.album.images[0].url  # the 640 px cover
    assert any(entry.track.popularity is None for entry in items)  # deprecated, sometimes missing
    assert any(entry.track.popularity is not None for entry in items)
    assert any(entry.context is None for entry in items)
    assert {entry.context.type for entry in items if entry.context} <= {"album", "playlist"}


@pytest.mark.parametrize(
    "kwargs", [{"limit": 0}, {"limit": 51}, {"after": 1, "before": 2}, {"after": "1700000000000"}]
)
def test_recently_played_arguments_are_checked_before_calling(sandbox, api, kwargs):
    with pytest.raises(ValueError, match=r"limit|after|before"):
        api.recently_played(**kwargs)

    assert sandbox.calls("spotify-api") == []


def test_a_rate_limit_carries_retry_after(sandbox, api):
    sandbox.fault("spotify-api", status=429, retry_after=2)

    with pytest.raises(ProviderRateLimited) as caught:
        api.recently_played()

    assert caught.value.retry_after == 2
    assert caught.value.status == 429
    assert caught.value.message == "API rate limit exceeded"


def test_5xx_is_retried_with_backoff_then_unavailable(sandbox):
    retrying = make_http_client(timeout=2.0, retries=2, backoff_factor=0.01)
    api = api_for(sandbox, retrying)
    sandbox.fault("spotify-api", status=503, count=5)

    with pytest.raises(ProviderUnavailable) as caught:
        api.recently_played()

    assert caught.value.status == 503
    assert [call["status"] for call in sandbox.calls("spotify-api")] == [503, 503, 503]
    retrying.close()


def test_a_single_5xx_is_absorbed_by_the_session_retry(sandbox):
    retrying = make_http_client(timeout=2.0, retries=2, backoff_factor=0.01)
    api = api_for(sandbox, retrying)
    sandbox.fault("spotify-api", status=502)

    assert len(api.recently_played(limit=5).items) == 5
    assert [call["status"] for call in sandbox.calls("spotify-api")] == [502, 200]
    retrying.close()


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    quick = make_http_client(timeout=0.3, retries=0)
    api = api_for(sandbox, quick)
    sandbox.fault("spotify-api", kind="hang", delay=1.5)

    with pytest.raises(ProviderUnavailable):
        api.recently_played()
    quick.close()


@pytest.mark.parametrize(
    "body",
    [{"items": [{"track": {}, "played_at": "2026-03-01T18:04:12Z"}]}, {"items": [{"played_at": "x"}]}, []],
)
def test_json_missing_what_we_need_is_a_bad_response_not_a_key_error(body):
    stub = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))
    api = SpotifyClient("https://api.spotify.test/v1", "token", stub)

    with pytest.raises(ProviderBadResponse) as caught:
        api.recently_played()

    assert "recently-played" in caught.value.message


@pytest.mark.parametrize(("kind", "options"), [("malformed", {}), ("empty", {"status": 200})])
def test_a_body_we_cannot_read_is_a_bad_response(sandbox, api, kind, options):
    sandbox.fault("spotify-api", kind=kind, **options)

    with pytest.raises(ProviderBadResponse):
        api.recently_played()


def test_an_expired_token_is_token_expired_and_a_refresh_fixes_it(sandbox, accounts, http):
    issued = issue(sandbox)
    sandbox.admin("spotify", "expire_access_token", access_token=issued["access_token"])
    api = SpotifyClient(sandbox.env["SPOTIFY_API_URL"], issued["access_token"], http)

    with pytest.raises(ProviderTokenExpired) as caught:
        api.recently_played()

    assert caught.value.status == 401
    assert caught.value.message == "The access token expired"
    tokens = accounts.refresh(refresh_token=issued["refresh_token"])
    retried = SpotifyClient(sandbox.env["SPOTIFY_API_URL"], tokens.access_token, http).recently_played()
    assert len(retried.items) == 50


@pytest.mark.parametrize("setup", ["garbage", "fault"])
def test_every_401_is_token_expired(sandbox, http, api, setup):
    """Spotify's 401 wording varies, so any 401 means "refresh once and retry" (see the module docs)."""
    if setup == "garbage":
        api = SpotifyClient(sandbox.env["SPOTIFY_API_URL"], "garbage", http)
    else:
        sandbox.fault("spotify-api", kind="token_expired")

    with pytest.raises(ProviderTokenExpired):
        api.me()


def test_a_bad_request_keeps_spotifys_message(sandbox, api):
    sandbox.fault("spotify-api", status=400, message="Invalid limit")

    with pytest.raises(ProviderError) as caught:
        api.recently_played()

    assert type(caught.value) is ProviderError
    assert caught.value.message == "Invalid limit"
    assert caught.value.status == 400


# --- S5: what plays now ---------------------------------------------------------------------------


def test_currently_playing_a_track(api):
    state = api.currently_playing()

    assert isinstance(state, PlaybackState)
    assert state.is_playing is True
    assert state.currently_playing_type == "track"
    assert state.item.name
    assert state.item.artists
    assert state.item.image_url
    assert 0 <= state.progress_ms <= state.item.duration_ms
    assert state.device is None
    assert state.disallows == frozenset({"resuming"})
    assert state.timestamp.tzinfo is UTC


def test_playback_state_has_the_device(api):
    state = api.playback_state()

    assert state.device.id == PREMIUM_DEVICE_ID
    assert state.device.is_active is True
    assert state.device.volume_percent == 59
    assert state.repeat_state == "off"
    assert state.shuffle_state is False


def test_an_ad_has_no_item(sandbox, api):
    sandbox.admin("spotify", "set_playback", user=PREMIUM_USER, currently_playing_type="ad")

    state = api.currently_playing()

    assert state.currently_playing_type == "ad"
    assert state.item is None


def test_nothing_playing_is_none(sandbox, http):
    api = api_for(sandbox, http, IDLE_USER)

    assert api.currently_playing() is None
    assert api.playback_state() is None


def test_a_device_without_id_or_volume(sandbox, http):
    state = api_for(sandbox, http, DEV_MODE_USER).playback_state()

    assert state.device.id is None
    assert state.device.volume_percent is None
    assert state.is_playing is False


# --- S6: player commands ------------------------------------------------------------------------------


def player(sandbox, user: str = PREMIUM_USER) -> dict:
    return sandbox.admin("spotify", "state", user=user)


def test_pause_play_next_follow_the_player(sandbox, api):
    before = player(sandbox)

    api.pause()
    assert player(sandbox)["is_playing"] is False
    api.play()
    assert player(sandbox)["is_playing"] is True
    api.next()

    after = player(sandbox)
    assert after["current"] == before["queue"][0]
    newest = api.recently_played(limit=1).items[0]
    assert newest.track.uri == before["current"]
    assert newest.played_at > parse_played_at(before["recent"][0]["played_at"])


def test_play_tracks_on_a_named_device(sandbox, api):
    queue = player(sandbox)["queue"]

    api.play(PREMIUM_DEVICE_ID, uris=queue[:2], position_ms=1000)

    state = player(sandbox)
    assert state["current"] == queue[0]
    assert state["progress_ms"] == 1000


def test_play_a_context(sandbox, api):
    album = api.playback_state().item.album.uri

    api.play(context_uri=album)

    assert player(sandbox)["context"] == album


def test_play_takes_uris_or_a_context_not_both(api):
    with pytest.raises(ValueError, match="either"):
        api.play(uris=["spotify:track:x"], context_uri="spotify:album:y")


def test_pausing_twice_is_a_restriction_not_premium(api):
    api.pause()

    with pytest.raises(ProviderForbidden) as caught:
        api.pause()

    assert not isinstance(caught.value, PremiumRequired)
    assert caught.value.reason == "UNKNOWN"
    assert caught.value.message == "Player command failed: Restriction violated"


@pytest.mark.parametrize("command", ["pause", "play", "next"])
def test_free_users_need_premium(sandbox, http, command):
    api = api_for(sandbox, http, FREE_USER)

    with pytest.raises(PremiumRequired) as caught:
        getattr(api, command)()

    assert caught.value.reason == "PREMIUM_REQUIRED"
    assert caught.value.status == 403


@pytest.mark.parametrize("command", ["pause", "play", "next"])
def test_no_active_device(sandbox, http, command):
    api = api_for(sandbox, http, IDLE_USER)

    with pytest.raises(NoActiveDevice) as caught:
        getattr(api, command)()

    assert caught.value.reason == "NO_ACTIVE_DEVICE"
    assert caught.value.status == 404


def test_retrying_with_the_device_id_wakes_it(sandbox, http):
    api = api_for(sandbox, http, IDLE_USER)
    with pytest.raises(NoActiveDevice):
        api.play()

    api.play(IDLE_DEVICE_ID)

    state = api.playback_state()
    assert state.device.id == IDLE_DEVICE_ID
    assert state.is_playing is True


def test_an_unknown_device_is_not_found(api):
    with pytest.raises(ProviderNotFound) as caught:
        api.pause("no-such-device")

    assert not isinstance(caught.value, NoActiveDevice)
    assert caught.value.message == "Device not found"


def test_a_missing_scope_is_forbidden(sandbox, http):
    api = api_for(sandbox, http, scopes=["user-read-playback-state"])

    with pytest.raises(ProviderForbidden) as caught:
        api.pause()

    assert caught.value.message == "Insufficient client scope"
    assert caught.value.reason is None


# --- S7: /me -----------------------------------------------------------------------------------------


def test_me_full(api):
    profile = api.me()

    assert profile.id == PREMIUM_USER
    assert profile.account_id == "aB3dE5fG7h"
    assert profile.display_name == "Wiz"
    assert profile.email == "wiz@example.com"
    assert profile.country == "SE"
    assert profile.product == "premium"
    assert profile.is_premium is True
    assert profile.image_url
    assert profile.url == f"https://open.spotify.com/user/{PREMIUM_USER}"


def test_me_in_development_mode_has_no_email_country_or_product(sandbox, http):
    profile = api_for(sandbox, http, DEV_MODE_USER).me()

    assert profile.id == DEV_MODE_USER
    assert profile.account_id
    assert (profile.email, profile.country, profile.product, profile.is_premium) == (None, None, None, None)


def test_a_free_user_profile(sandbox, http):
    assert api_for(sandbox, http, FREE_USER).me().is_premium is False


def test_a_user_outside_the_allow_list_is_forbidden(sandbox, http):
    api = api_for(sandbox, http, UNLISTED_USER)

    with pytest.raises(ProviderForbidden) as caught:
        api.me()

    assert caught.value.reason == "user_not_registered"
    assert caught.value.message == "User not registered in the Developer Dashboard"
    assert caught.value.status == 403


def test_check_credentials_names_the_account(api):
    check = api.check_credentials()

    assert check.account == "aB3dE5fG7h"
    assert check.detail == "Wiz"
    assert check.extra == {"id": PREMIUM_USER, "product": "premium", "email": "wiz@example.com"}


def test_check_credentials_fails_loudly(sandbox, http):
    with pytest.raises(ProviderTokenExpired):
        SpotifyClient(sandbox.env["SPOTIFY_API_URL"], "garbage", http).check_credentials()


# --- parsers on real answers --------------------------------------------------------------------------


def test_parse_the_real_recently_played_answer():
    data = json.loads((FIXTURES / "spotify_recently_played_submitted.json").read_text())

    page = parse_recently_played(data)

    assert len(page.items) == 1
    item = page.items[0]
    assert item.played_at == datetime(2021, 10, 25, 5, 13, 13, 658000, tzinfo=UTC)
    assert item.played_at_ms == 1635138793658 == page.cursor_after == page.cursor_before
    assert item.context is None
    track = item.track
    assert track.id == "02MWAaffLxlfxAUY7c5dvx"
    assert track.name == "Heat Waves"
    assert track.artist == "Glass Animals"
    assert track.artists[0].id == "4yvcSjfu4PC0CYQyLy4wSq"
    assert track.artists[0].url == "https://open.spotify.com/artist/4yvcSjfu4PC0CYQyLy4wSq"
    assert track.duration_ms == 238805
    assert track.explicit is False
    assert track.popularity == 92
    assert track.isrc == "GBUM72000433"
    assert track.url == "https://open.spotify.com/track/02MWAaffLxlfxAUY7c5dvx"
    assert track.album.name == "Dreamland (+ Bonus Levels)"
    assert track.album.release_date == "2020-08-06"
    assert [image.width for image in track.album.images] == [640, 300, 64]
    assert track.image_url == "https://i.scdn.co/image/ab67616d0000b2739e495fb707973f3390850eea"
    assert page.next == "https://api.spotify.com/v1/me/player/recently-played?before=1635138793658&limit=1"
    assert page.limit == 1


def test_parse_the_real_playback_state_answer():
    data = json.loads((FIXTURES / "spotify_current_playback_state.json").read_text())

    state = parse_playback_state(data)

    assert state.is_playing is True
    assert state.currently_playing_type == "track"
    assert state.progress_ms == 78823
    assert state.timestamp == datetime.fromtimestamp(1734358194.901, tz=UTC)
    assert state.device.name == "foxx-arch"
    assert state.device.type == "Computer"
    assert state.device.volume_percent == 59
    assert state.context.type == "album"
    assert state.context.uri == "spotify:album:4r9HEszOAbfhRfT1n1QPLF"
    assert state.item.name == "The Sandpits Of Zonhoven"
    assert state.item.artist_names == ("Dubmood", "MASTER BOOT RECORD")
    assert state.item.isrc == "FR9W12915571"
    assert state.disallows == frozenset({"resuming"})
    assert state.repeat_state == "off"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T18:04:12.345Z", datetime(2026, 3, 1, 18, 4, 12, 345000, tzinfo=UTC)),
        ("2026-03-01T18:04:12Z", datetime(2026, 3, 1, 18, 4, 12, tzinfo=UTC)),
        ("2026-03-01T18:04:12.3Z", datetime(2026, 3, 1, 18, 4, 12, 300000, tzinfo=UTC)),
        ("2026-03-01T19:04:12+01:00", datetime(2026, 3, 1, 18, 4, 12, tzinfo=UTC)),
        ("2026-03-01T18:04:12", datetime(2026, 3, 1, 18, 4, 12, tzinfo=UTC)),
    ],
)
def test_played_at_is_parsed_leniently(text, expected):
    parsed = parse_played_at(text)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_the_spec_shape_of_actions_and_an_episode_item_are_accepted():
    state = parse_playback_state(
        {
            "is_playing": False,
            "currently_playing_type": "episode",
            "item": {"type": "episode", "name": "A show"},
            "actions": {"pausing": True, "resuming": False},
        }
    )

    assert state.item is None
    assert state.disallows == frozenset({"pausing"})
