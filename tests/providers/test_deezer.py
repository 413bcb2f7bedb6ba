"""The Deezer client against the sandbox: the connect flow, /user/me, and errors that arrive with HTTP 200."""

from urllib.parse import parse_qs, urlsplit

import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
)
from providers.deezer import DeezerClient, DeezerConnect, parse_access_token_body
from sandbox.services.deezer import DEEZER_ACCESS_TOKEN, DEEZER_APP_ID, DEEZER_APP_SECRET, DEEZER_USER_ID

REDIRECT_URI = "http://127.0.0.1:8000/deezer/redirect"


@pytest.fixture
def http():
    with make_http_client(timeout=2.0, retries=0) as client:
        yield client


def connect(settings, http, secret: str = DEEZER_APP_SECRET) -> DeezerConnect:
    return DeezerConnect(settings.DEEZER_CONNECT_URL, DEEZER_APP_ID, secret, REDIRECT_URI, client=http)


def authorize(http, url: str) -> dict[str, str]:
    """What the browser would bring back to our redirect URI."""
    response = http.get(url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


# --- connect flow ------------------------------------------------------------------------------


def test_authorization_url_carries_app_perms_and_state(settings, sandbox, http):
    request = connect(settings, http).authorization_url(perms=["basic_access", "email"], state="s-123")

    query = parse_qs(urlsplit(request.url).query)
    assert request.url.startswith(settings.DEEZER_CONNECT_URL + "/oauth/auth.php?")
    assert query == {
        "app_id": [DEEZER_APP_ID],
        "redirect_uri": [REDIRECT_URI],
        "perms": ["basic_access,email"],
        "state": ["s-123"],
    }
    assert request.state == "s-123"
    assert connect(settings, http).authorization_url(perms=["basic_access"]).state  # generated when omitted


def test_code_exchange_then_me(settings, sandbox, http):
    flow = connect(settings, http)
    request = flow.authorization_url(perms=["basic_access", "email"], state="abc")
    answer = authorize(http, request.url)
    assert answer["state"] == "abc"

    tokens = flow.exchange_code(code=answer["code"])

    assert tokens.expires_in == 3600
    assert tokens.expires_at is not None
    assert tokens.refresh_token is None
    user = DeezerClient(settings.DEEZER_API_URL, tokens.access_token, client=http).me()
    assert user.id == DEEZER_USER_ID
    assert user.name == "wiz"
    assert user.country == "SE"
    assert user.email == "wiz@example.com"
    assert user.link == f"https://www.deezer.com/profile/{DEEZER_USER_ID}"


def test_offline_access_tokens_never_expire(settings, sandbox, http):
    flow = connect(settings, http)
    answer = authorize(http, flow.authorization_url(perms=["basic_access", "offline_access"]).url)

    tokens = flow.exchange_code(code=answer["code"])

    assert tokens.expires_in is None
    assert tokens.expires_at is None


def test_a_denied_consent_comes_back_without_a_code(settings, sandbox, http):
    sandbox.admin("deezer", "set_consent", approve=False)

    answer = authorize(http, connect(settings, http).authorization_url(perms=["basic_access"], state="x").url)

    assert answer == {"error_reason": "user_denied", "state": "x"}


def test_a_code_is_single_use(settings, sandbox, http):
    flow = connect(settings, http)
    code = authorize(http, flow.authorization_url(perms=["basic_access"]).url)["code"]
    flow.exchange_code(code=code)

    with pytest.raises(ProviderAuthError) as caught:
        flow.exchange_code(code=code)

    assert caught.value.message == "wrong code"
    assert caught.value.reason == "300"


def test_a_wrong_secret_is_an_auth_error(settings, sandbox, http):
    code = authorize(http, connect(settings, http).authorization_url(perms=["basic_access"]).url)["code"]

    with pytest.raises(ProviderAuthError):
        connect(settings, http, secret="not-the-secret").exchange_code(code=code)


@pytest.mark.parametrize(
    ("body", "expires_in"),
    [
        ("access_token=frABC&expires=3600", 3600),
        ("access_token=frABC&expires=0", None),
        ('{"access_token":"frABC","expires":3600}', 3600),
        ('{"access_token":"frABC","expires":0}', None),
    ],
)
def test_both_token_body_formats_parse(body, expires_in):
    tokens = parse_access_token_body(body)

    assert tokens.access_token == "frABC"
    assert tokens.expires_in == expires_in


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("wrong code", ProviderAuthError),
        ("", ProviderAuthError),
        ('{"error":{"type":"OAuthException","message":"wrong code","code":300}}', ProviderAuthError),
        ('{"access_token":', ProviderBadResponse),
        ('{"expires":3600}', ProviderBadResponse),
        ("access_token=frABC&expires=soon", ProviderBadResponse),
    ],
)
def test_refused_or_broken_token_bodies(body, error):
    with pytest.raises(error):
        parse_access_token_body(body)


