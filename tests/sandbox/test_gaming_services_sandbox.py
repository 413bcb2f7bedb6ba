"""The sandbox's raw answers for Trakt, Steam, PSN, OpenXBL and RetroAchievements, checked against
the shapes, statuses and error bodies of PROVIDERS.md §5."""

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.services import psn as psn_seed
from sandbox.services import retroachievements as ra_seed
from sandbox.services import steam as steam_seed
from sandbox.services import trakt as trakt_seed
from sandbox.services import xbox as xbox_seed


@pytest.fixture
def http():
    with httpx.Client(timeout=5, follow_redirects=False) as client:
        yield client


# --- Trakt ----------------------------------------------------------------------------------------

TRAKT_HEADERS = {
    "Content-Type": "application/json",
    "trakt-api-key": trakt_seed.TRAKT_CLIENT_ID,
    "trakt-api-version": "2",
}


def trakt_get(http, sandbox, **headers):
    merged = {key: value for key, value in (TRAKT_HEADERS | headers).items() if value is not None}
    return http.get(sandbox.url + "/trakt/movies/trending", params={"limit": 2}, headers=merged)


def test_trakt_trending_shape(http, sandbox):
    response = trakt_get(http, sandbox)

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 2
    assert set(rows[0]) == {"watchers", "movie"}
    assert set(rows[0]["movie"]) == {"title", "year", "ids"}
    assert set(rows[0]["movie"]["ids"]) == {"trakt", "slug", "imdb", "tmdb"}
    assert response.headers["X-Pagination-Limit"] == "2"
    assert response.headers["X-Pagination-Item-Count"] == str(len(trakt_seed.TRENDING))


def test_trakt_bad_keys(http, sandbox):
    current = trakt_get(http, sandbox, **{"trakt-api-key": trakt_seed.TRAKT_INVALID_CLIENT_ID})
    missing = trakt_get(http, sandbox, **{"trakt-api-key": None})
    legacy = trakt_get(http, sandbox, **{"trakt-api-key": trakt_seed.TRAKT_LEGACY_INVALID_CLIENT_ID})
    locked = trakt_get(http, sandbox, **{"trakt-api-key": trakt_seed.TRAKT_LOCKED_CLIENT_ID})

    assert (current.status_code, current.content) == (403, b"")
    assert missing.status_code == 403
    assert legacy.status_code == 401
    assert legacy.json() == {"status": "failure", "error": "invalid API key"}
    assert locked.status_code == 423
    assert locked.headers["X-Account-Locked"] == "true"


def test_trakt_insists_on_the_required_headers(http, sandbox):
    assert trakt_get(http, sandbox, **{"trakt-api-version": None}).status_code == 400
    assert trakt_get(http, sandbox, **{"Content-Type": None}).status_code == 412


def test_trakt_rate_limit_headers(http, sandbox):
    sandbox.admin("trakt", "set_rate_limit", limit=1, period=120)
    assert trakt_get(http, sandbox).status_code == 200

    response = trakt_get(http, sandbox)

    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 120
    rate_limit = json.loads(response.headers["X-Ratelimit"])
    assert set(rate_limit) == {"name", "period", "limit", "remaining", "until"}
    assert (rate_limit["name"], rate_limit["limit"], rate_limit["remaining"]) == (
        "UNAUTHED_API_GET_LIMIT",
        1,
        0,
    )
    assert rate_limit["until"].endswith("Z")


# --- Steam ----------------------------------------------------------------------------------------


def steam_get(http, sandbox, **params):
    return http.get(sandbox.url + "/steam/ISteamUser/GetPlayerSummaries/v0002/", params=params)


def test_steam_player_summaries_shape(http, sandbox):
    response = steam_get(http, sandbox, key=steam_seed.STEAM_API_KEY, steamids=steam_seed.STEAM_ID)

    assert response.status_code == 200
    (player,) = response.json()["response"]["players"]
    assert {
        "steamid",
        "communityvisibilitystate",
        "profilestate",
        "personaname",
        "profileurl",
        "avatar",
        "avatarmedium",
        "avatarfull",
        "personastate",
    } <= set(player)
    assert player["steamid"] == steam_seed.STEAM_ID
    assert player["communityvisibilitystate"] == 3


