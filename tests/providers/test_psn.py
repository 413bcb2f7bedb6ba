"""The PSN client against the sandbox: NPSSO → code → tokens, refresh, profile, every bad answer."""

from urllib.parse import parse_qs

import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderTokenExpired,
    ProviderUnavailable,
)
from providers.psn import NPSSO_EXPIRED, PsnClient, PsnTokens
from sandbox.services.psn import (
    PSN_ACCOUNT_ID,
    PSN_CLIENT_ID,
    PSN_CLIENT_SECRET,
    PSN_EXPIRED_NPSSO,
    PSN_NPSSO,
    PSN_ONLINE_ID,
    PSN_OTHER_ACCOUNT_ID,
    PSN_OTHER_ONLINE_ID,
    PSN_REDIRECT_URI,
)


def psn(sandbox, **options) -> PsnClient:
    http = make_http_client(**({"timeout": 0.3, "retries": 0} | options.pop("http", {})))
    app = {"client_id": PSN_CLIENT_ID, "client_secret": PSN_CLIENT_SECRET, "redirect_uri": PSN_REDIRECT_URI}
    return PsnClient(sandbox.env["PSN_AUTH_URL"], sandbox.env["PSN_API_URL"], client=http, **(app | options))


def test_the_client_has_no_built_in_app_credentials():
    """Sony's app client is configuration (PSN_CLIENT_*), never a placeholder a deployment could send."""
    with pytest.raises(TypeError):
        PsnClient("https://ca.account.sony.com/api", "https://m.np.playstation.com/api")


def test_exchange_npsso_returns_jwt_tokens(sandbox):
    tokens = psn(sandbox).exchange_npsso(PSN_NPSSO)

    assert isinstance(tokens, PsnTokens)
    assert tokens.access_token.count(".") == 2  # token_format=jwt
    assert tokens.refresh_token
    assert tokens.expires_in == 3599
    assert tokens.refresh_token_expires_in == 5183999
    assert tokens.scope == ("psn:mobile.v2.core", "psn:clientapp")
    assert tokens.expires_at is not None
    assert tokens.account_id == PSN_ACCOUNT_ID


def test_the_authorize_call_carries_the_app_not_the_npsso(sandbox):
    psn(sandbox).authorization_code(PSN_NPSSO)

    authorize = sandbox.calls("psn-auth")[-1]
    query = parse_qs(authorize["query"])
    assert authorize["status"] == 302
    assert query["client_id"] == [PSN_CLIENT_ID]
    assert query["redirect_uri"] == [PSN_REDIRECT_URI]
    assert query["access_type"] == ["offline"]
    assert PSN_NPSSO not in authorize["query"]  # it travels as a cookie


@pytest.mark.parametrize("npsso", [PSN_EXPIRED_NPSSO, "garbage"])
def test_a_signed_out_npsso_redirects_without_a_code(sandbox, npsso):
    with pytest.raises(ProviderAuthError) as caught:
        psn(sandbox).exchange_npsso(npsso)

    assert caught.value.message == NPSSO_EXPIRED
    assert caught.value.reason == "login_required"
    assert len(sandbox.calls("psn-auth")) == 1  # no token call


def test_an_npsso_signed_out_later_stops_working(sandbox):
    client = psn(sandbox)
    client.exchange_npsso(PSN_NPSSO)
    sandbox.admin("psn", "expire_npsso", npsso=PSN_NPSSO)

    with pytest.raises(ProviderAuthError, match="NPSSO invalid or expired"):
        client.check_credentials(PSN_NPSSO)


