"""Tidal: a client-credentials token from `auth.tidal.com` and the JSON:API catalog at `openapi.tidal.com/v2`.

The token endpoint answers errors as `{"status","error","sub_status","error_description"}` (RFC 6749's
`error` plus Tidal's sub-status); the API answers JSON:API `{"errors":[{id,status,code,detail}]}`.
The client keeps its app token and fetches a new one when it has expired or the API refuses it (once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    oauth_json_body,
)
from providers.client import ProviderClient, oauth_tokens
from providers.types import CredentialCheck, OAuthTokens

PROVIDER = "Tidal"
JSON_API = "application/vnd.api+json"
EXPIRY_MARGIN = timedelta(seconds=60)
ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


@dataclass(frozen=True)
class TidalTrack:
    id: str
    title: str
    isrc: str | None
    duration_seconds: int | None
    explicit: bool
    version: str | None = None
    popularity: float | None = None


def parse_iso_duration(value: Any) -> int | None:
    """`PT3M35S` → 215; anything unreadable → None."""
    match = ISO_DURATION.match(value) if isinstance(value, str) else None
    if not match or value in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return round(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


class TidalClient(ProviderClient):
    """The catalog at `api_url` with an app token from `auth_url` (client credentials)."""

    provider = PROVIDER

    def __init__(
        self,
        api_url: str,
        auth_url: str,
        client_id: str,
        client_secret: str,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(api_url, client=client)
        self.auth_url = auth_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self._tokens: OAuthTokens | None = None

    def token(self) -> OAuthTokens:
        """A new app token (client credentials, HTTP Basic with the client id and secret)."""
        if not self.client_id or not self.client_secret:
            raise ProviderAuthError("the Tidal client id and secret are both required", provider=PROVIDER)
        response = self._send(
            "POST",
            f"{self.auth_url}/token",
            auth=(self.client_id, self.client_secret),
            data={"grant_type": "client_credentials"},
        )
        self._tokens = oauth_tokens(_token_body(response), provider=PROVIDER)
        return self._tokens

    def track(self, track_id: str, *, country_code: str = "US") -> TidalTrack:
        body = self._get(f"/tracks/{track_id}", params={"countryCode": country_code})
        data: Any = body.get("data")  # any JSON: a wrong shape is caught below
        try:
            attributes = data["attributes"]
            title = attributes["title"]
            found_id = data["id"]
        except (TypeError, KeyError) as exc:
            raise ProviderBadResponse(
                "the track has no data.attributes.title", provider=PROVIDER, status=200
            ) from exc
        popularity = attributes.get("popularity")
        return TidalTrack(
            id=str(found_id),
            title=str(title),
            isrc=attributes.get("isrc"),
            duration_seconds=parse_iso_duration(attributes.get("duration")),
            explicit=bool(attributes.get("explicit", False)),
            version=attributes.get("version") or None,
            popularity=float(popularity) if isinstance(popularity, (int, float)) else None,
        )

    def check_credentials(self) -> CredentialCheck:
        """Getting a token proves the client id and secret."""
        tokens = self.token()
        extra = {"expires_in": str(tokens.expires_in)} if tokens.expires_in is not None else {}
        return CredentialCheck(
            account=self.client_id, detail="the client credentials were accepted", extra=extra
        )

    def _access_token(self) -> str:
        tokens = self._tokens
        if tokens is None or (
            tokens.expires_at is not None and tokens.expires_at - EXPIRY_MARGIN < datetime.now(UTC)
        ):
            tokens = self.token()
        return tokens.access_token

    def _get(self, path: str, *, params: dict[str, Any]) -> dict[str, Any]:
        for attempt in (1, 2):
            response = self._send(
                "GET",
                path,
                params=params,
                headers={"Authorization": f"Bearer {self._access_token()}", "Accept": JSON_API},
            )
            if response.status_code == 401 and attempt == 1:
                self._tokens = None  # expired or revoked early: one new token, one retry
                continue
            break
        if response.status_code != 200:
            self._raise_api_error(response)
        return self._json_object(response)

    def _raise_api_error(self, response: httpx.Response) -> None:
        """JSON:API `{"errors":[{"code","detail"}]}` on the plain status mapping (401 is the app token)."""
        status = response.status_code
        message, reason = f"HTTP {status}", None
        try:
            first = response.json()["errors"][0]
            message = str(first.get("detail") or first.get("code") or message)
            reason = first.get("code")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            if status < 500 and status not in (401, 429):
                self._json(response)  # not JSON → ProviderBadResponse
        self._raise_for_status(response, message=message, reason=reason)


def _token_body(response: httpx.Response) -> dict[str, Any]:
    return oauth_json_body(response, provider=PROVIDER)
