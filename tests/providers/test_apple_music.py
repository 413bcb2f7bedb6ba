"""Apple Music: the ES256 developer token, verified independently, and the client against the sandbox."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.http import make_http_client
from providers.apple_music import (
    MAX_TOKEN_LIFETIME_SECONDS,
    AppleMusicClient,
    InvalidDeveloperKey,
    load_private_key,
    make_developer_token,
)
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotFound,
    ProviderUnavailable,
)
from sandbox.services.apple_music import (
    APPLE_KEY_ID,
    APPLE_MUSIC_USER_TOKEN,
    APPLE_PRIVATE_KEY_PEM,
    APPLE_TEAM_ID,
)


def pem_of(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def token(**overrides) -> str:
    options = {"team_id": APPLE_TEAM_ID, "key_id": APPLE_KEY_ID, "private_key_pem": APPLE_PRIVATE_KEY_PEM}
    return make_developer_token(**{**options, **overrides})


@pytest.fixture
def http():
    with make_http_client(timeout=2.0, retries=0) as client:
        yield client


def apple(settings, http, developer_token: str | None = None, **kwargs) -> AppleMusicClient:
    return AppleMusicClient(settings.APPLE_MUSIC_API_URL, developer_token or token(), client=http, **kwargs)


# --- the developer token -------------------------------------------------------------------------


def test_the_token_is_an_es256_jwt_that_verifies_with_the_public_key():
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    public_key = load_private_key(APPLE_PRIVATE_KEY_PEM).public_key()

    developer_token = token(lifetime_seconds=3600, now=now)

    assert jwt.get_unverified_header(developer_token) == {"alg": "ES256", "kid": APPLE_KEY_ID}
    claims = jwt.decode(
        developer_token, public_key, algorithms=["ES256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims == {"iss": APPLE_TEAM_ID, "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 3600}


def test_a_token_signed_with_another_key_does_not_verify():
    other = ec.generate_private_key(ec.SECP256R1())

    developer_token = token(private_key_pem=pem_of(other))

    public_key = load_private_key(APPLE_PRIVATE_KEY_PEM).public_key()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(developer_token, public_key, algorithms=["ES256"])


def test_the_longest_token_apple_accepts():
    now = datetime(2026, 11, 1, tzinfo=UTC)

    claims = jwt.decode(
        token(lifetime_seconds=MAX_TOKEN_LIFETIME_SECONDS, now=now), options={"verify_signature": False}
    )

    assert claims["exp"] - claims["iat"] == 15_777_000
    with pytest.raises(InvalidDeveloperKey, match="six months"):
        token(lifetime_seconds=MAX_TOKEN_LIFETIME_SECONDS + 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"private_key_pem": "not a key"}, "BEGIN PRIVATE KEY"),
        (
            {"private_key_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
            "cannot be read",
        ),
        ({"team_id": "short"}, "team id"),
        ({"key_id": ""}, "key id"),
    ],
)
def test_bad_inputs_are_clear_value_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        token(**overrides)


def test_a_key_of_another_kind_is_refused():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p384_key = ec.generate_private_key(ec.SECP384R1())

    for key in (rsa_key, p384_key):
        with pytest.raises(InvalidDeveloperKey, match="P-256"):
            token(private_key_pem=pem_of(key))


# --- the client ------------------------------------------------------------------------------------


def test_search_songs(settings, sandbox, http):
    songs = apple(settings, http).search_songs("nova headlights", limit=5)

    assert len(songs) == 1
    song = songs[0]
    assert (song.name, song.artist_name, song.album_name) == ("Headlights", "Nova Lane", "Night Drive")
    assert song.id.isdigit()
    assert song.duration_ms
    assert song.duration_ms > 100_000
    assert song.isrc
    assert song.isrc.startswith("USXX1")
    assert song.artwork_url
    assert "{w}x{h}" in song.artwork_url
    assert song.url
    assert song.url.startswith("https://music.apple.com/us/")
    call = sandbox.calls("apple-music")[0]
    assert call["path"].endswith("/catalog/us/search")
    assert "types=songs" in call["query"]
    assert "limit=5" in call["query"]


def test_search_with_no_match_is_empty(settings, sandbox, http):
    assert apple(settings, http).search_songs("zzzz nothing", limit=5) == ()


def test_check_credentials_with_the_developer_token(settings, sandbox, http):
    check = apple(settings, http).check_credentials()

    assert check.detail == "the developer token answered a catalog search"
    assert len(sandbox.calls("apple-music")) == 1


def test_check_credentials_with_a_music_user_token(settings, sandbox, http):
    check = apple(settings, http, music_user_token=APPLE_MUSIC_USER_TOKEN).check_credentials()

    assert check.extra["storefront"] == "se"
    assert "Sweden" in check.detail


def test_a_bad_music_user_token_is_an_auth_error(settings, sandbox, http):
    with pytest.raises(ProviderAuthError) as caught:
        apple(settings, http, music_user_token="not-a-user-token").check_credentials()

    assert caught.value.status == 403
    assert caught.value.reason == "40300"


@pytest.mark.parametrize(
    "bad_token",
    [
        pytest.param(lambda: token(key_id="WRONGKEY01"), id="wrong kid"),
        pytest.param(lambda: token(team_id="WRONGTEAM1"), id="wrong iss"),
        pytest.param(
            lambda: token(private_key_pem=pem_of(ec.generate_private_key(ec.SECP256R1()))), id="bad sig"
        ),
        pytest.param(
            lambda: token(now=datetime.now(UTC) - timedelta(days=2), lifetime_seconds=3600), id="expired"
        ),
        pytest.param(lambda: token(now=datetime.now(UTC) + timedelta(days=30)), id="issued in the future"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
    ],
)
def test_refused_developer_tokens_get_the_empty_401(settings, sandbox, http, bad_token):
    with pytest.raises(ProviderAuthError) as caught:
        apple(settings, http, developer_token=bad_token()).check_credentials()

    assert caught.value.status == 401
    assert "empty body" in caught.value.message


def test_a_token_that_outlives_six_months_gets_the_empty_401(settings, sandbox, http):
    # Hand-made, since make_developer_token refuses to build one.
    header = {"alg": "ES256", "kid": APPLE_KEY_ID}
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": APPLE_TEAM_ID, "iat": now, "exp": now + MAX_TOKEN_LIFETIME_SECONDS + 3600}
    over_long = jwt.encode(claims, APPLE_PRIVATE_KEY_PEM, algorithm="ES256", headers=header)

    with pytest.raises(ProviderAuthError):
        apple(settings, http, developer_token=over_long).check_credentials()


def test_a_revoked_key_gets_the_empty_401(settings, sandbox, http):
    sandbox.admin("apple_music", "revoke_key", revoked=True)

    with pytest.raises(ProviderAuthError):
        apple(settings, http).check_credentials()


def test_parameter_errors_keep_apples_detail(settings, sandbox, http):
    with pytest.raises(ProviderError) as caught:
        apple(settings, http).search_songs("nova", limit=26)

    assert caught.value.status == 400
    assert caught.value.message == "Value must be an integer between 1 and 25"
    assert caught.value.reason == "40005"


def test_an_unknown_storefront(settings, sandbox, http):
    with pytest.raises(ProviderError) as caught:
        apple(settings, http).search_songs("nova", storefront="xx")

    assert caught.value.status == 400


def test_faults(settings, sandbox, http):
    client = apple(settings, http)
    sandbox.fault("apple-music", status=404)
    sandbox.fault("apple-music", status=500)
    sandbox.fault("apple-music", kind="malformed")
    sandbox.fault("apple-music", kind="plain", status=400, message="<html>Bad Request</html>")

    with pytest.raises(ProviderNotFound):
        client.search_songs("nova")
    with pytest.raises(ProviderUnavailable):
        client.search_songs("nova")
    with pytest.raises(ProviderBadResponse):
        client.search_songs("nova")
    with pytest.raises(ProviderBadResponse):
        client.search_songs("nova")
    assert client.search_songs("nova")
