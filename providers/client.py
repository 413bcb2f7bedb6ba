"""The thin base every provider client stands on: its constructor, its response checks, its code exchange.

A client is one external service at a base URL, called through the one shared HTTP session
(`core.http`), with the credentials it was given as arguments (never a model, never a setting).
`ProviderClient` holds that and the checks every answer goes through: transport failures become
`ProviderUnavailable`, 429 becomes `ProviderRateLimited` with its Retry-After, 5xx `ProviderUnavailable`,
bodies that are not JSON (or not the JSON object expected) `ProviderBadResponse`. Each client keeps only
what is its own: its calls, its parsing and the mapping of its error bodies onto `providers.base`.

`OAuthClient` adds one app's OAuth 2 identity (client id, secret, redirect URI) and the one code
exchange signature every OAuth provider answers, `exchange_code(*, code, code_verifier=None)` (and
`refresh(*, refresh_token)` where the provider has refresh tokens): a caller finishing any provider's
authorization-code flow writes the same line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    json_body,
    raise_for_transport_status,
    send,
)
from providers.types import OAuthTokens

TokensT = TypeVar("TokensT", bound=OAuthTokens)  # what a provider's token endpoint gives (PSN adds fields)


class ProviderClient:
    """One service at `base_url`, through `client` (the shared session from `core.http` when None)."""

    provider: ClassVar[str]  # the name errors carry ("Spotify", "Tidal", …)

    def __init__(self, base_url: str, *, client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`method` on `base_url + path` (or on `path` itself when it is a full URL)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        return send(method, url, provider=self.provider, client=self.client, **kwargs)

    def _json(self, response: httpx.Response) -> Any:
        """The decoded body, or `ProviderBadResponse` naming what came back instead."""
        return json_body(response, provider=self.provider)

    def _json_object(self, response: httpx.Response, *, what: str = "the answer") -> dict[str, Any]:
        """The decoded body when it is a JSON object; anything else is `ProviderBadResponse`."""
        body = self._json(response)
        if not isinstance(body, dict):
            raise ProviderBadResponse(
                f"{what} is not a JSON object", provider=self.provider, status=response.status_code
            )
        return body

    def _raise_for_transport_status(self, response: httpx.Response, *, message: str | None = None) -> None:
        """429 (with Retry-After) and 5xx, the statuses every provider shares."""
        raise_for_transport_status(response, provider=self.provider, message=message)

    def _raise_for_status(
        self,
        response: httpx.Response,
        *,
        message: str,
        reason: str | None = None,
        unauthorized: type[ProviderError] = ProviderAuthError,
    ) -> None:
        """The plain status mapping for an error answer whose body said no more than `message`/`reason`:
        429/5xx as above, 401 `unauthorized`, 403 `ProviderForbidden`, 404 `ProviderNotFound`, else
        `ProviderError`."""
        self._raise_for_transport_status(response, message=message)
        status = response.status_code
        error_class = {401: unauthorized, 403: ProviderForbidden, 404: ProviderNotFound}.get(
            status, ProviderError
        )
        raise error_class(message, provider=self.provider, status=status, reason=reason)


class OAuthClient(ProviderClient, Generic[TokensT], ABC):
    """A provider with an OAuth 2 authorization-code flow, for one registered app.

    `exchange_code` builds the RFC 6749 §4.1.3 form (with the RFC 7636 verifier when the flow used
    PKCE) and hands it to `_token_request`, which each provider writes its own way: its token
    endpoint, how the app authenticates (HTTP Basic, the form, the query) and how the answer reads.
    """

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, client=client)
        self.client_id = client_id
        self.client_secret = client_secret or None
        self.redirect_uri = redirect_uri

    def exchange_code(self, *, code: str, code_verifier: str | None = None) -> TokensT:
        """Trades the callback's `code` for tokens; `code_verifier` when the authorization URL had a
        PKCE challenge. Needs the `redirect_uri` the flow started with."""
        if not self.redirect_uri:
            raise ValueError(
                "the redirect_uri sent to the authorization endpoint is needed to exchange the code"
            )
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return self._token_request(form)

    def refresh(self, *, refresh_token: str) -> TokensT:
        """A new access token (RFC 6749 §6); an answer without a refresh token keeps this one."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token_request(form, previous_refresh_token=refresh_token)

    @abstractmethod
    def _token_request(self, form: dict[str, str], *, previous_refresh_token: str | None = None) -> TokensT:
        """POSTs `form` to the provider's token endpoint and reads the tokens (each provider's own)."""


def oauth_tokens(
    body: dict[str, Any], *, provider: str, previous_refresh_token: str | None = None
) -> OAuthTokens:
    """A token endpoint's JSON answer (RFC 6749 §5.1) as `OAuthTokens`, stamped now.

    No `refresh_token` in the answer keeps `previous_refresh_token` (providers often leave it out on a
    refresh); the token type is written `Bearer` whatever its case (it is case-insensitive).
    """
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ProviderBadResponse("the token answer has no access_token", provider=provider, status=200)
    token_type = str(body.get("token_type") or "Bearer")
    expires_in = body.get("expires_in")
    try:
        seconds = int(expires_in) if expires_in is not None else None
    except (TypeError, ValueError) as exc:
        raise ProviderBadResponse(
            f"unreadable expires_in {expires_in!r}", provider=provider, status=200
        ) from exc
    refresh_token = body.get("refresh_token")
    return OAuthTokens(
        access_token=access_token,
        token_type="Bearer" if token_type.lower() == "bearer" else token_type,
        expires_in=seconds,
        refresh_token=refresh_token
        if isinstance(refresh_token, str) and refresh_token
        else previous_refresh_token,
        scope=tuple(str(body.get("scope") or "").split()),
        obtained_at=datetime.now(UTC),
    )
