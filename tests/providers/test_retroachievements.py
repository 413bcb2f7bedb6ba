"""The RetroAchievements client against the sandbox: profiles, the 401 JSON, unknown users, faults."""

from datetime import UTC, datetime

import httpx
import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
)
from providers.retroachievements import RetroAchievementsClient
from sandbox.services.retroachievements import (
    RA_API_KEY,
    RA_INVALID_API_KEY,
    RA_ULID,
    RA_UNKNOWN_USERNAME,
    RA_UNTRACKED_USERNAME,
    RA_USERNAME,
    USERS,
)


def ra(sandbox, api_key: str = RA_API_KEY, **http_options) -> RetroAchievementsClient:
    options = {"timeout": 0.3, "retries": 0} | http_options
    return RetroAchievementsClient(
        sandbox.env["RETROACHIEVEMENTS_API_URL"], api_key, client=make_http_client(**options)
    )


def test_user_profile_is_parsed(sandbox):
    seeded = USERS[RA_USERNAME]

    profile = ra(sandbox).user_profile("WIZ")  # usernames match case-insensitively

    assert profile.username == RA_USERNAME
    assert profile.ulid == RA_ULID
    assert profile.user_id == seeded["ID"]
    assert profile.user_pic_url == f"https://retroachievements.org/UserPic/{RA_USERNAME}.png"
    assert profile.member_since == datetime.fromisoformat(seeded["MemberSince"]).replace(tzinfo=UTC)
    assert profile.total_points == seeded["TotalPoints"]
    assert profile.total_true_points == seeded["TotalTruePoints"]
    assert profile.rich_presence == seeded["RichPresenceMsg"]
    assert not profile.untracked


def test_an_untracked_user_without_rich_presence(sandbox):
    profile = ra(sandbox).user_profile(RA_UNTRACKED_USERNAME)

    assert profile.untracked
    assert profile.rich_presence is None


def test_check_credentials(sandbox):
    check = ra(sandbox).check_credentials(RA_USERNAME)

    assert check.account == RA_USERNAME
    assert check.extra == {"total_points": str(USERS[RA_USERNAME]["TotalPoints"]), "ulid": RA_ULID}
    assert "y=" + RA_API_KEY in sandbox.calls("retroachievements")[-1]["query"]


def test_a_bad_key_is_the_401_json(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        ra(sandbox, RA_INVALID_API_KEY).check_credentials(RA_USERNAME)

    assert caught.value.status == 401
    assert caught.value.message == "Unauthenticated."
    assert caught.value.reason == "unauthorized"


def test_an_unknown_user_is_not_found(sandbox):
    with pytest.raises(ProviderNotFound) as caught:
        ra(sandbox).check_credentials(RA_UNKNOWN_USERNAME)

    assert caught.value.status == 404
    assert RA_UNKNOWN_USERNAME in caught.value.message


def test_a_malformed_username_is_not_found(sandbox):
    with pytest.raises(ProviderNotFound) as caught:
        ra(sandbox).user_profile("no spaces allowed")

    assert (caught.value.status, caught.value.reason) == (422, "validation")


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, {}), (200, []), (404, {"ID": None, "User": "ghost"})],  # older RAWeb answers
)
def test_older_no_such_user_answers_are_not_found(status, body):
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    client = RetroAchievementsClient(
        "https://ra.test/API", RA_API_KEY, client=make_http_client(transport=transport)
    )

    with pytest.raises(ProviderNotFound):
        client.user_profile("ghost")


def test_an_injected_429_is_a_rate_limit(sandbox):
    sandbox.fault("retroachievements", status=429, retry_after=30)

    with pytest.raises(ProviderRateLimited) as caught:
        ra(sandbox).check_credentials(RA_USERNAME)

    assert caught.value.retry_after == 30
    assert caught.value.message == "Too Many Attempts."


def test_5xx_is_retried_by_the_shared_session_then_unavailable(sandbox):
    sandbox.fault("retroachievements", status=502, count=3)

    with pytest.raises(ProviderUnavailable) as caught:
        ra(sandbox, timeout=2, retries=2, backoff_factor=0.01).check_credentials(RA_USERNAME)

    assert caught.value.message == "Server Error"
    assert len(sandbox.calls("retroachievements")) == 3


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    sandbox.fault("retroachievements", kind="hang", delay=1.0)

    with pytest.raises(ProviderUnavailable):
        ra(sandbox).check_credentials(RA_USERNAME)


def test_malformed_json_is_a_bad_response(sandbox):
    sandbox.fault("retroachievements", kind="malformed")

    with pytest.raises(ProviderBadResponse):
        ra(sandbox).check_credentials(RA_USERNAME)
