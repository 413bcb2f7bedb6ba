"""The Trakt client against the sandbox: required headers, trending movies, every bad-credential answer."""

from datetime import UTC, datetime

import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderForbidden,
    ProviderRateLimited,
    ProviderUnavailable,
)
from providers.trakt import TraktClient, parse_rate_limit
from sandbox.services.trakt import (
    RATE_LIMIT_NAME,
    TRAKT_CLIENT_ID,
    TRAKT_INVALID_CLIENT_ID,
    TRAKT_LEGACY_INVALID_CLIENT_ID,
    TRAKT_LOCKED_CLIENT_ID,
    TRENDING,
)


def trakt(sandbox, client_id: str = TRAKT_CLIENT_ID, **http_options) -> TraktClient:
    options = {"timeout": 0.3, "retries": 0} | http_options
    return TraktClient(sandbox.env["TRAKT_API_URL"], client_id, client=make_http_client(**options))


def test_trending_movies_are_parsed_in_trakt_order(sandbox):
    movies = trakt(sandbox).trending_movies(limit=3)

    assert len(movies) == 3
    first = TRENDING[0]
    assert movies[0].watchers == first["watchers"]
    assert movies[0].movie.title == first["movie"]["title"]
    assert movies[0].movie.year == first["movie"]["year"]
    assert movies[0].movie.trakt_id == first["movie"]["ids"]["trakt"]
    assert movies[0].movie.slug == first["movie"]["ids"]["slug"]
    assert movies[0].movie.imdb_id.startswith("tt")
    assert [movie.watchers for movie in movies] == sorted((movie.watchers for movie in movies), reverse=True)


def test_check_credentials_sends_the_required_headers(sandbox):
    # The sandbox refuses a call without trakt-api-key, trakt-api-version: 2 and a JSON Content-Type.
    check = trakt(sandbox).check_credentials()

    assert check.account is None
    assert check.detail == "Trakt accepted the client id"
    assert check.extra == {"trending": TRENDING[0]["movie"]["title"]}
    assert sandbox.calls("trakt")[-1]["query"] == "limit=1"


def test_an_invalid_client_id_is_the_current_403(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        trakt(sandbox, TRAKT_INVALID_CLIENT_ID).check_credentials()

    assert caught.value.status == 403
    assert caught.value.message == "invalid API key or unapproved app"


def test_the_legacy_401_keeps_trakt_s_message(sandbox):
    with pytest.raises(ProviderAuthError) as caught:
        trakt(sandbox, TRAKT_LEGACY_INVALID_CLIENT_ID).check_credentials()

    assert caught.value.status == 401
    assert caught.value.message == "invalid API key"


def test_a_locked_account_is_forbidden_not_a_bad_key(sandbox):
    with pytest.raises(ProviderForbidden) as caught:
        trakt(sandbox, TRAKT_LOCKED_CLIENT_ID).check_credentials()

    assert not isinstance(caught.value, ProviderAuthError)
    assert caught.value.status == 423
    assert caught.value.reason == "locked"


def test_429_carries_retry_after_and_the_limit_name(sandbox):
    sandbox.fault("trakt", status=429, retry_after=7)

    with pytest.raises(ProviderRateLimited) as caught:
        trakt(sandbox).check_credentials()

    assert caught.value.retry_after == 7
    assert caught.value.reason == RATE_LIMIT_NAME


def test_429_without_retry_after_waits_until_the_x_ratelimit_reset(sandbox):
    sandbox.fault("trakt", status=429)  # X-Ratelimit only, "until" = now + the 300 s period

    with pytest.raises(ProviderRateLimited) as caught:
        trakt(sandbox).check_credentials()

    assert 290 <= caught.value.retry_after <= 301


def test_the_sandbox_rate_limit_counts_calls_per_key(sandbox):
    sandbox.admin("trakt", "set_rate_limit", limit=2, period=60)
    client = trakt(sandbox)
    client.trending_movies()
    client.trending_movies()

    with pytest.raises(ProviderRateLimited) as caught:
        client.trending_movies()

    assert 1 <= caught.value.retry_after <= 60


def test_5xx_is_retried_by_the_shared_session_then_unavailable(sandbox):
    sandbox.fault("trakt", status=503, count=3)

    with pytest.raises(ProviderUnavailable) as caught:
        trakt(sandbox, timeout=2, retries=2, backoff_factor=0.01).check_credentials()

    assert caught.value.status == 503
    assert len(sandbox.calls("trakt")) == 3


def test_one_5xx_is_absorbed_by_a_retry(sandbox):
    sandbox.fault("trakt", status=502)

    trakt(sandbox, timeout=2, retries=2, backoff_factor=0.01).check_credentials()

    assert [call["status"] for call in sandbox.calls("trakt")] == [502, 200]


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    sandbox.fault("trakt", kind="hang", delay=1.0)

    with pytest.raises(ProviderUnavailable):
        trakt(sandbox).check_credentials()


def test_malformed_json_is_a_bad_response(sandbox):
    sandbox.fault("trakt", kind="malformed")

    with pytest.raises(ProviderBadResponse):
        trakt(sandbox).trending_movies()


def test_parse_rate_limit_header():
    header = (
        '{"name":"UNAUTHED_API_GET_LIMIT","period":300,"limit":1000,"remaining":0,'
        '"until":"2026-03-01T18:09:12Z"}'
    )

    rate_limit = parse_rate_limit(header)

    assert rate_limit.name == "UNAUTHED_API_GET_LIMIT"
    assert (rate_limit.period, rate_limit.limit, rate_limit.remaining) == (300, 1000, 0)
    assert rate_limit.until == datetime(2026, 3, 1, 18, 9, 12, tzinfo=UTC)
    assert parse_rate_limit("not json") is None
    assert parse_rate_limit(None) is None
