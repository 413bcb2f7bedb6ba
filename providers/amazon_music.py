"""Amazon Music through Login with Amazon (LWA): token refresh and the profile call that proves a token.

The Amazon Music Web API (`api.music.amazon.dev/v1`, Bearer + `x-api-key`) is a closed beta for
approved partners, so credentials are validated against LWA only: `GET {auth_url}/user/profile`
with the access token, and `POST {auth_url}/auth/o2/token` for refresh and code exchange. LWA answers
errors the RFC 6749 way: `{"error","error_description"}`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    oauth_json_body,
    send,
)
from providers.types import CredentialCheck, OAuthTokens

PROVIDER = "Amazon Music"


@dataclass(frozen=True)
class AmazonProfile:
    user_id: str
    name: str | None = None
    email: str | None = None
    postal_code: str | None = None  # only with the `postal_code` scope


class AmazonMusicClient:
    def __init__(self, auth_url: str, api_url: str, *, client: httpx.Client | None = None) -> None:
        self.auth_url = auth_url.rstrip("/")
        self.api_url = api_url.rstrip("/")  # kept for the day the Music Web API opens up
        self.client = client

    def profile(self, access_token: str) -> AmazonProfile:
        """The LWA profile; an expired or unknown access token is `ProviderTokenExpired` (refresh, retry)."""
        if not access_token:
            raise ProviderAuthError("no Amazon access token is set", provider=PROVIDER)
        response = send(
            "GET",
            f"{self.auth_url}/user/profile",
            provider=PROVIDER,
            client=self.client,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        body = _checked_body(response)
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise ProviderBadResponse("the profile has no user_id", provider=PROVIDER, status=200)
        return AmazonProfile(
            user_id=user_id,
            name=body.get("name") or None,
            email=body.get("email") or None,
            postal_code=body.get("postal_code") or None,
        )

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> OAuthTokens:
        """A new access token; LWA sends the refresh token back, and we keep the old one if it does not."""
        tokens = self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": client_id,
                "client_secret": client_secret,
            }
        )
        if tokens.refresh_token is None:
            return dataclasses.replace(tokens, refresh_token=refresh_token)
        return tokens

    def exchange_code(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> OAuthTokens:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": client_secret,
            }
        )

    def check_credentials(self, access_token: str) -> CredentialCheck:
        profile = self.profile(access_token)
        extra = {key: value for key, value in (("name", profile.name), ("email", profile.email)) if value}
        return CredentialCheck(
            account=profile.user_id, detail=f"signed in as {profile.name or profile.user_id}", extra=extra
        )

    def _token(self, form: dict[str, str]) -> OAuthTokens:
        response = send(
            "POST", f"{self.auth_url}/auth/o2/token", provider=PROVIDER, client=self.client, data=form
        )
        body = _checked_body(response)
        access_token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderBadResponse("the token answer has no access_token", provider=PROVIDER, status=200)
        return OAuthTokens(
            access_token=access_token,
            # token_type stays the default "Bearer" (LWA writes "bearer")
            expires_in=expires_in if isinstance(expires_in, int) else None,
            refresh_token=body.get("refresh_token") or None,
            scope=tuple(str(body.get("scope") or "").split()),
            obtained_at=datetime.now(UTC),
        )


def _checked_body(response: httpx.Response) -> dict[str, Any]:
    return oauth_json_body(response, provider=PROVIDER)
