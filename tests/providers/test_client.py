"""The thin base of the provider clients: URL joining, the shared session, answer checks, token answers."""

from __future__ import annotations

import httpx
import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderTokenExpired,
    ProviderUnavailable,
)
from providers.client import OAuthClient, ProviderClient, oauth_tokens
from providers.types import OAuthTokens


class Echo(ProviderClient):
    provider = "Echo"


class Recorder(OAuthClient[OAuthTokens]):
    """An OAuth client whose token endpoint is a list: what the shared methods hand to `_token_request`."""

    provider = "Recorder"

    def __init__(self, **kwargs) -> None:
        super().__init__("https://auth.example/", **kwargs)
        self.forms: list[tuple[dict[str, str], str | None]] = []

    def _token_request(self, form, *, previous_refresh_token=None) -> OAuthTokens:
        self.forms.append((form, previous_refresh_token))
        return OAuthTokens(access_token="a")


def transport(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_paths_join_the_base_url_and_full_urls_pass_through():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    client = Echo("https://api.example/v1/", client=transport(handler))
    client._send("GET", "/me")
    client._send("GET", "https://other.example/token")

    assert client.base_url == "https://api.example/v1"
    assert seen == ["https://api.example/v1/me", "https://other.example/token"]


def test_transport_failures_name_the_provider():
    client = Echo("http://127.0.0.1:9", client=make_http_client(retries=0))

    with pytest.raises(ProviderUnavailable) as caught:
        client._send("GET", "/")

    assert caught.value.provider == "Echo"
    assert isinstance(caught.value.__cause__, httpx.HTTPError)


def test_json_object_checks():
    client = Echo("https://api.example")

    assert client._json_object(httpx.Response(200, json={"a": 1})) == {"a": 1}
    with pytest.raises(ProviderBadResponse, match="not a JSON object"):
        client._json_object(httpx.Response(200, json=[1]))
    with pytest.raises(ProviderBadResponse, match="expected JSON"):
        client._json_object(httpx.Response(200, text="<html>"))


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, ProviderAuthError),
        (403, ProviderForbidden),
        (404, ProviderNotFound),
        (409, ProviderError),
        (429, ProviderRateLimited),
        (503, ProviderUnavailable),
    ],
)
def test_the_plain_status_mapping(status, error_class):
    response = httpx.Response(status, headers={"Retry-After": "4"})

    with pytest.raises(ProviderError) as caught:
        Echo("https://api.example")._raise_for_status(response, message="said so", reason="why")

    assert type(caught.value) is error_class
    assert (caught.value.provider, caught.value.message, caught.value.status) == ("Echo", "said so", status)
    if status == 429:
        assert caught.value.retry_after == 4


def test_a_401_can_mean_refresh_and_retry():
    with pytest.raises(ProviderTokenExpired):
        Echo("https://api.example")._raise_for_status(
            httpx.Response(401), message="expired", unauthorized=ProviderTokenExpired
        )


def test_exchange_code_and_refresh_build_the_rfc_6749_forms():
    client = Recorder(client_id="app", redirect_uri="https://musichub.example/callback")

    client.exchange_code(code="c1")
    client.exchange_code(code="c2", code_verifier="v" * 64)
    client.refresh(refresh_token="r1")

    assert client.forms == [
        (
            {
                "grant_type": "authorization_code",
                "code": "c1",
                "redirect_uri": "https://musichub.example/callback",
            },
            None,
        ),
        (
            {
                "grant_type": "authorization_code",
                "code": "c2",
                "redirect_uri": "https://musichub.example/callback",
                "code_verifier": "v" * 64,
            },
            None,
        ),
        ({"grant_type": "refresh_token", "refresh_token": "r1"}, "r1"),
    ]


def test_exchange_code_needs_the_redirect_uri():
    with pytest.raises(ValueError, match="redirect_uri"):
        Recorder(client_id="app").exchange_code(code="c")


def test_a_token_answer_reads_into_oauth_tokens():
    tokens = oauth_tokens(
        {"access_token": "a", "token_type": "bearer", "expires_in": "3600", "scope": "x y"},
        provider="P",
        previous_refresh_token="old",
    )

    assert (tokens.access_token, tokens.token_type, tokens.expires_in) == ("a", "Bearer", 3600)
    assert tokens.refresh_token == "old"  # none in the answer: the previous one is kept
    assert tokens.scope == ("x", "y")
    assert tokens.expires_at is not None
    assert oauth_tokens({"access_token": "a", "refresh_token": "new"}, provider="P").refresh_token == "new"


@pytest.mark.parametrize(
    "body", [{}, {"access_token": ""}, {"access_token": 5}, {"access_token": "a", "expires_in": "soon"}]
)
def test_an_unreadable_token_answer_is_a_bad_response(body):
    with pytest.raises(ProviderBadResponse) as caught:
        oauth_tokens(body, provider="P")

    assert caught.value.provider == "P"
