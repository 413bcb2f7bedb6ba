"""The fake Spotify's raw answers, checked against PROVIDERS.md §1 and §2 with plain httpx."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
import urllib.error
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from sandbox.services.spotify import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEV_MODE_USER,
    FREE_USER,
    IDLE_DEVICE_ID,
    IDLE_USER,
    PREMIUM_USER,
    UNLISTED_USER,
)

REDIRECT = "http://127.0.0.1:8000/spotify/redirect"
PLAYED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
VERIFIER = "v" * 43 + "-verifier_with.allowed~chars"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def accounts(sandbox) -> str:
    return sandbox.env["SPOTIFY_ACCOUNTS_URL"]


@pytest.fixture
def api(sandbox) -> str:
    return sandbox.env["SPOTIFY_API_URL"]


def bearer(sandbox, user: str = PREMIUM_USER, **payload) -> dict[str, str]:
    token = sandbox.admin("spotify", "issue_token", user=user, **payload)["access_token"]
    return {"Authorization": f"Bearer {token}"}


def authorize_params(**overrides) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "st4te",
        "scope": "user-read-recently-played user-read-email",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def decide(
    accounts: str, *, decision: str = "approve", user: str = PREMIUM_USER, **overrides
) -> httpx.Response:
    """Opens the consent page and submits its form, as a browser would."""
    page = httpx.get(f"{accounts}/authorize", params=authorize_params(**overrides))
    assert page.status_code == 200, page.text
    form = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text)
    }
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    base = accounts.removesuffix("/spotify-accounts")
    return httpx.post(base + action, data={**form, "user": user, "decision": decision})


def callback(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {key: values[0] for key, values in parse_qs(urlsplit(response.headers["location"]).query).items()}


def code_for(accounts: str, **overrides) -> str:
    return callback(decide(accounts, **overrides))["code"]


def token(
    accounts: str, data: dict[str, str], *, basic: bool = True, secret: str = CLIENT_SECRET
) -> httpx.Response:
    auth = (CLIENT_ID, secret) if basic else None
    return httpx.post(f"{accounts}/api/token", data=data, auth=auth)


# --- /authorize -----------------------------------------------------------------------------------


def test_the_consent_page_offers_every_seeded_account(accounts):
    page = httpx.get(f"{accounts}/authorize", params=authorize_params(show_dialog="true"))

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for user in (PREMIUM_USER, FREE_USER, IDLE_USER, DEV_MODE_USER, UNLISTED_USER):
        assert f'value="{user}"' in page.text
    assert 'value="approve"' in page.text
    assert 'value="deny"' in page.text
    assert "user-read-recently-played" in page.text


def test_approve_redirects_with_a_code_and_the_state(accounts):
    params = callback(decide(accounts))

    assert params["state"] == "st4te"
    assert params["code"]
    assert set(params) == {"code", "state"}


def test_deny_redirects_with_access_denied(accounts):
    response = decide(accounts, decision="deny")

    assert response.headers["location"].startswith(REDIRECT + "?")
    assert callback(response) == {"error": "access_denied", "state": "st4te"}


def test_an_existing_query_on_the_redirect_uri_is_kept(accounts):
    params = callback(decide(accounts, redirect_uri="https://hub.example/cb?next=%2Fme"))

    assert params["next"] == "/me"
    assert "code" in params


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_id": "nope"}, "INVALID_CLIENT: Invalid client"),
        ({"redirect_uri": "http://localhost:8000/spotify/redirect"}, "INVALID_CLIENT: Insecure redirect URI"),
        ({"redirect_uri": "https://localhost/cb"}, "INVALID_CLIENT: Insecure redirect URI"),
        ({"redirect_uri": "http://hub.example/cb"}, "INVALID_CLIENT: Insecure redirect URI"),
        ({"redirect_uri": "not a uri"}, "INVALID_CLIENT: Invalid redirect URI"),
        ({"redirect_uri": None}, "INVALID_CLIENT: Invalid redirect URI"),
    ],
)
def test_a_bad_client_or_redirect_uri_shows_an_error_page_without_redirecting(accounts, overrides, message):
    response = httpx.get(f"{accounts}/authorize", params=authorize_params(**overrides))

    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:53124/cb", "http://[::1]:8080/cb", "https://hub.example/cb"]
)
def test_loopback_ip_literals_on_any_port_and_https_are_accepted(accounts, uri):
    assert httpx.get(f"{accounts}/authorize", params=authorize_params(redirect_uri=uri)).status_code == 200


def test_a_registered_list_restricts_redirect_uris_but_loopback_ports_stay_free(sandbox, accounts):
    sandbox.admin("spotify", "config", redirect_uris=["http://127.0.0.1:8000/spotify/redirect"])

    def status(uri: str) -> int:
        return httpx.get(f"{accounts}/authorize", params=authorize_params(redirect_uri=uri)).status_code

    assert status("http://127.0.0.1:8000/spotify/redirect") == 200
    assert status("http://127.0.0.1:61000/spotify/redirect") == 200
    assert status("http://127.0.0.1:8000/spotify/redirect/") == 400  # exact match: trailing slash counts
    assert status("https://hub.example/cb") == 400


def test_other_authorization_errors_redirect_with_an_oauth_error(accounts):
    wrong_type = httpx.get(f"{accounts}/authorize", params=authorize_params(response_type="token"))
    bad_scope = httpx.get(f"{accounts}/authorize", params=authorize_params(scope="user-read-everything"))

    assert callback(wrong_type) == {"error": "unsupported_response_type", "state": "st4te"}
    assert callback(bad_scope)["error"] == "invalid_scope"


# --- /api/token -----------------------------------------------------------------------------------


def test_code_exchange_with_basic_credentials(accounts):
    code = code_for(accounts)

    response = token(accounts, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "scope", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "user-read-recently-played user-read-email"


def test_code_exchange_with_body_credentials(accounts):
    code = code_for(accounts)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }

    assert token(accounts, data, basic=False).status_code == 200


def test_a_code_is_single_use(accounts):
    data = {"grant_type": "authorization_code", "code": code_for(accounts), "redirect_uri": REDIRECT}
    assert token(accounts, data).status_code == 200

    reused = token(accounts, data)

    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant", "error_description": "Invalid authorization code"}


def test_a_code_expires(sandbox, accounts):
    sandbox.admin("spotify", "config", code_ttl=0)
    data = {"grant_type": "authorization_code", "code": code_for(accounts), "redirect_uri": REDIRECT}

    response = token(accounts, data)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Authorization code expired"}


def test_the_redirect_uri_must_equal_the_authorize_one(accounts):
    data = {"grant_type": "authorization_code", "code": code_for(accounts), "redirect_uri": REDIRECT + "/"}

    response = token(accounts, data)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("basic", [True, False])
def test_a_wrong_secret_is_invalid_client_with_status_400(accounts, basic):
    data = {"grant_type": "authorization_code", "code": code_for(accounts), "redirect_uri": REDIRECT}
    if not basic:
        data.update(client_id=CLIENT_ID, client_secret="wrong")

    response = token(accounts, data, basic=basic, secret="wrong")

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client", "error_description": "Invalid client secret"}


def test_an_unknown_client_is_invalid_client(accounts):
    response = httpx.post(
        f"{accounts}/api/token", data={"grant_type": "client_credentials"}, auth=("someone-else", "x")
    )

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client", "error_description": "Invalid client"}


def test_a_missing_grant_type(accounts):
    response = token(accounts, {})

    assert response.status_code == 400
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "grant_type parameter is missing",
    }


def test_pkce_public_client_exchange(accounts):
    code = code_for(accounts, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "code_verifier": VERIFIER,
    }

    response = token(accounts, data, basic=False)

    assert response.status_code == 200
    assert response.json()["refresh_token"]


@pytest.mark.parametrize(
    ("verifier", "expected"),
    [
        ("w" * 43, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"}),
        (
            "short",
            {"error": "invalid_request", "error_description": "code_verifier must be 43 to 128 characters"},
        ),
        ("", {"error": "invalid_request", "error_description": "code_verifier required"}),
    ],
)
def test_pkce_verifier_checks(accounts, verifier, expected):
    code = code_for(accounts, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
    }
    data["code_verifier"] = verifier

    response = token(accounts, data, basic=False)

    assert response.status_code == 400
    assert response.json() == expected


def test_a_code_without_pkce_needs_the_secret(accounts):
    data = {"grant_type": "authorization_code", "code": code_for(accounts), "redirect_uri": REDIRECT}

    response = token(accounts, {**data, "client_id": CLIENT_ID}, basic=False)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_client_credentials_answer_no_refresh_token_and_no_user(accounts, api):
    response = token(accounts, {"grant_type": "client_credentials"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    me = httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 401


def test_client_credentials_need_the_secret(accounts):
    response = token(accounts, {"grant_type": "client_credentials", "client_id": CLIENT_ID}, basic=False)

    assert response.json()["error"] == "invalid_client"


def refresh(accounts: str, refresh_token: str) -> httpx.Response:
    return token(accounts, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def test_refresh_omits_the_refresh_token_by_default(sandbox, accounts, api):
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)

    response = refresh(accounts, issued["refresh_token"])

    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert body["access_token"] != issued["access_token"]
    assert (
        httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200
    )
    assert refresh(accounts, issued["refresh_token"]).status_code == 200  # the old one keeps working


def test_refresh_rotation_modes(sandbox, accounts):
    sandbox.admin("spotify", "config", refresh_rotation="rotate")
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)

    rotated = refresh(accounts, issued["refresh_token"]).json()["refresh_token"]

    assert rotated != issued["refresh_token"]
    assert refresh(accounts, rotated).status_code == 200

    sandbox.admin("spotify", "config", refresh_rotation="alternate")
    fresh = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)["refresh_token"]
    answers = [refresh(accounts, fresh).json() for _ in range(4)]
    assert ["refresh_token" in answer for answer in answers] == [False, True, False, True]


def test_refresh_rotation_must_be_a_known_mode(sandbox):
    with pytest.raises(urllib.error.HTTPError, match="400"):
        sandbox.admin("spotify", "config", refresh_rotation="sometimes")


def test_refreshing_does_not_extend_the_refresh_token_lifetime(sandbox, accounts):
    sandbox.admin("spotify", "config", refresh_rotation="rotate", refresh_token_lifetime=0.5)
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)
    rotated = refresh(accounts, issued["refresh_token"]).json()["refresh_token"]

    time.sleep(0.6)

    assert refresh(accounts, rotated).json() == {
        "error": "invalid_grant",
        "error_description": "Invalid refresh token",
    }


@pytest.mark.parametrize(
    ("action", "description"),
    [("revoke_refresh_token", "Refresh token revoked"), ("expire_refresh_token", "Invalid refresh token")],
)
def test_revoked_and_expired_refresh_tokens_are_invalid_grant(sandbox, accounts, action, description):
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)
    sandbox.admin("spotify", action, refresh_token=issued["refresh_token"])

    response = refresh(accounts, issued["refresh_token"])

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": description}


def test_revoking_by_user_revokes_all_of_their_refresh_tokens(sandbox, accounts):
    first = sandbox.admin("spotify", "issue_token", user=FREE_USER)["refresh_token"]
    second = sandbox.admin("spotify", "issue_token", user=FREE_USER)["refresh_token"]
    other = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)["refresh_token"]

    assert sandbox.admin("spotify", "revoke_refresh_token", user=FREE_USER) == {"revoked": 2}

    assert refresh(accounts, first).json()["error"] == "invalid_grant"
    assert refresh(accounts, second).json()["error"] == "invalid_grant"
    assert refresh(accounts, other).status_code == 200


def test_a_garbage_refresh_token(accounts):
    assert refresh(accounts, "AQnothing").json() == {
        "error": "invalid_grant",
        "error_description": "Invalid refresh token",
    }


def test_the_token_revoked_fault(sandbox, accounts):
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)
    sandbox.fault("spotify-accounts", kind="token_revoked")

    response = refresh(accounts, issued["refresh_token"])

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Refresh token revoked"}


def test_the_access_token_lifetime_is_configurable(sandbox, api):
    sandbox.admin("spotify", "config", access_token_ttl=0)
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)

    response = httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {issued['access_token']}"})

    assert issued["expires_in"] == 0
    assert response.status_code == 401
    assert response.json() == {"error": {"status": 401, "message": "The access token expired"}}


# --- Web API: authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "No token provided"), ({"Authorization": "Bearer garbage"}, "Invalid access token")],
)
def test_missing_and_garbage_tokens_are_401(api, headers, message):
    response = httpx.get(f"{api}/me/player/recently-played", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": {"status": 401, "message": message}}
    assert "invalid_token" in response.headers["www-authenticate"]


def test_an_expired_access_token(sandbox, api):
    issued = sandbox.admin("spotify", "issue_token", user=PREMIUM_USER)
    sandbox.admin("spotify", "expire_access_token", access_token=issued["access_token"])

    response = httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {issued['access_token']}"})

    assert response.json() == {"error": {"status": 401, "message": "The access token expired"}}


def test_the_token_expired_fault(sandbox, api):
    headers = bearer(sandbox)
    sandbox.fault("spotify-api", kind="token_expired")

    first = httpx.get(f"{api}/me", headers=headers)
    second = httpx.get(f"{api}/me", headers=headers)

    assert first.status_code == 401
    assert first.json()["error"]["message"] == "The access token expired"
    assert second.status_code == 200


def test_a_missing_scope_is_403(sandbox, api):
    headers = bearer(sandbox, scopes=["user-read-email"])

    response = httpx.get(f"{api}/me/player/recently-played", headers=headers)

    assert response.status_code == 403
    assert response.json() == {"error": {"status": 403, "message": "Insufficient client scope"}}


def test_a_user_outside_the_allow_list_gets_plain_text(sandbox, api):
    response = httpx.get(f"{api}/me", headers=bearer(sandbox, UNLISTED_USER))

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content == b"User not registered in the Developer Dashboard"
    assert len(response.content) == 46


def test_unknown_paths_answer_service_not_found(sandbox, api):
    response = httpx.get(f"{api}/me/nothing-here", headers=bearer(sandbox))

    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": "Service not found"}}


def test_a_rate_limit_fault_has_spotifys_body_and_retry_after(sandbox, api):
    sandbox.fault("spotify-api", status=429, retry_after=2)

    response = httpx.get(f"{api}/me", headers=bearer(sandbox))

    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}


# --- Web API: /me -----------------------------------------------------------------------------------


def test_me_full(sandbox, api):
    body = httpx.get(f"{api}/me", headers=bearer(sandbox)).json()

    assert body["id"] == PREMIUM_USER
    assert body["account_id"] == "aB3dE5fG7h"
    assert body["email"] == "wiz@example.com"
    assert body["country"] == "SE"
    assert body["product"] == "premium"
    assert body["type"] == "user"
    assert body["uri"] == f"spotify:user:{PREMIUM_USER}"
    assert body["images"][0]["url"]
    assert body["explicit_content"] == {"filter_enabled": False, "filter_locked": False}


def test_me_leaves_out_what_the_scopes_do_not_allow(sandbox, api):
    body = httpx.get(f"{api}/me", headers=bearer(sandbox, scopes=["user-read-recently-played"])).json()

    assert body["id"] == PREMIUM_USER
    assert not {"email", "country", "product"} & set(body)


def test_me_in_development_mode_is_trimmed(sandbox, api):
    body = httpx.get(f"{api}/me", headers=bearer(sandbox, DEV_MODE_USER)).json()

    assert body["id"] == DEV_MODE_USER
    assert body["account_id"]
    assert not {"email", "country", "product", "explicit_content", "followers"} & set(body)


def test_free_and_idle_profiles(sandbox, api):
    free = httpx.get(f"{api}/me", headers=bearer(sandbox, FREE_USER)).json()
    idle = httpx.get(f"{api}/me", headers=bearer(sandbox, IDLE_USER)).json()

    assert free["product"] == "free"
    assert idle["display_name"] is None
    assert idle["images"] == []


# --- Web API: recently-played ---------------------------------------------------------------------


def test_recently_played_shape(sandbox, api):
    response = httpx.get(f"{api}/me/player/recently-played", params={"limit": 2}, headers=bearer(sandbox))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next", "cursors", "limit", "href"}
    assert body["limit"] == 2
    assert body["href"].endswith("/me/player/recently-played?limit=2")
    first, second = body["items"]
    assert set(first) == {"track", "played_at", "context"}
    assert PLAYED_AT.match(first["played_at"])
    assert first["played_at"] > second["played_at"]
    assert body["cursors"] == {
        "after": str(played_ms(first["played_at"])),
        "before": str(played_ms(second["played_at"])),
    }
    assert body["next"].endswith(f"?before={body['cursors']['before']}&limit=2")
    track = first["track"]
    assert track["type"] == "track"
    assert track["uri"] == f"spotify:track:{track['id']}"
    assert track["external_ids"]["isrc"]
    assert track["artists"][0]["name"]
    assert track["album"]["images"][0]["url"]


def played_ms(text: str) -> int:
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def test_recently_played_defaults_to_20(sandbox, api):
    body = httpx.get(f"{api}/me/player/recently-played", headers=bearer(sandbox)).json()

    assert body["limit"] == 20
    assert len(body["items"]) == 20


def test_following_next_reaches_only_the_last_50_plays_then_the_empty_shape(sandbox, api):
    headers = bearer(sandbox)
    url = f"{api}/me/player/recently-played?limit=20"
    seen: list[str] = []
    while url:
        body = httpx.get(url, headers=headers).json()
        seen += [item["played_at"] for item in body["items"]]
        url = body["next"]
        last_before = body["cursors"]["before"]

    assert len(seen) == 50  # 60 plays are seeded
    assert seen == sorted(seen, reverse=True)
    assert len(set(seen)) == 50
    past = httpx.get(
        f"{api}/me/player/recently-played", params={"before": last_before, "limit": 20}, headers=headers
    ).json()
    assert past["items"] == []
    assert past["cursors"] is None
    assert past["next"] is None


def test_polling_with_after_the_newest_returns_cursors_null(sandbox, api):
    headers = bearer(sandbox)
    newest = httpx.get(f"{api}/me/player/recently-played", params={"limit": 1}, headers=headers).json()
    after = newest["cursors"]["after"]

    body = httpx.get(
        f"{api}/me/player/recently-played", params={"after": after, "limit": 50}, headers=headers
    )

    assert body.json() == {
        "items": [],
        "next": None,
        "cursors": None,
        "limit": 50,
        "href": f"{api}/me/player/recently-played?{urlencode({'after': after, 'limit': 50})}",
    }


def test_after_returns_only_newer_plays(sandbox, api):
    headers = bearer(sandbox)
    page = httpx.get(f"{api}/me/player/recently-played", params={"limit": 10}, headers=headers).json()
    cut = played_ms(page["items"][4]["played_at"])

    newer = httpx.get(f"{api}/me/player/recently-played", params={"after": cut}, headers=headers).json()

    assert [item["played_at"] for item in newer["items"]] == [item["played_at"] for item in page["items"][:4]]


def test_some_items_lack_deprecated_fields_and_some_contexts_are_null(sandbox, api):
    items = httpx.get(
        f"{api}/me/player/recently-played", params={"limit": 50}, headers=bearer(sandbox)
    ).json()["items"]

    assert any("popularity" not in item["track"] for item in items)
    assert any("popularity" in item["track"] for item in items)
    assert any(item["context"] is None for item in items)
    assert any(item["context"] and item["context"]["type"] == "playlist" for item in items)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "Invalid limit"),
        ({"limit": 51}, "Invalid limit"),
        ({"after": 1, "before": 2}, "Only one of the parameters after and before may be specified"),
        ({"before": "yesterday"}, "Invalid before parameter"),
    ],
)
def test_recently_played_parameter_errors(sandbox, api, params, message):
    response = httpx.get(f"{api}/me/player/recently-played", params=params, headers=bearer(sandbox))

    assert response.status_code == 400
    assert response.json() == {"error": {"status": 400, "message": message}}


def test_a_user_without_history_gets_the_empty_shape(sandbox, api):
    body = httpx.get(f"{api}/me/player/recently-played", headers=bearer(sandbox, IDLE_USER)).json()

    assert body["items"] == []
    assert body["cursors"] is None


# --- Web API: playback --------------------------------------------------------------------------------


def test_currently_playing_shape(sandbox, api):
    response = httpx.get(f"{api}/me/player/currently-playing", headers=bearer(sandbox))

    assert response.status_code == 200
    body = response.json()
    assert "device" not in body
    assert body["is_playing"] is True
    assert body["currently_playing_type"] == "track"
    assert body["item"]["type"] == "track"
    assert body["actions"] == {"disallows": {"resuming": True}}
    assert isinstance(body["progress_ms"], int)
    assert body["timestamp"] > 0


def test_playback_state_adds_the_device(sandbox, api):
    body = httpx.get(f"{api}/me/player", headers=bearer(sandbox)).json()

    assert body["device"]["id"] == "wiz-macbook-0001"
    assert body["device"]["is_active"] is True
    assert body["repeat_state"] == "off"
    assert body["shuffle_state"] is False
    assert body["item"]["id"]


def test_an_ad_has_a_null_item(sandbox, api):
    sandbox.admin("spotify", "set_playback", user=PREMIUM_USER, currently_playing_type="ad")

    body = httpx.get(f"{api}/me/player/currently-playing", headers=bearer(sandbox)).json()

    assert body["currently_playing_type"] == "ad"
    assert body["item"] is None


@pytest.mark.parametrize("path", ["/me/player", "/me/player/currently-playing"])
def test_no_active_device_is_204_with_an_empty_body(sandbox, api, path):
    response = httpx.get(f"{api}{path}", headers=bearer(sandbox, IDLE_USER))

    assert response.status_code == 204
    assert response.content == b""


def test_a_device_may_have_a_null_id_and_volume(sandbox, api):
    body = httpx.get(f"{api}/me/player", headers=bearer(sandbox, DEV_MODE_USER)).json()

    assert body["device"]["id"] is None
    assert body["device"]["volume_percent"] is None
    assert body["is_playing"] is False


# --- Web API: player commands -------------------------------------------------------------------------


def state(sandbox, user: str = PREMIUM_USER) -> dict:
    return sandbox.admin("spotify", "state", user=user)


def test_pause_and_play_toggle_the_player(sandbox, api):
    headers = bearer(sandbox)

    paused = httpx.put(f"{api}/me/player/pause", headers=headers)
    assert paused.status_code == 204
    assert paused.content == b""
    assert state(sandbox)["is_playing"] is False
    assert httpx.get(f"{api}/me/player", headers=headers).json()["actions"] == {
        "disallows": {"pausing": True}
    }

    assert httpx.put(f"{api}/me/player/play", headers=headers).status_code == 204
    assert state(sandbox)["is_playing"] is True


def test_pausing_while_paused_and_resuming_while_playing_violate_a_restriction(sandbox, api):
    headers = bearer(sandbox)
    expected = {
        "error": {
            "status": 403,
            "message": "Player command failed: Restriction violated",
            "reason": "UNKNOWN",
        }
    }

    resumed = httpx.put(f"{api}/me/player/play", headers=headers)
    httpx.put(f"{api}/me/player/pause", headers=headers)
    paused_again = httpx.put(f"{api}/me/player/pause", headers=headers)

    assert (resumed.status_code, resumed.json()) == (403, expected)
    assert (paused_again.status_code, paused_again.json()) == (403, expected)


def test_next_advances_the_queue_and_records_the_finished_track(sandbox, api):
    headers = bearer(sandbox)
    before = state(sandbox)

    response = httpx.post(f"{api}/me/player/next", headers=headers)

    after = state(sandbox)
    assert response.status_code == 204
    assert after["current"] == before["queue"][0]
    assert after["queue"][-1] == before["current"]
    assert after["progress_ms"] == 0
    newest = httpx.get(f"{api}/me/player/recently-played", params={"limit": 1}, headers=headers).json()
    assert newest["items"][0]["track"]["uri"] == before["current"]
    assert newest["items"][0]["played_at"] > before["recent"][0]["played_at"]
    assert PLAYED_AT.match(newest["items"][0]["played_at"])


def test_play_specific_tracks(sandbox, api):
    headers = bearer(sandbox)
    queue = state(sandbox)["queue"]

    response = httpx.put(f"{api}/me/player/play", json={"uris": queue[2:4]}, headers=headers)

    assert response.status_code == 204
    now = state(sandbox)
    assert now["current"] == queue[2]
    assert now["queue"][0] == queue[3]
    assert now["context"] is None


def test_play_a_context_from_an_offset_and_position(sandbox, api):
    headers = bearer(sandbox)
    album = httpx.get(f"{api}/me/player", headers=headers).json()["item"]["album"]["uri"]
    payload = {"context_uri": album, "offset": {"position": 1}, "position_ms": 5000}

    response = httpx.put(f"{api}/me/player/play", json=payload, headers=headers)

    assert response.status_code == 204
    now = state(sandbox)
    assert now["context"] == album
    assert now["progress_ms"] == 5000
    assert now["is_playing"] is True


def test_play_refuses_an_unknown_track_uri(sandbox, api):
    response = httpx.put(
        f"{api}/me/player/play", json={"uris": ["spotify:track:nope"]}, headers=bearer(sandbox)
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid track uri: spotify:track:nope"


@pytest.mark.parametrize(("method", "path"), [("PUT", "pause"), ("PUT", "play"), ("POST", "next")])
def test_free_users_get_premium_required(sandbox, api, method, path):
    response = httpx.request(method, f"{api}/me/player/{path}", headers=bearer(sandbox, FREE_USER))

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "status": 403,
            "message": "Player command failed: Premium required",
            "reason": "PREMIUM_REQUIRED",
        }
    }


@pytest.mark.parametrize(("method", "path"), [("PUT", "pause"), ("PUT", "play"), ("POST", "next")])
def test_no_active_device_is_404(sandbox, api, method, path):
    response = httpx.request(method, f"{api}/me/player/{path}", headers=bearer(sandbox, IDLE_USER))

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "status": 404,
            "message": "Player command failed: No active device found",
            "reason": "NO_ACTIVE_DEVICE",
        }
    }


def test_naming_an_idle_device_wakes_it(sandbox, api):
    headers = bearer(sandbox, IDLE_USER)

    response = httpx.put(f"{api}/me/player/play", params={"device_id": IDLE_DEVICE_ID}, headers=headers)

    assert response.status_code == 204
    body = httpx.get(f"{api}/me/player", headers=headers).json()
    assert body["device"]["id"] == IDLE_DEVICE_ID
    assert body["is_playing"] is True


def test_an_unknown_device_is_404(sandbox, api):
    response = httpx.put(f"{api}/me/player/pause", params={"device_id": "nope"}, headers=bearer(sandbox))

    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": "Device not found"}}


def test_commands_need_the_modify_scope(sandbox, api):
    headers = bearer(sandbox, scopes=["user-read-playback-state"])

    assert httpx.put(f"{api}/me/player/pause", headers=headers).status_code == 403


def test_reset_restores_the_seeded_state(sandbox, api):
    seeded = state(sandbox)
    httpx.post(f"{api}/me/player/next", headers=bearer(sandbox))
    assert state(sandbox) != seeded

    sandbox.reset()

    assert state(sandbox) == seeded


def test_the_consent_page_looks_like_musichub(accounts):
    """Issue 18 item 10: the demo's newcomer does not seem to leave the app (its colours, a phone
    viewport)."""
    page = httpx.get(f"{accounts}/authorize", params=authorize_params())

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert "<style>" in page.text
    assert "background:#1db954" in page.text
    assert '<html lang="en">' in page.text