# --- API ---------------------------------------------------------------------------------------


def test_check_credentials_names_the_account(settings, sandbox, http):
    check = DeezerClient(settings.DEEZER_API_URL, DEEZER_ACCESS_TOKEN, client=http).check_credentials()

    assert check.account == str(DEEZER_USER_ID)
    assert check.extra == {"name": "wiz", "country": "SE"}


def test_an_invalid_token_answers_200_with_oauth_exception(settings, sandbox, http):
    with pytest.raises(ProviderAuthError) as caught:
        DeezerClient(settings.DEEZER_API_URL, "frNOTATOKEN", client=http).check_credentials()

    assert caught.value.status == 200
    assert caught.value.reason == "300"
    assert caught.value.message == "Invalid OAuth access token."


def test_a_missing_token_is_an_auth_error(settings, sandbox, http):
    with pytest.raises(ProviderAuthError) as caught:
        DeezerClient(settings.DEEZER_API_URL, "", client=http).me()

    assert caught.value.reason == "200"


@pytest.mark.parametrize("action", ["expire_token", "revoke_token"])
def test_expired_and_revoked_tokens_are_auth_errors(settings, sandbox, http, action):
    token = sandbox.admin("deezer", "issue_token", expires=3600)["access_token"]
    client = DeezerClient(settings.DEEZER_API_URL, token, client=http)
    assert client.me().id == DEEZER_USER_ID
    sandbox.admin("deezer", action, access_token=token)

    with pytest.raises(ProviderAuthError):
        client.me()


def test_an_unknown_user_is_not_found(settings, sandbox, http):
    client = DeezerClient(settings.DEEZER_API_URL, DEEZER_ACCESS_TOKEN, client=http)

    assert client.user(4001).name == "nova_fan"
    assert client.user(4001).email is None
    with pytest.raises(ProviderNotFound) as caught:
        client.user(999999)
    assert caught.value.reason == "800"


def test_the_quota_error_is_a_rate_limit(settings, sandbox, http):
    sandbox.admin("deezer", "set_rate_limit", requests=2, window=60)
    client = DeezerClient(settings.DEEZER_API_URL, DEEZER_ACCESS_TOKEN, client=http)
    client.me()
    client.me()

    with pytest.raises(ProviderRateLimited) as caught:
        client.me()

    assert caught.value.reason == "4"
    assert caught.value.message == "Quota limit exceeded"
    assert caught.value.retry_after == 5


def test_faults(settings, sandbox, http):
    client = DeezerClient(settings.DEEZER_API_URL, DEEZER_ACCESS_TOKEN, client=http)
    sandbox.fault("deezer-api", status=503)
    sandbox.fault("deezer-api", kind="malformed")

    with pytest.raises(ProviderUnavailable):
        client.me()
    with pytest.raises(ProviderBadResponse):
        client.me()
    assert client.me().name == "wiz"


def test_a_refresh_is_a_clear_auth_error_not_a_crash(settings, http):
    with pytest.raises(ProviderAuthError) as refused:
        connect(settings, http).refresh(refresh_token="anything")

    assert refused.value.reason == "no_refresh_token"
