"""Spotify's Web API, the calls MusicHub makes: profile, listening history, playback state, player commands.

Error mapping (PROVIDERS.md §2.1), branching on status and Spotify's machine fields only:
- **every 401 is `ProviderTokenExpired`.** Spotify's wording for an expired, garbage or
  missing token has changed over the years ("The access token expired", "Invalid access token",
  "Missing/invalid/expired access token"), and the only machine field is the status, so the caller
  refreshes once and retries; a second 401 right after a refresh means the grant itself is gone.
- 403 `PREMIUM_REQUIRED` → `PremiumRequired`; a 403 whose body is not JSON is Spotify's plain-text
  "User not registered in the Developer Dashboard" → `ProviderForbidden(reason="user_not_registered")`;
  other 403s (`UNKNOWN` "Restriction violated", missing scope) → `ProviderForbidden` with the reason.
- 404 `NO_ACTIVE_DEVICE` → `NoActiveDevice`, other 404s → `ProviderNotFound`; 429 `QUOTA_EXCEEDED` (the
  app's shared quota is spent; no Retry-After) → `ProviderQuotaExceeded`, other 429s → `ProviderRateLimited`
  with Retry-After; 5xx and transport failures → `ProviderUnavailable` (after the shared session's retries
  of idempotent calls); bodies we cannot read → `ProviderBadResponse`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from providers.base import (
    NoActiveDevice,
    PremiumRequired,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderQuotaExceeded,
    ProviderTokenExpired,
    json_body,
    raise_for_transport_status,
)
from providers.client import ProviderClient
from providers.spotify.parsing import parse_playback_state, parse_profile, parse_recently_played, parsed
from providers.spotify.types import PROVIDER, PlaybackState, RecentlyPlayedPage, SpotifyProfile
from providers.types import CredentialCheck

MAX_RECENTLY_PLAYED = 50


class SpotifyClient(ProviderClient):
    """The Web API for one user's access token. See the module docstring for the error mapping."""

    provider = PROVIDER

    def __init__(self, api_url: str, access_token: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.access_token = access_token

    # reads

    def me(self) -> SpotifyProfile:
        return parsed(parse_profile, self._call_json("GET", "/me"), "/me")

    def check_credentials(self) -> CredentialCheck:
        """Proves the access token works: who it belongs to."""
        profile = self.me()
        extra = {"id": profile.id, "product": profile.product, "email": profile.email}
        return CredentialCheck(
            account=profile.account_id or profile.id,
            detail=profile.display_name or profile.id,
            extra={key: value for key, value in extra.items() if value},
        )

    def recently_played(
        self, *, limit: int = MAX_RECENTLY_PLAYED, after: int | None = None, before: int | None = None
    ) -> RecentlyPlayedPage:
        """One page, newest first. `after`/`before` are epoch milliseconds (exclusive); give at most one.

        Only the last ~50 plays are reachable at all, so poll with `after=page.cursor_after`.
        """
        if not 1 <= limit <= MAX_RECENTLY_PLAYED:
            raise ValueError(f"limit must be between 1 and {MAX_RECENTLY_PLAYED}, not {limit}")
        if after is not None and before is not None:
            raise ValueError("give either after or before, not both")
        params: dict[str, int] = {"limit": limit}
        for name, value in (("after", after), ("before", before)):
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name} is epoch milliseconds as an int, not {value!r}")
                params[name] = value
        data = self._call_json("GET", "/me/player/recently-played", params=params)
        return parsed(parse_recently_played, data, "recently-played")

    def currently_playing(self) -> PlaybackState | None:
        """What plays now, or None when nothing does (204)."""
        return self._playback("/me/player/currently-playing")

    def playback_state(self) -> PlaybackState | None:
        """Playback with the device, or None when no device is active (204)."""
        return self._playback("/me/player")

    # player commands (Premium only; any 2xx is success)

    def pause(self, device_id: str | None = None) -> None:
        self._request("PUT", "/me/player/pause", params=_device_param(device_id))

    def play(
        self,
        device_id: str | None = None,
        *,
        uris: Iterable[str] | None = None,
        context_uri: str | None = None,
        position_ms: int | None = None,
    ) -> None:
        """Resumes (no arguments), or starts `uris` or `context_uri`, optionally at `position_ms`."""
        uris = list(uris) if uris is not None else None
        if uris and context_uri:
            raise ValueError("give either uris or context_uri, not both")
        body: dict[str, Any] = {}
        if uris:
            body["uris"] = uris
        if context_uri:
            body["context_uri"] = context_uri
        if position_ms is not None:
            body["position_ms"] = position_ms
        self._request("PUT", "/me/player/play", params=_device_param(device_id), json=body or None)

    def next(self, device_id: str | None = None) -> None:
        self._request("POST", "/me/player/next", params=_device_param(device_id))

    # plumbing

    def _playback(self, path: str) -> PlaybackState | None:
        response = self._request("GET", path)
        if response.status_code == 204 or not response.content.strip():
            return None
        return parsed(parse_playback_state, self._json(response), path)

    def _call_json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._json(self._request(method, path, **kwargs))

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._send(
            method,
            path,
            headers={"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"},
            **kwargs,
        )
        if not response.is_success:
            _raise_api_error(response)
        return response


def _device_param(device_id: str | None) -> dict[str, str] | None:
    return {"device_id": device_id} if device_id else None


def _raise_api_error(response: httpx.Response) -> None:
    """Spotify's `{"error": {"status", "message"[, "reason"]}}`, or the few non-JSON answers."""
    status = response.status_code
    try:
        data = response.json()
        is_json = True
    except ValueError:
        data, is_json = None, False
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or f"HTTP {status}")
        reason = error.get("reason") if isinstance(error.get("reason"), str) else None
    else:
        error = None
        message = (response.text.strip() if response.content else "") or f"HTTP {status}"
        reason = None
    if status == 429 and reason == "QUOTA_EXCEEDED":  # the app's (developer's) quota, not a rate limit
        raise ProviderQuotaExceeded(message, provider=PROVIDER, status=status, reason=reason)
    raise_for_transport_status(response, provider=PROVIDER, message=message)
    if status == 401:
        raise ProviderTokenExpired(message, provider=PROVIDER, status=status, reason=reason)
    if status == 403:
        if not is_json:  # the dev-mode allow-list answers plain text
            raise ProviderForbidden(message, provider=PROVIDER, status=status, reason="user_not_registered")
        error_class: type[ProviderError] = (
            PremiumRequired if reason == "PREMIUM_REQUIRED" else ProviderForbidden
        )
        raise error_class(message, provider=PROVIDER, status=status, reason=reason)
    if error is None:
        json_body(response, provider=PROVIDER)  # raises ProviderBadResponse for a body that is not JSON
        raise ProviderBadResponse(f"HTTP {status} without an error object", provider=PROVIDER, status=status)
    if status == 404:
        error_class = NoActiveDevice if reason == "NO_ACTIVE_DEVICE" else ProviderNotFound
        raise error_class(message, provider=PROVIDER, status=status, reason=reason)
    raise ProviderError(message, provider=PROVIDER, status=status, reason=reason)
