"""The Tidal client against the sandbox: client-credentials token, a JSON:API track, invalid_client."""

import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
)
from providers.tidal import TidalClient, parse_iso_duration
from sandbox.services.tidal import TIDAL_CLIENT_ID, TIDAL_CLIENT_SECRET, TIDAL_FIRST_TRACK_ID

TRACK_ID = str(TIDAL_FIRST_TRACK_ID)


@pytest.fixture
def http():
    with make_http_client(timeout=2.0, retries=0) as client:
        yield client


def tidal(settings, http, client_id=TIDAL_CLIENT_ID, secret=TIDAL_CLIENT_SECRET) -> TidalClient:
    return TidalClient(settings.TIDAL_API_URL, settings.TIDAL_AUTH_URL, client_id, secret, client=http)


def test_token_uses_client_credentials(settings, sandbox, http):
    tokens = tidal(settings, http).token()

    assert tokens.access_token.startswith("eyJ")
    assert tokens.token_type == "Bearer"
    assert tokens.expires_in == 86400
    assert tokens.scope == ()
    assert tokens.expires_at is not None


def test_check_credentials_is_a_token(settings, sandbox, http):
    check = tidal(settings, http).check_credentials()

    assert check.account == TIDAL_CLIENT_ID
    assert check.extra == {"expires_in": "86400"}
    assert [call["path"] for call in sandbox.calls()] == ["/tidal-auth/v1/oauth2/token"]


def test_track_reads_json_api(settings, sandbox, http):
    track = tidal(settings, http).track(TRACK_ID, country_code="SE")

    assert track.id == TRACK_ID
    assert track.title == "Headlights"
    assert track.isrc
    assert track.isrc.startswith("USXX1")
    assert track.duration_seconds
    assert 140 <= track.duration_seconds < 330
    assert isinstance(track.explicit, bool)
    assert track.popularity is not None
    api_calls = sandbox.calls("tidal-api")
    assert len(api_calls) == 1
    assert api_calls[0]["query"] == "countryCode=SE"


def test_the_token_is_reused_then_renewed_after_a_refusal(settings, sandbox, http):
    client = tidal(settings, http)
    client.track(TRACK_ID)
    client.track(TRACK_ID)
    sandbox.admin("tidal", "expire_token")

    assert client.track(TRACK_ID).id == TRACK_ID
    # Tidal's calls only: a call another test's background work makes late may land in the shared log.
    assert [call["channel"] for call in sandbox.calls() if call["channel"].startswith("tidal")] == [
        "tidal-auth",
        "tidal-api",
        "tidal-api",
        "tidal-api",  # 401: the token was expired early
        "tidal-auth",
        "tidal-api",
    ]


def test_a_persistent_401_from_the_api_is_an_auth_error(settings, sandbox, http):
    sandbox.fault("tidal-api", status=401, count=2)

    with pytest.raises(ProviderAuthError) as caught:
        tidal(settings, http).track(TRACK_ID)

    assert caught.value.reason == "UNAUTHORIZED"


def test_an_unknown_client_is_invalid_client(settings, sandbox, http):
    with pytest.raises(ProviderAuthError) as caught:
        tidal(settings, http, client_id="nobody").check_credentials()

    assert caught.value.status == 401
    assert caught.value.reason == "invalid_client"
    assert caught.value.message == "Client with token nobody not found"


def test_a_wrong_secret_is_invalid_client(settings, sandbox, http):
    with pytest.raises(ProviderAuthError) as caught:
        tidal(settings, http, secret="wrong").check_credentials()

    assert caught.value.reason == "invalid_client"


def test_missing_credentials_fail_before_calling(settings, sandbox, http):
    with pytest.raises(ProviderAuthError):
        tidal(settings, http, secret="").check_credentials()

    assert sandbox.calls() == []


def test_an_unknown_track_is_not_found(settings, sandbox, http):
    with pytest.raises(ProviderNotFound) as caught:
        tidal(settings, http).track("1")

    assert caught.value.reason == "NOT_FOUND"


def test_faults(settings, sandbox, http):
    client = tidal(settings, http)
    sandbox.fault("tidal-auth", status=503)
    sandbox.fault("tidal-api", status=429, retry_after=3)
    sandbox.fault("tidal-api", kind="malformed")

    with pytest.raises(ProviderUnavailable):
        client.token()
    with pytest.raises(ProviderRateLimited) as caught:
        client.track(TRACK_ID)
    assert caught.value.retry_after == 3
    with pytest.raises(ProviderBadResponse):
        client.track(TRACK_ID)


def test_a_non_json_token_error(settings, sandbox, http):
    sandbox.fault("tidal-auth", kind="plain", status=400, message="<html>nope</html>")

    with pytest.raises(ProviderBadResponse):
        tidal(settings, http).token()


def test_a_non_auth_oauth_error_keeps_its_code(settings, sandbox, http):
    sandbox.fault("tidal-auth", status=400)

    with pytest.raises(ProviderError) as caught:
        tidal(settings, http).token()

    assert caught.value.reason == "invalid_request"
    assert not isinstance(caught.value, ProviderAuthError)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("PT3M35S", 215),
        ("PT45S", 45),
        ("PT1H2M3S", 3723),
        ("PT2M58.5S", 178),
        ("P1DT1S", 86401),
        ("PT", None),
        ("3:35", None),
        (None, None),
    ],
)
def test_parse_iso_duration(value, seconds):
    assert parse_iso_duration(value) == seconds
