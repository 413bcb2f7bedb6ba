"""The OpenXBL client against the sandbox: the key's account, rate-limit headers, bad key, faults."""

import pytest

from core.http import make_http_client
from providers.base import ProviderAuthError, ProviderBadResponse, ProviderRateLimited, ProviderUnavailable
from providers.xbox import XboxClient, XboxRateLimit
from sandbox.services.xbox import XBOX_API_KEY, XBOX_GAMERTAG, XBOX_INVALID_API_KEY, XBOX_XUID


def xbox(sandbox, api_key: str = XBOX_API_KEY, **http_options) -> XboxClient:
    options = {"timeout": 0.3, "retries": 0} | http_options
    return XboxClient(sandbox.env["XBOX_API_URL"], api_key, client=make_http_client(**options))


def test_account_reads_the_settings_list_and_rate_limit(sandbox):
    account = xbox(sandbox).account()

    assert account.xuid == XBOX_XUID
    assert account.gamertag == XBOX_GAMERTAG
    assert account.gamerscore == 1200
    assert account.avatar_url.startswith("https://")
    assert account.rate_limit == XboxRateLimit(limit=150, spent=1, remaining=149)


def test_check_credentials_reports_the_remaining_calls(sandbox):
    client = xbox(sandbox)
    client.account()

    check = client.check_credentials()

    assert check.account == XBOX_XUID
    assert check.extra == {
        "gamertag": XBOX_GAMERTAG,
        "gamerscore": "1200",
        "rate_limit_limit": "150",
        "rate_limit_spent": "2",
        "rate_limit_remaining": "148",
    }


def test_a_bad_key_is_401(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        xbox(sandbox, XBOX_INVALID_API_KEY).check_credentials()

    assert caught.value.status == 401
    assert caught.value.message == "Invalid API key"


def test_the_hourly_limit_is_a_rate_limit(sandbox):
    sandbox.admin("xbox", "set_rate_limit", limit=1)
    client = xbox(sandbox)
    client.account()

    with pytest.raises(ProviderRateLimited) as caught:
        client.account()

    assert caught.value.status == 429
    assert 1 <= caught.value.retry_after <= 3600
    assert "1 of 1 calls spent" in caught.value.message


def test_an_injected_429_keeps_retry_after(sandbox):
    sandbox.fault("xbox", status=429, retry_after=5)

    with pytest.raises(ProviderRateLimited) as caught:
        xbox(sandbox).check_credentials()

    assert caught.value.retry_after == 5


def test_5xx_is_retried_by_the_shared_session_then_unavailable(sandbox):
    sandbox.fault("xbox", status=504, count=3)

    with pytest.raises(ProviderUnavailable) as caught:
        xbox(sandbox, timeout=2, retries=2, backoff_factor=0.01).check_credentials()

    assert caught.value.status == 504
    assert len(sandbox.calls("xbox")) == 3


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    sandbox.fault("xbox", kind="hang", delay=1.0)

    with pytest.raises(ProviderUnavailable):
        xbox(sandbox).check_credentials()


def test_malformed_json_is_a_bad_response(sandbox):
    sandbox.fault("xbox", kind="malformed")

    with pytest.raises(ProviderBadResponse):
        xbox(sandbox).account()
