"""Deezer: the OAuth connect flow (`connect.deezer.com`) and the API's `/user/me` proof call.

Deezer answers its errors with HTTP **200** and `{"error":{"type","message","code"}}`, so every body
is checked for an `error` object before it is read. Its token endpoint is not RFC 6749: it takes
`app_id`/`secret` in the query string and answers `access_token=…&expires=3600` (or JSON with
`output=json`); `expires=0` means the token never expires (the `offline_access` permission). There is
no refresh token. Deezer stopped registering new apps around 2024, so only existing app ids work.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
    json_body,
    raise_for_transport_status,
)
from providers.client import OAuthClient, ProviderClient
from providers.types import AuthorizationRequest, CredentialCheck, OAuthTokens

PROVIDER = "Deezer"

# Deezer's error codes (developers.deezer.com/api/errors, `deezer-python` exceptions).
QUOTA_CODE = 4
AUTH_CODES = frozenset({200, 300})  # 200: an active access token must be used; 300: invalid token
SERVICE_BUSY_CODE = 700
DATA_NOT_FOUND_CODE = 800
RATE_LIMIT_WINDOW_SECONDS = 5  # the commonly cited limit is 50 requests per 5 seconds (unpublished)


@dataclass(frozen=True)
class DeezerUser:
    id: int
    name: str
    country: str | None = None
    link: str | None = None
    picture: str | None = None
    email: str | None = None  # only with the `email` permission


class DeezerClient(ProviderClient):
    provider = PROVIDER

    def __init__(self, api_url: str, access_token: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.access_token = access_token

    def me(self) -> DeezerUser:
        return _parse_user(self._get("/user/me"))

    def user(self, user_id: int) -> DeezerUser:
        """A public profile; an unknown id is `ProviderNotFound` (Deezer's DataException 800)."""
        return _parse_user(self._get(f"/user/{int(user_id)}"))

    def check_credentials(self) -> CredentialCheck:
        user = self.me()
        extra = {key: value for key, value in (("name", user.name), ("country", user.country)) if value}
        return CredentialCheck(account=str(user.id), detail=f"signed in as {user.name}", extra=extra)

    def _get(self, path: str) -> dict[str, Any]:
        response = self._send("GET", path, params={"access_token": self.access_token})
        return _checked_body(response)


class DeezerConnect(OAuthClient[OAuthTokens]):
    """The connect flow of one registered Deezer app (its app id and secret are the OAuth client)."""

    provider = PROVIDER

    def __init__(
        self,
        connect_url: str,
        app_id: str,
        secret: str,
        redirect_uri: str,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            connect_url, client_id=app_id, client_secret=secret, redirect_uri=redirect_uri, client=client
        )

    def authorization_url(self, *, perms: Iterable[str], state: str | None = None) -> AuthorizationRequest:
        """Where to send the user; Deezer redirects back with `code` (or `error_reason=user_denied`)."""
        state = state or secrets.token_urlsafe(24)
        query = urlencode(
            {
                "app_id": self.client_id,
                "redirect_uri": self.redirect_uri or "",
                "perms": ",".join(perms),
                "state": state,
            }
        )
        return AuthorizationRequest(url=f"{self.base_url}/oauth/auth.php?{query}", state=state)

    def exchange_code(self, *, code: str, code_verifier: str | None = None) -> OAuthTokens:
        """Deezer has no PKCE: a verifier is refused rather than dropped."""
        if code_verifier:
            raise ValueError("Deezer's connect flow has no PKCE: there is no code_verifier to send")
        return self._token_request({"grant_type": "authorization_code", "code": code})

    def _token_request(
        self, form: dict[str, str], *, previous_refresh_token: str | None = None
    ) -> OAuthTokens:
        """Deezer's token endpoint is not RFC 6749: a GET with the app id and secret in the query. It
        issues no refresh tokens (an `offline_access` token does not expire): a refresh is refused."""
        if form.get("grant_type") != "authorization_code":
            raise ProviderAuthError(
                "Deezer issues no refresh tokens: connect Deezer again (offline_access tokens never expire).",
                provider=PROVIDER,
                reason="no_refresh_token",
            )
        response = self._send(
            "GET",
            "/oauth/access_token.php",
            params={
                "app_id": self.client_id,
                "secret": self.client_secret or "",
                "code": form["code"],
                "output": "json",
            },
        )
        self._raise_for_transport_status(response)
        return parse_access_token_body(response.text, status=response.status_code)


def parse_access_token_body(text: str, *, status: int = 200) -> OAuthTokens:
    """`access_token=…&expires=3600`, or its JSON form; `expires=0` (offline_access) becomes no expiry.

    A refused code comes back as an `error` object (JSON) or as a bare phrase such as `wrong code`.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ProviderBadResponse(
                "the token answer is not valid JSON", provider=PROVIDER, status=status
            ) from exc
        if not isinstance(data, dict):
            raise ProviderBadResponse(
                "the token answer is not a JSON object", provider=PROVIDER, status=status
            )
        _raise_for_error(data, status=status)
        token, expires = data.get("access_token"), data.get("expires")
    else:
        fields = parse_qs(stripped)
        token = fields.get("access_token", [None])[0]
        expires = fields.get("expires", [None])[0]
        if not token:
            raise ProviderAuthError(stripped or "empty token answer", provider=PROVIDER, status=status)
    if not isinstance(token, str) or not token:
        raise ProviderBadResponse("the token answer has no access_token", provider=PROVIDER, status=status)
    try:
        seconds = int(expires) if expires is not None else None
    except (TypeError, ValueError) as exc:
        raise ProviderBadResponse(
            f"unreadable expires {expires!r}", provider=PROVIDER, status=status
        ) from exc
    return OAuthTokens(
        access_token=token,
        expires_in=seconds or None,  # 0 means never
        obtained_at=datetime.now(UTC),
    )


def _checked_body(response: httpx.Response) -> dict[str, Any]:
    raise_for_transport_status(response, provider=PROVIDER)
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict):
        raise ProviderBadResponse(
            "the answer is not a JSON object", provider=PROVIDER, status=response.status_code
        )
    _raise_for_error(body, status=response.status_code)
    if response.status_code != 200:
        raise ProviderError(f"HTTP {response.status_code}", provider=PROVIDER, status=response.status_code)
    return body


def _raise_for_error(body: Any, *, status: int) -> None:
    """Deezer's in-body errors, which arrive with HTTP 200."""
    error = body.get("error") if isinstance(body, dict) else None
    if not error:
        return
    if not isinstance(error, dict):
        raise ProviderError(str(error), provider=PROVIDER, status=status)
    message = str(error.get("message") or "error")
    code = error.get("code")
    kwargs: dict[str, Any] = {
        "provider": PROVIDER,
        "status": status,
        "reason": str(code) if code is not None else None,
    }
    if code == QUOTA_CODE:
        raise ProviderRateLimited(message, retry_after=RATE_LIMIT_WINDOW_SECONDS, **kwargs)
    if code in AUTH_CODES or error.get("type") == "OAuthException":
        raise ProviderAuthError(message, **kwargs)
    if code == DATA_NOT_FOUND_CODE:
        raise ProviderNotFound(message, **kwargs)
    if code == SERVICE_BUSY_CODE:
        raise ProviderUnavailable(message, **kwargs)
    raise ProviderError(message, **kwargs)


def _parse_user(body: dict[str, Any]) -> DeezerUser:
    user_id, name = body.get("id"), body.get("name")
    if not isinstance(user_id, int) or not isinstance(name, str):
        raise ProviderBadResponse("the user has no id or name", provider=PROVIDER, status=200)
    return DeezerUser(
        id=user_id,
        name=name,
        country=body.get("country") or None,
        link=body.get("link") or None,
        picture=body.get("picture") or None,
        email=body.get("email") or None,
    )
