"""One contract for every OAuth provider: the same `exchange_code(code=..., code_verifier=...)` call, against
the sandbox, gives tokens once; the same code twice, or a made-up one, is an auth error."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from core.http import make_http_client
from providers.amazon_music import AmazonMusicClient
from providers.base import ProviderAuthError
from providers.client import OAuthClient
from providers.deezer import DeezerConnect
from providers.psn import PsnClient
from providers.spotify import SCOPES, SpotifyAccounts
from providers.types import OAuthTokens
from sandbox.services.amazon_music import AMAZON_CLIENT_ID, AMAZON_CLIENT_SECRET
from sandbox.services.deezer import DEEZER_APP_ID, DEEZER_APP_SECRET
from sandbox.services.psn import PSN_CLIENT_ID, PSN_CLIENT_SECRET, PSN_NPSSO, PSN_REDIRECT_URI
from sandbox.services.spotify import CLIENT_ID as SPOTIFY_CLIENT_ID
from sandbox.services.spotify import CLIENT_SECRET as SPOTIFY_CLIENT_SECRET
from tests.providers.test_deezer import authorize as deezer_consent
from tests.providers.test_spotify import consent as spotify_consent

OAUTH_CLIENTS = (SpotifyAccounts, DeezerConnect, AmazonMusicClient, PsnClient)


@dataclass(frozen=True)
class Flow:
    """How to get one provider's app client, and a fresh authorization code (and PKCE verifier) for it."""

    client: Callable[..., OAuthClient]
    code: Callable[..., tuple[str, str | None]]


def _spotify_client(sandbox, http) -> OAuthClient:
    return SpotifyAccounts(
        sandbox.env["SPOTIFY_ACCOUNTS_URL"],
        SPOTIFY_CLIENT_ID,
        SPOTIFY_CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/spotify/redirect",
        client=http,
    )


def _spotify_code(sandbox, http, client) -> tuple[str, str | None]:
    request = client.authorization_url(scopes=SCOPES)
    return spotify_consent(request)["code"], request.code_verifier


def _deezer_client(sandbox, http) -> OAuthClient:
    return DeezerConnect(
        sandbox.env["DEEZER_CONNECT_URL"],
        DEEZER_APP_ID,
        DEEZER_APP_SECRET,
        "http://127.0.0.1:8000/deezer/redirect",
        client=http,
    )


def _deezer_code(sandbox, http, client) -> tuple[str, str | None]:
    return deezer_consent(http, client.authorization_url(perms=["basic_access"]).url)["code"], None


def _amazon_client(sandbox, http) -> OAuthClient:
    return AmazonMusicClient(
        sandbox.env["AMAZON_AUTH_URL"],
        sandbox.env["AMAZON_MUSIC_API_URL"],
        client_id=AMAZON_CLIENT_ID,
        client_secret=AMAZON_CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/amazon/redirect",
        client=http,
    )


def _amazon_code(sandbox, http, client) -> tuple[str, str | None]:
    return sandbox.admin("amazon_music", "issue_code", redirect_uri=client.redirect_uri)["code"], None


def _psn_client(sandbox, http) -> OAuthClient:
    return PsnClient(
        sandbox.env["PSN_AUTH_URL"],
        sandbox.env["PSN_API_URL"],
        http,
        client_id=PSN_CLIENT_ID,
        client_secret=PSN_CLIENT_SECRET,
        redirect_uri=PSN_REDIRECT_URI,
    )


def _psn_code(sandbox, http, client) -> tuple[str, str | None]:
    return client.authorization_code(PSN_NPSSO), None


FLOWS = {
    "spotify": Flow(_spotify_client, _spotify_code),
    "deezer": Flow(_deezer_client, _deezer_code),
    "amazon_music": Flow(_amazon_client, _amazon_code),
    "psn": Flow(_psn_client, _psn_code),
}


@pytest.fixture
def http():
    with make_http_client(timeout=2.0, retries=0) as client:
        yield client


@pytest.fixture(params=sorted(FLOWS))
def flow(request) -> Flow:
    return FLOWS[request.param]


def test_every_oauth_client_has_the_one_exchange_code_signature():
    expected = inspect.signature(OAuthClient.exchange_code)
    for client_class in OAUTH_CLIENTS:
        assert issubclass(client_class, OAuthClient)
        actual = inspect.signature(client_class.exchange_code)
        assert actual.parameters == expected.parameters, client_class.__name__


def test_the_code_exchange_gives_tokens_once(sandbox, http, flow):
    client = flow.client(sandbox, http)
    code, verifier = flow.code(sandbox, http, client)

    tokens = client.exchange_code(code=code, code_verifier=verifier)

    assert isinstance(tokens, OAuthTokens)
    assert tokens.access_token
    assert tokens.token_type == "Bearer"
    assert tokens.obtained_at is not None
    with pytest.raises(ProviderAuthError) as caught:
        client.exchange_code(code=code, code_verifier=verifier)  # a code is single use
    assert caught.value.provider == client.provider


def test_a_made_up_code_is_an_auth_error(sandbox, http, flow):
    client = flow.client(sandbox, http)

    with pytest.raises(ProviderAuthError) as caught:
        client.exchange_code(code="not-a-code-the-provider-issued")

    assert caught.value.provider == client.provider