def test_a_wrong_app_secret_fails_at_the_token_endpoint(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        psn(sandbox, client_secret="not-the-secret").exchange_npsso(PSN_NPSSO)

    assert (caught.value.status, caught.value.reason) == (401, "invalid_client")
    assert caught.value.message == "Bad client credentials"


def test_a_wrong_app_id_fails_at_authorize(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        psn(sandbox, client_id="someone-else").exchange_npsso(PSN_NPSSO)

    assert (caught.value.status, caught.value.reason) == (400, "invalid_client")


def test_refresh_issues_a_new_access_token_and_keeps_the_refresh_token(sandbox):
    client = psn(sandbox)
    tokens = client.exchange_npsso(PSN_NPSSO)

    refreshed = client.refresh(refresh_token=tokens.refresh_token)

    assert refreshed.access_token != tokens.access_token
    assert refreshed.refresh_token == tokens.refresh_token
    assert client.profile(refreshed.access_token).online_id == PSN_ONLINE_ID


def test_a_revoked_refresh_token_is_invalid_grant(sandbox):
    client = psn(sandbox)
    tokens = client.exchange_npsso(PSN_NPSSO)
    sandbox.admin("psn", "revoke_refresh_tokens")

    with pytest.raises(ProviderAuthError) as caught:
        client.refresh(refresh_token=tokens.refresh_token)

    assert (caught.value.status, caught.value.reason) == (400, "invalid_grant")


def test_profile_of_the_signed_in_user(sandbox):
    client = psn(sandbox)
    tokens = client.exchange_npsso(PSN_NPSSO)

    profile = client.profile(tokens.access_token)

    assert profile.online_id == PSN_ONLINE_ID
    assert profile.is_me
    assert profile.is_plus
    assert profile.avatar_url.endswith("wiz_xl.png")
    assert profile.languages == ("en-US", "sv-SE")


def test_profile_by_account_id(sandbox):
    client = psn(sandbox)
    token = client.exchange_npsso(PSN_NPSSO).access_token

    other = client.profile(token, PSN_OTHER_ACCOUNT_ID)

    assert (other.online_id, other.is_me) == (PSN_OTHER_ONLINE_ID, False)
    with pytest.raises(ProviderNotFound) as caught:
        client.profile(token, "1")
    assert caught.value.message == "User not found"


def test_an_expired_or_unknown_access_token_says_refresh(sandbox):
    client = psn(sandbox)
    token = client.exchange_npsso(PSN_NPSSO).access_token
    sandbox.admin("psn", "expire_access_tokens")

    with pytest.raises(ProviderTokenExpired) as caught:
        client.profile(token)
    assert caught.value.status == 401
    assert caught.value.message == "Invalid token"

    with pytest.raises(ProviderTokenExpired):
        client.profile("not-a-token")


def test_check_credentials(sandbox):
    check = psn(sandbox).check_credentials(PSN_NPSSO)

    assert check.account == PSN_ONLINE_ID
    assert check.extra == {"online_id": PSN_ONLINE_ID, "account_id": PSN_ACCOUNT_ID}


def test_profile_5xx_is_retried_then_unavailable(sandbox):
    client = psn(sandbox, http={"timeout": 2, "retries": 2, "backoff_factor": 0.01})
    token = client.exchange_npsso(PSN_NPSSO).access_token
    sandbox.fault("psn-api", status=503, count=3)

    with pytest.raises(ProviderUnavailable) as caught:
        client.profile(token)

    assert caught.value.status == 503
    assert len(sandbox.calls("psn-api")) == 3


def test_a_token_post_is_not_retried(sandbox):
    client = psn(sandbox, http={"timeout": 2, "retries": 2, "backoff_factor": 0.01})
    sandbox.fault("psn-auth", status=503, path="/token")

    with pytest.raises(ProviderUnavailable):
        client.exchange_npsso(PSN_NPSSO)

    assert [call["path"].rsplit("/", 1)[-1] for call in sandbox.calls("psn-auth")] == ["authorize", "token"]


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    sandbox.fault("psn-auth", kind="hang", delay=1.0)

    with pytest.raises(ProviderUnavailable):
        psn(sandbox).exchange_npsso(PSN_NPSSO)


def test_malformed_json_is_a_bad_response(sandbox):
    client = psn(sandbox)
    token = client.exchange_npsso(PSN_NPSSO).access_token
    sandbox.fault("psn-api", kind="malformed")

    with pytest.raises(ProviderBadResponse):
        client.profile(token)


def test_account_id_is_none_without_a_readable_id_token():
    assert PsnTokens(access_token="a", id_token="not.a-jwt.at-all").account_id is None
    assert PsnTokens(access_token="a").account_id is None
