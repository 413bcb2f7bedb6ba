"""Spotify's Accounts service: OAuth 2 authorization code with PKCE, refresh, client credentials.

Error mapping (PROVIDERS.md §1.2): `invalid_grant` and `invalid_client` (both HTTP 400) →
`ProviderAuthError` with that reason; `invalid_grant` means "send the user back through /authorize",
never retry it. 429 → `ProviderRateLimited` with Retry-After, 5xx → `ProviderUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from providers.base import raise_oauth_error
from providers.client import OAuthClient, oauth_tokens
from providers.spotify.types import PROVIDER
from providers.types import AuthorizationRequest, CredentialCheck, OAuthTokens

SCOPES: tuple[str, ...] = (
    "user-read-recently-played",
    "user-read-currently-playing",
    "user-read-playback-state",
    "user-modify-playback-state",  # rooms: pause / play / skip on the host's Spotify
    "user-read-private",
    "user-read-email",
)

PKCE_VERIFIER_LENGTH = 64  # RFC 7636: 43 to 128 characters from the unreserved set
AUTH_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"})


class SpotifyAccounts(OAuthClient[OAuthTokens]):
    """OAuth with Spotify's Accounts service, for one app (client id, and a secret unless it is a PKCE
    public client). Authlib builds the authorization URL and the PKCE challenge; the token requests
    (the shared `exchange_code` and `refresh`, and `client_credentials`) go through the shared session
    so timeouts and errors behave like every other call."""

    provider = PROVIDER

    def __init__(
        self,
        accounts_url: str,
        client_id: str,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            accounts_url,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            client=client,
        )

    def authorization_url(
        self,
        *,
        scopes: Iterable[str],
        state: str | None = None,
        show_dialog: bool = False,
        use_pkce: bool = True,
    ) -> AuthorizationRequest:
        """Where to send the user. Keep `state` (and `code_verifier`) server-side for the callback."""
        if not self.redirect_uri:
            raise ValueError("a redirect_uri is needed to build an authorization URL")
        state = state or generate_token(32)
        extra: dict[str, str] = {}
        verifier = None
        if use_pkce:
            verifier = generate_token(PKCE_VERIFIER_LENGTH)
            extra = {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        if show_dialog:
            extra["show_dialog"] = "true"
        url = prepare_grant_uri(
            f"{self.base_url}/authorize",
            client_id=self.client_id,
            response_type="code",
            redirect_uri=self.redirect_uri,
            scope=" ".join(scopes),
            state=state,
            **extra,
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    # exchange_code(*, code, code_verifier=None) and refresh(*, refresh_token) are OAuthClient's.
    # A refresh answer often leaves `refresh_token` out (the old one is kept); `ProviderAuthError(
    # reason="invalid_grant")` means revoked or expired (six months after the user's authorization):
    # do not retry, send the user through /authorize again.

    def client_credentials(self) -> OAuthTokens:
        """An app-only token (no user, no refresh token); needs the client secret."""
        if not self.client_secret:
            raise ValueError("the client credentials grant needs the client secret")
        return self._token_request({"grant_type": "client_credentials"})

    def check_credentials(self) -> CredentialCheck:
        """Proves the client id and secret work (a client-credentials grant)."""
        tokens = self.client_credentials()
        return CredentialCheck(
            account=self.client_id,
            detail="Spotify accepted the app's client id and secret",
            extra={"expires_in": str(tokens.expires_in)} if tokens.expires_in else {},
        )

    def _token_request(
        self, form: dict[str, str], *, previous_refresh_token: str | None = None
    ) -> OAuthTokens:
        """POST /api/token. A confidential app authenticates with HTTP Basic; a PKCE public client
        names itself in the form."""
        if self.client_secret:
            auth: tuple[str, str] | None = (self.client_id, self.client_secret)
        else:
            auth, form = None, {**form, "client_id": self.client_id}
        response = self._send(
            "POST", "/api/token", data=form, headers={"Accept": "application/json"}, auth=auth
        )
        if not response.is_success:
            raise_oauth_error(
                response, provider=PROVIDER, auth_errors=AUTH_ERRORS, expired_errors=frozenset()
            )
        body = self._json_object(response, what="the token answer")
        return oauth_tokens(body, provider=PROVIDER, previous_refresh_token=previous_refresh_token)
