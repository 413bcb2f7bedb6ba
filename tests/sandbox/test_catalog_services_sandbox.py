"""The fake Deezer, Apple Music, Tidal and Amazon services answer in the shapes of PROVIDERS.md §5."""

import base64
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from providers.apple_music import load_private_key, make_developer_token
from sandbox.services.amazon_music import (
    AMAZON_ACCESS_TOKEN,
    AMAZON_CLIENT_ID,
    AMAZON_CLIENT_SECRET,
    AMAZON_REFRESH_TOKEN,
    AMAZON_USER_ID,
)
from sandbox.services.apple_music import (
    APPLE_KEY_ID,
    APPLE_PRIVATE_KEY_PEM,
    APPLE_PUBLIC_POINT,
    APPLE_TEAM_ID,
    developer_token_is_valid,
    es256_verify,
)
from sandbox.services.deezer import DEEZER_ACCESS_TOKEN, DEEZER_APP_ID, DEEZER_APP_SECRET, DEEZER_USER_ID
from sandbox.services.tidal import TIDAL_CLIENT_ID, TIDAL_CLIENT_SECRET, TIDAL_FIRST_TRACK_ID

REDIRECT_URI = "http://127.0.0.1:8000/callback"


def get(sandbox, path: str, **kwargs) -> httpx.Response:
    return httpx.get(sandbox.url + path, timeout=5, **kwargs)


def post(sandbox, path: str, **kwargs) -> httpx.Response:
    return httpx.post(sandbox.url + path, timeout=5, **kwargs)


# --- Deezer ---------------------------------------------------------------------------------------


def deezer_code(sandbox, perms: str = "basic_access,email") -> str:
    response = get(
        sandbox,
        "/deezer-connect/oauth/auth.php",
        params={"app_id": DEEZER_APP_ID, "redirect_uri": REDIRECT_URI, "perms": perms, "state": "st"},
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["st"]
    return query["code"][0]


def test_deezer_access_token_is_a_query_string(sandbox):
    params = {"app_id": DEEZER_APP_ID, "secret": DEEZER_APP_SECRET, "code": deezer_code(sandbox)}

    response = get(sandbox, "/deezer-connect/oauth/access_token.php", params=params)

    assert response.status_code == 200
    fields = parse_qs(response.text)
    assert set(fields) == {"access_token", "expires"}
    assert fields["expires"] == ["3600"]


def test_deezer_access_token_as_json_and_offline_access(sandbox):
    code = deezer_code(sandbox, perms="basic_access,offline_access")
    params = {"app_id": DEEZER_APP_ID, "secret": DEEZER_APP_SECRET, "code": code, "output": "json"}

    body = get(sandbox, "/deezer-connect/oauth/access_token.php", params=params).json()

    assert set(body) == {"access_token", "expires"}
    assert body["expires"] == 0


def test_deezer_refused_codes(sandbox):
    params = {"app_id": DEEZER_APP_ID, "secret": DEEZER_APP_SECRET, "code": "nope"}

    text = get(sandbox, "/deezer-connect/oauth/access_token.php", params=params)
    as_json = get(sandbox, "/deezer-connect/oauth/access_token.php", params={**params, "output": "json"})

    assert (text.status_code, text.text) == (200, "wrong code")
    assert as_json.status_code == 200
    assert as_json.json()["error"]["type"] == "OAuthException"


def test_deezer_user_me(sandbox):
    body = get(sandbox, "/deezer-api/user/me", params={"access_token": DEEZER_ACCESS_TOKEN}).json()

    assert body["id"] == DEEZER_USER_ID
    assert {"id", "name", "country", "link", "picture", "tracklist", "type"} <= set(body)
    assert body["type"] == "user"
    assert body["link"] == f"https://www.deezer.com/profile/{DEEZER_USER_ID}"


@pytest.mark.parametrize(
    ("path", "params", "error"),
    [
        (
            "/deezer-api/user/me",
            {"access_token": "bad"},
            {"type": "OAuthException", "message": "Invalid OAuth access token.", "code": 300},
        ),
        ("/deezer-api/user/me", {}, {"type": "OAuthException", "code": 200}),
        ("/deezer-api/user/123456789", {}, {"type": "DataException", "message": "no data", "code": 800}),
    ],
)
def test_deezer_errors_arrive_with_http_200(sandbox, path, params, error):
    response = get(sandbox, path, params=params)

    assert response.status_code == 200
    assert error.items() <= response.json()["error"].items()


def test_deezer_quota_error(sandbox):
    sandbox.admin("deezer", "set_rate_limit", requests=1, window=60)
    get(sandbox, "/deezer-api/user/me", params={"access_token": DEEZER_ACCESS_TOKEN})

    response = get(sandbox, "/deezer-api/user/me", params={"access_token": DEEZER_ACCESS_TOKEN})

    assert response.status_code == 200
    assert response.json() == {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}


# --- Apple Music ----------------------------------------------------------------------------------


def apple_token(**overrides) -> str:
    options = {"team_id": APPLE_TEAM_ID, "key_id": APPLE_KEY_ID, "private_key_pem": APPLE_PRIVATE_KEY_PEM}
    return make_developer_token(**{**options, **overrides})


OTHER_KEY_PEM = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)


