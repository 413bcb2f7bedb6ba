"""The Amazon Music client against the sandbox: Login with Amazon profile, refresh, code exchange."""

import pytest

from core.http import make_http_client
from providers.amazon_music import AmazonMusicClient
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderTokenExpired,
    ProviderUnavailable,
)
from sandbox.services.amazon_music import (
    AMAZON_ACCESS_TOKEN,
    AMAZON_CLIENT_ID,
    AMAZON_CLIENT_SECRET,
    AMAZON_REFRESH_TOKEN,
    AMAZON_USER_ID,
)

REDIRECT_URI = "http://127.0.0.1:8000/amazon/redirect"


@pytest.fixture
def http():
    with make_http_client(timeout=2.0, retries=0) as client:
        yield client


def amazon_client(settings, http, client_secret: str = AMAZON_CLIENT_SECRET) -> AmazonMusicClient:
    return AmazonMusicClient(
        settings.AMAZON_AUTH_URL,
        settings.AMAZON_MUSIC_API_URL,
        client_id=AMAZON_CLIENT_ID,
        client_secret=client_secret,
        redirect_uri=REDIRECT_URI,
        client=http,
    )


@pytest.fixture
def amazon(settings, sandbox, http) -> AmazonMusicClient:
    return amazon_client(settings, http)


def test_profile_and_check_credentials(amazon, sandbox):
    profile = amazon.profile(AMAZON_ACCESS_TOKEN)
    check = amazon.check_credentials(AMAZON_ACCESS_TOKEN)

    assert (profile.user_id, profile.name, profile.email) == (AMAZON_USER_ID, "Wiz", "wiz@example.com")
    assert check.account == AMAZON_USER_ID
    assert check.extra == {"name": "Wiz", "email": "wiz@example.com"}
    assert {call["path"] for call in sandbox.calls()} == {"/amazon-auth/user/profile"}


def test_refresh_gives_a_working_access_token(amazon):
    tokens = amazon.refresh(refresh_token=AMAZON_REFRESH_TOKEN)

    assert tokens.access_token.startswith("Atza|")
    assert tokens.refresh_token == AMAZON_REFRESH_TOKEN
    assert tokens.token_type == "Bearer"
    assert tokens.expires_in == 3600
    assert amazon.profile(tokens.access_token).user_id == AMAZON_USER_ID


def test_code_exchange(amazon, sandbox):
    code = sandbox.admin("amazon_music", "issue_code", redirect_uri=REDIRECT_URI)["code"]

    tokens = amazon.exchange_code(code=code)

    assert tokens.refresh_token
    assert tokens.refresh_token.startswith("Atzr|")
    assert amazon.refresh(refresh_token=tokens.refresh_token).access_token
    with pytest.raises(ProviderAuthError) as caught:
        amazon.exchange_code(code=code)  # single use
    assert caught.value.reason == "invalid_grant"


def test_an_expired_access_token_is_token_expired(amazon, sandbox):
    sandbox.admin("amazon_music", "expire_access_token", access_token=AMAZON_ACCESS_TOKEN)

    with pytest.raises(ProviderTokenExpired) as caught:
        amazon.check_credentials(AMAZON_ACCESS_TOKEN)

    assert caught.value.status == 401
    assert caught.value.reason == "invalid_token"


def test_an_unknown_access_token_is_an_auth_error(amazon):
    with pytest.raises(ProviderAuthError):
        amazon.check_credentials("Atza|nonsense")


def test_an_empty_access_token_fails_without_a_call(amazon, sandbox):
    with pytest.raises(ProviderAuthError):
        amazon.check_credentials("")

    assert sandbox.calls() == []


def test_a_revoked_refresh_token_is_invalid_grant(amazon, sandbox):
    sandbox.admin("amazon_music", "revoke_refresh_token", refresh_token=AMAZON_REFRESH_TOKEN)

    with pytest.raises(ProviderAuthError) as caught:
        amazon.refresh(refresh_token=AMAZON_REFRESH_TOKEN)

    assert caught.value.status == 400
    assert caught.value.reason == "invalid_grant"
    assert not isinstance(caught.value, ProviderTokenExpired)


def test_a_wrong_client_secret_is_invalid_client(settings, sandbox, http):
    with pytest.raises(ProviderAuthError) as caught:
        amazon_client(settings, http, client_secret="wrong").refresh(refresh_token=AMAZON_REFRESH_TOKEN)

    assert caught.value.reason == "invalid_client"
    assert caught.value.message == "Client authentication failed"


def test_faults(amazon, sandbox):
    sandbox.fault("amazon-auth", status=500)
    sandbox.fault("amazon-auth", kind="malformed")
    sandbox.fault("amazon-auth", status=400)

    with pytest.raises(ProviderUnavailable):
        amazon.profile(AMAZON_ACCESS_TOKEN)
    with pytest.raises(ProviderBadResponse):
        amazon.profile(AMAZON_ACCESS_TOKEN)
    with pytest.raises(ProviderError) as caught:
        amazon.profile(AMAZON_ACCESS_TOKEN)
    assert caught.value.reason == "invalid_request"
    assert not isinstance(caught.value, ProviderAuthError)
