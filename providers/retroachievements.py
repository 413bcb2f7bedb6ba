"""RetroAchievements web API client: a user's profile, and proving a web API key (plus a username) works.

An unknown user: current RAWeb answers `404` with `[]` (`API_GetUserProfile.php`); older builds answered
`404 {"ID":null,"User":…}`, and clients have seen a `200` with an empty object. All are `ProviderNotFound`.
A malformed username gets Laravel's `422` validation error, which also means no such user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotFound,
    raise_for_transport_status,
)
from providers.client import ProviderClient
from providers.types import CredentialCheck

PROVIDER = "RetroAchievements"
SITE_URL = "https://retroachievements.org"


@dataclass(frozen=True)
class RetroAchievementsProfile:
    username: str
    user_id: int | None
    ulid: str | None
    user_pic: str  # site-relative, e.g. "/UserPic/wiz.png"
    member_since: datetime | None
    total_points: int
    total_softcore_points: int
    total_true_points: int
    rich_presence: str | None
    last_game_id: int | None
    motto: str
    untracked: bool

    @property
    def user_pic_url(self) -> str:
        return SITE_URL + self.user_pic if self.user_pic.startswith("/") else self.user_pic


class RetroAchievementsClient(ProviderClient):
    provider = PROVIDER

    def __init__(self, api_url: str, api_key: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.api_key = api_key

    def user_profile(self, username: str) -> RetroAchievementsProfile:
        response = self._send(
            "GET",
            "/API_GetUserProfile.php",
            params={"y": self.api_key, "u": username},
        )
        _raise_for_status(response, username)
        body = self._json(response)
        if not body or not isinstance(body, dict) or not body.get("User"):
            raise _not_found(username, response.status_code)
        try:
            return _profile(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponse(f"unexpected profile shape ({exc!r})", provider=PROVIDER) from exc

    def check_credentials(self, username: str) -> CredentialCheck:
        """The key works and `username` exists (`ProviderNotFound` when it does not)."""
        profile = self.user_profile(username)
        extra = {"total_points": str(profile.total_points)}
        if profile.ulid:
            extra["ulid"] = profile.ulid
        return CredentialCheck(
            account=profile.username,
            detail=f"RetroAchievements key accepted; {profile.username} has {profile.total_points} points",
            extra=extra,
        )


def _raise_for_status(response: httpx.Response, username: str) -> None:
    status = response.status_code
    if status < 400:
        return
    message, reason = _error(response)
    if status in (401, 403):
        raise ProviderAuthError(
            message or "invalid web API key",
            provider=PROVIDER,
            status=status,
            reason=reason or "unauthorized",
        )
    if status in (404, 422):
        raise _not_found(username, status, reason="validation" if status == 422 else None)
    raise_for_transport_status(response, provider=PROVIDER, message=message)
    raise ProviderError(
        message or f"RetroAchievements answered HTTP {status}", provider=PROVIDER, status=status
    )


def _error(response: httpx.Response) -> tuple[str | None, str | None]:
    """Laravel's `{"message", "errors":[{"status","code","title"}]}` → (message, first error code)."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first.get("code")
    message = body.get("message")
    return (message if isinstance(message, str) else None), (str(code) if code else None)


def _not_found(username: str, status: int, reason: str | None = None) -> ProviderNotFound:
    return ProviderNotFound(
        f"RetroAchievements has no user {username!r}", provider=PROVIDER, status=status, reason=reason
    )


def _profile(body: dict[str, Any]) -> RetroAchievementsProfile:
    member_since = body.get("MemberSince")
    return RetroAchievementsProfile(
        username=body["User"],
        user_id=_optional_int(body.get("ID")),
        ulid=body.get("ULID"),
        user_pic=body.get("UserPic") or f"/UserPic/{body['User']}.png",
        # "YYYY-MM-DD HH:MM:SS", in UTC.
        member_since=datetime.fromisoformat(member_since).replace(tzinfo=UTC) if member_since else None,
        total_points=int(body.get("TotalPoints") or 0),
        total_softcore_points=int(body.get("TotalSoftcorePoints") or 0),
        total_true_points=int(body.get("TotalTruePoints") or 0),
        rich_presence=body.get("RichPresenceMsg") or None,
        last_game_id=_optional_int(body.get("LastGameID")),
        motto=body.get("Motto") or "",
        untracked=bool(int(body.get("Untracked") or 0)),
    )


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None