def test_the_sandbox_key_pair_matches_cryptography():
    numbers = load_private_key(APPLE_PRIVATE_KEY_PEM).public_key().public_numbers()

    assert (numbers.x, numbers.y) == APPLE_PUBLIC_POINT


def test_the_pure_python_verifier_agrees_with_cryptography():
    token = apple_token()
    signing_input, _, signature = token.rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    tampered = raw[:-1] + bytes([raw[-1] ^ 1])

    assert es256_verify(APPLE_PUBLIC_POINT, signing_input.encode(), raw)
    assert not es256_verify(APPLE_PUBLIC_POINT, signing_input.encode(), tampered)
    assert not es256_verify(APPLE_PUBLIC_POINT, (signing_input + "x").encode(), raw)
    assert developer_token_is_valid(token, now=time.time())


def test_apple_search_shape(sandbox):
    response = get(
        sandbox,
        "/apple-music/v1/catalog/us/search",
        params={"term": "nova", "types": "songs", "limit": "1"},
        headers={"Authorization": f"Bearer {apple_token()}"},
    )

    assert response.status_code == 200
    body = response.json()
    songs = body["results"]["songs"]
    assert songs["href"].startswith("/v1/catalog/us/search?")
    assert songs["next"].startswith("/v1/catalog/us/search?")
    song = songs["data"][0]
    assert (song["type"], song["href"]) == ("songs", f"/v1/catalog/us/songs/{song['id']}")
    assert {
        "name",
        "artistName",
        "albumName",
        "durationInMillis",
        "isrc",
        "url",
        "artwork",
        "playParams",
    } <= set(song["attributes"])
    assert "{w}x{h}" in song["attributes"]["artwork"]["url"]
    assert body["meta"] == {"results": {"order": ["songs"], "rawOrder": ["songs"]}}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer garbage",
        f"Bearer {apple_token(key_id='OTHERKEY01')}",
        f"Bearer {apple_token(team_id='OTHERTEAM1')}",
        f"Bearer {apple_token(private_key_pem=OTHER_KEY_PEM)}",
    ],
    ids=["none", "garbage", "wrong kid", "wrong iss", "bad signature"],
)
def test_apple_refuses_with_an_empty_401(sandbox, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = get(sandbox, "/apple-music/v1/catalog/us/search?term=nova&types=songs", headers=headers)

    assert response.status_code == 401
    assert response.content == b""


def test_apple_not_found_errors_shape(sandbox):
    response = get(
        sandbox, "/apple-music/v1/catalog/us/songs/1", headers={"Authorization": f"Bearer {apple_token()}"}
    )

    assert response.status_code == 404
    (error,) = response.json()["errors"]
    assert set(error) == {"id", "title", "detail", "status", "code"}
    assert (error["status"], error["code"]) == ("404", "40400")


# --- Tidal ----------------------------------------------------------------------------------------


def tidal_token(sandbox, client_id=TIDAL_CLIENT_ID, secret=TIDAL_CLIENT_SECRET) -> httpx.Response:
    return post(
        sandbox,
        "/tidal-auth/v1/oauth2/token",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials"},
    )


def test_tidal_token_shape(sandbox):
    response = tidal_token(sandbox)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["access_token"].startswith("eyJ")
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 86400, "")


