"""Amazon Music through Login with Amazon (LWA): token refresh and the profile call that proves a token.

The Amazon Music Web API (`api.music.amazon.dev/v1`, Bearer + `x-api-key`) is a closed beta for
approved partners, so credentials are validated against LWA only: `GET {auth_url}/user/profile`
with the access token, and `POST {auth_url}/auth/o2/token` for refresh and code exchange. LWA answers
errors the RFC 6749 way: `{"error","error_description"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from providers.base import ProviderAuthError, ProviderBadResponse, oauth_json_body
from providers.client import OAuthClient, oauth_tokens
from providers.types import CredentialCheck, OAuthTokens

PROVIDER = "Amazon Music"


@dataclass(frozen=True)
class AmazonProfile:
    user_id: str
    name: str | None = None
    email: str | None = None
    postal_code: str | None = None  # only with the `postal_code` scope


class AmazonMusicClient(OAuthClient[OAuthTokens]):
    """LWA at `auth_url`, for one app (client id and secret, needed for refresh and code exchange)."""

    provider = PROVIDER

    def __init__(
        self,
        auth_url: str,
        api_url: str,
        *,
        client_id: str = "",
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            auth_url,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            client=client,
        )
        self.api_url = api_url.rstrip("/")  # kept for the day the Music Web API opens up

    def profile(self, access_token: str) -> AmazonProfile:
        """The LWA profile; an expired or unknown access token is `ProviderTokenExpired` (refresh, retry)."""
        if not access_token:
            raise ProviderAuthError("no Amazon access token is set", provider=PROVIDER)
        response = self._send(
            "GET",
            "/user/profile",
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

    def check_credentials(self, access_token: str) -> CredentialCheck:
        profile = self.profile(access_token)
        extra = {key: value for key, value in (("name", profile.name), ("email", profile.email)) if value}
        return CredentialCheck(
            account=profile.user_id, detail=f"signed in as {profile.name or profile.user_id}", extra=extra
        )

    def _token_request(
        self, form: dict[str, str], *, previous_refresh_token: str | None = None
    ) -> OAuthTokens:
        """LWA takes the app's id and secret in the form; it sends the refresh token back on a refresh."""
        form = {**form, "client_id": self.client_id, "client_secret": self.client_secret or ""}
        response = self._send("POST", "/auth/o2/token", data=form)
        body = _checked_body(response)
        return oauth_tokens(body, provider=PROVIDER, previous_refresh_token=previous_refresh_token)


def _checked_body(response: httpx.Response) -> dict[str, Any]:
    return oauth_json_body(response, provider=PROVIDER)