def test_steam_unknown_id_is_an_empty_list(http, sandbox):
    response = steam_get(http, sandbox, key=steam_seed.STEAM_API_KEY, steamids=steam_seed.STEAM_UNKNOWN_ID)

    assert response.json() == {"response": {"players": []}}


def test_steam_bad_key_is_the_forbidden_html_page(http, sandbox):
    response = steam_get(http, sandbox, key=steam_seed.STEAM_INVALID_API_KEY, steamids=steam_seed.STEAM_ID)

    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text == (
        "<html><head><title>Forbidden</title></head><body><h1>Forbidden</h1>Access is denied. "
        "Retrying will not help. Please verify your <pre>key=</pre> parameter.</body></html>"
    )


def test_steam_missing_parameters_are_400(http, sandbox):
    no_key = steam_get(http, sandbox, steamids=steam_seed.STEAM_ID)
    no_ids = steam_get(http, sandbox, key=steam_seed.STEAM_API_KEY)

    assert no_key.status_code == 400
    assert "Required parameter 'key' is missing" in no_key.text
    assert no_ids.status_code == 400
    assert "Required parameter 'steamids' is missing" in no_ids.text


# --- PSN ------------------------------------------------------------------------------------------

AUTHORIZE_PARAMS = {
    "access_type": "offline",
    "client_id": psn_seed.PSN_CLIENT_ID,
    "redirect_uri": psn_seed.PSN_REDIRECT_URI,
    "response_type": "code",
    "scope": psn_seed.PSN_SCOPE,
}
BASIC = (psn_seed.PSN_CLIENT_ID, psn_seed.PSN_CLIENT_SECRET)


def authorize(http, sandbox, npsso):
    response = http.get(
        sandbox.url + "/psn-auth/api/authz/v3/oauth/authorize",
        params=AUTHORIZE_PARAMS,
        headers={"Cookie": f"npsso={npsso}"},
    )
    location = response.headers.get("Location", "")
    return response, location, parse_qs(urlsplit(location).query)


def exchange(http, sandbox, code, auth=BASIC):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": psn_seed.PSN_REDIRECT_URI,
        "token_format": "jwt",
    }
    return http.post(sandbox.url + "/psn-auth/api/authz/v3/oauth/token", data=form, auth=auth)


def test_psn_authorize_redirects_with_a_code_for_a_valid_npsso(http, sandbox):
    response, location, query = authorize(http, sandbox, psn_seed.PSN_NPSSO)

    assert response.status_code == 302
    assert location.startswith(psn_seed.PSN_REDIRECT_URI + "?")
    assert query["code"][0].startswith("v3.")
    assert query["cid"]


def test_psn_authorize_redirects_without_a_code_for_a_bad_npsso(http, sandbox):
    response, _, query = authorize(http, sandbox, psn_seed.PSN_EXPIRED_NPSSO)

    assert response.status_code == 302
    assert "code" not in query
    assert query["error"] == ["login_required"]


def test_psn_token_exchange_shape_and_single_use_codes(http, sandbox):
    code = authorize(http, sandbox, psn_seed.PSN_NPSSO)[2]["code"][0]

    response = exchange(http, sandbox, code)
    reused = exchange(http, sandbox, code)

    assert response.status_code == 200
    assert set(response.json()) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "id_token",
        "scope",
    }
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_psn_token_endpoint_checks_basic_auth(http, sandbox):
    code = authorize(http, sandbox, psn_seed.PSN_NPSSO)[2]["code"][0]

    response = exchange(http, sandbox, code, auth=(psn_seed.PSN_CLIENT_ID, "wrong"))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"] == "Bad client credentials"