def test_tidal_unknown_client(sandbox):
    response = tidal_token(sandbox, client_id="XXXX")

    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "error": "invalid_client",
        "sub_status": 1005,
        "error_description": "Client with token XXXX not found",
    }


def test_tidal_track_is_json_api(sandbox):
    token = tidal_token(sandbox).json()["access_token"]

    response = get(
        sandbox,
        f"/tidal-api/v2/tracks/{TIDAL_FIRST_TRACK_ID}",
        params={"countryCode": "US"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.api+json"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.api+json"
    body = response.json()
    assert (body["data"]["id"], body["data"]["type"]) == (str(TIDAL_FIRST_TRACK_ID), "tracks")
    assert body["data"]["attributes"]["duration"].startswith("PT")
    assert body["links"]["self"] == f"/tracks/{TIDAL_FIRST_TRACK_ID}?countryCode=US"


@pytest.mark.parametrize(
    ("token", "params", "status"),
    [
        (None, {"countryCode": "US"}, 401),
        ("valid", {}, 400),
        ("valid", {"countryCode": "US", "_id": "1"}, 404),
    ],
)
def test_tidal_api_errors_are_json_api(sandbox, token, params, status):
    headers = {"Authorization": f"Bearer {tidal_token(sandbox).json()['access_token']}"} if token else {}
    track_id = params.pop("_id", TIDAL_FIRST_TRACK_ID)

    response = get(sandbox, f"/tidal-api/v2/tracks/{track_id}", params=params, headers=headers)

    assert response.status_code == status
    (error,) = response.json()["errors"]
    assert error["status"] == str(status)
    assert error["code"]
    assert error["detail"]


# --- Amazon ---------------------------------------------------------------------------------------


def test_amazon_refresh_and_profile(sandbox):
    response = post(
        sandbox,
        "/amazon-auth/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": AMAZON_REFRESH_TOKEN,
            "client_id": AMAZON_CLIENT_ID,
            "client_secret": AMAZON_CLIENT_SECRET,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    profile = get(
        sandbox, "/amazon-auth/user/profile", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert profile.json() == {"user_id": AMAZON_USER_ID, "name": "Wiz", "email": "wiz@example.com"}


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "refresh_token", "refresh_token": "Atzr|nope"}, 400, "invalid_grant"),
        (
            {"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT_URI},
            400,
            "invalid_grant",
        ),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "client_secret": "wrong"}, 401, "invalid_client"),
    ],
)
def test_amazon_token_errors_are_rfc_6749(sandbox, form, status, error):
    data = {"client_id": AMAZON_CLIENT_ID, "client_secret": AMAZON_CLIENT_SECRET, **form}

    response = post(sandbox, "/amazon-auth/auth/o2/token", data=data)

    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error


def test_amazon_profile_refuses_a_bad_token(sandbox):
    response = get(sandbox, "/amazon-auth/user/profile", headers={"Authorization": "Bearer Atza|nope"})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert get(
        sandbox, "/amazon-auth/user/profile", headers={"Authorization": f"Bearer {AMAZON_ACCESS_TOKEN}"}
    ).json()


def test_the_amazon_music_api_is_a_closed_beta(sandbox):
    response = get(sandbox, "/amazon-music/v1/me", headers={"Authorization": f"Bearer {AMAZON_ACCESS_TOKEN}"})

    assert response.status_code == 403
    assert "closed beta" in response.json()["message"]


def test_every_setting_points_at_its_prefix(sandbox):
    expected = {
        "DEEZER_API_URL": "/deezer-api",
        "DEEZER_CONNECT_URL": "/deezer-connect",
        "APPLE_MUSIC_API_URL": "/apple-music/v1",
        "TIDAL_API_URL": "/tidal-api/v2",
        "TIDAL_AUTH_URL": "/tidal-auth/v1/oauth2",
        "AMAZON_MUSIC_API_URL": "/amazon-music/v1",
        "AMAZON_AUTH_URL": "/amazon-auth",
        "YOUTUBE_API_URL": "/youtube/v3",
    }

    assert {name: sandbox.env[name].removeprefix(sandbox.url) for name in expected} == expected