def test_psn_refresh_grant_and_bearer_profile(http, sandbox):
    code = authorize(http, sandbox, psn_seed.PSN_NPSSO)[2]["code"][0]
    tokens = exchange(http, sandbox, code).json()

    refreshed = http.post(
        sandbox.url + "/psn-auth/api/authz/v3/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "token_format": "jwt"},
        auth=BASIC,
    )
    profile_url = sandbox.url + "/psn-api/api/userProfile/v1/internal/users/me/profiles"
    profile = http.get(profile_url, headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})
    anonymous = http.get(profile_url)

    assert refreshed.status_code == 200
    assert profile.status_code == 200
    assert {"onlineId", "aboutMe", "avatars", "languages", "isPlus", "isOfficiallyVerified", "isMe"} <= set(
        profile.json()
    )
    assert anonymous.status_code == 401
    assert set(anonymous.json()["error"]) == {"referenceId", "code", "message"}


# --- OpenXBL --------------------------------------------------------------------------------------


def xbox_get(http, sandbox, key):
    return http.get(
        sandbox.url + "/xbox/api/v2/account",
        headers={"X-Authorization": key, "X-Contract": "100", "Accept": "application/json"},
    )


def test_openxbl_account_shape_and_rate_limit_headers(http, sandbox):
    response = xbox_get(http, sandbox, xbox_seed.XBOX_API_KEY)

    assert response.status_code == 200
    (user,) = response.json()["profileUsers"]
    assert set(user) == {"id", "hostId", "settings", "isSponsoredUser"}
    settings = {setting["id"]: setting["value"] for setting in user["settings"]}
    assert (settings["Gamertag"], settings["Gamerscore"]) == ("Wiz", "1200")
    assert response.headers["X-RateLimit-Limit"] == "150"
    assert response.headers["X-RateLimit-Spent"] == "1"
    assert response.headers["X-RateLimit-Remaining"] == "149"


def test_openxbl_bad_key_is_401_with_rate_limit_headers(http, sandbox):
    response = xbox_get(http, sandbox, xbox_seed.XBOX_INVALID_API_KEY)

    assert response.status_code == 401
    assert "X-RateLimit-Remaining" in response.headers


# --- RetroAchievements ----------------------------------------------------------------------------


def ra_get(http, sandbox, **params):
    return http.get(sandbox.url + "/retroachievements/API/API_GetUserProfile.php", params=params)


def test_ra_profile_shape(http, sandbox):
    response = ra_get(http, sandbox, y=ra_seed.RA_API_KEY, u=ra_seed.RA_USERNAME)

    assert response.status_code == 200
    assert {
        "User",
        "ULID",
        "UserPic",
        "MemberSince",
        "RichPresenceMsg",
        "LastGameID",
        "TotalPoints",
        "TotalSoftcorePoints",
        "TotalTruePoints",
        "Permissions",
        "Untracked",
        "ID",
        "UserWallActive",
        "Motto",
    } <= set(response.json())


def test_ra_profile_by_ulid(http, sandbox):
    response = ra_get(http, sandbox, y=ra_seed.RA_API_KEY, i=ra_seed.RA_ULID)

    assert response.json()["User"] == ra_seed.RA_USERNAME


def test_ra_bad_key_is_the_401_json(http, sandbox):
    response = ra_get(http, sandbox, y=ra_seed.RA_INVALID_API_KEY, u=ra_seed.RA_USERNAME)

    assert response.status_code == 401
    assert response.json() == {
        "message": "Unauthenticated.",
        "errors": [{"status": 401, "code": "unauthorized", "title": "Unauthenticated."}],
    }


def test_ra_unknown_and_malformed_users(http, sandbox):
    unknown = ra_get(http, sandbox, y=ra_seed.RA_API_KEY, u=ra_seed.RA_UNKNOWN_USERNAME)
    malformed = ra_get(http, sandbox, y=ra_seed.RA_API_KEY, u="x")

    assert (unknown.status_code, unknown.json()) == (404, [])
    assert malformed.status_code == 422
    assert set(malformed.json()["errors"]) == {"u"}
