"""Steam Web API client: player summaries, and proving a Web API key (plus a Steam ID) works.

Steam's errors are HTML pages, not JSON: a bad key is a 403 "Access is denied … verify your key=", a
missing key a 400. The status alone says what happened, so those map to `ProviderAuthError` with the
page's text as the message rather than to a bad-response error.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderNotFound,
    raise_for_transport_status,
    utc_from_timestamp,
)
from providers.client import ProviderClient
from providers.types import CredentialCheck

PROVIDER = "Steam"
MAX_IDS_PER_CALL = 100
PUBLIC_PROFILE = 3  # communityvisibilitystate: 1 private/friends-only, 3 public


@dataclass(frozen=True)
class SteamPlayer:
    steam_id: str
    persona_name: str
    profile_url: str
    avatar_url: str
    visibility: int
    persona_state: int
    real_name: str | None = None
    country_code: str | None = None
    created_at: datetime | None = None

    @property
    def is_public(self) -> bool:
        return self.visibility == PUBLIC_PROFILE


class SteamClient(ProviderClient):
    provider = PROVIDER

    def __init__(self, api_url: str, api_key: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.api_key = api_key

    def player_summaries(self, steam_ids: Iterable[str]) -> tuple[SteamPlayer, ...]:
        """The players Steam knows among `steam_ids` (unknown ids are simply absent)."""
        ids = [str(steam_id) for steam_id in steam_ids]
        if not ids or len(ids) > MAX_IDS_PER_CALL:
            raise ValueError(f"between 1 and {MAX_IDS_PER_CALL} Steam IDs per call, got {len(ids)}")
        response = self._send(
            "GET",
            "/ISteamUser/GetPlayerSummaries/v0002/",
            params={"key": self.api_key, "steamids": ",".join(ids)},
        )
        _raise_for_status(response)
        body = self._json(response)
        try:
            return tuple(_player(row) for row in body["response"]["players"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponse(
                f"unexpected player summaries shape ({exc!r})", provider=PROVIDER
            ) from exc

    def check_credentials(self, steam_id: str) -> CredentialCheck:
        """The key works and `steam_id` is a real account (`ProviderNotFound` when it is not)."""
        players = self.player_summaries([steam_id])
        if not players:
            raise ProviderNotFound(f"Steam has no account with the Steam ID {steam_id}", provider=PROVIDER)
        player = players[0]
        return CredentialCheck(
            account=player.steam_id,
            detail=f"Steam key accepted; Steam ID {player.steam_id} is {player.persona_name}",
            extra={
                "persona_name": player.persona_name,
                "profile_url": player.profile_url,
                "visibility": "public" if player.is_public else "private",
            },
        )


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in (400, 401, 403):
        # 400 "Required parameter 'key' is missing", 401/403 "Access is denied … verify your key=".
        # Our calls always send `steamids`, so a 400 can only be about the key.
        message = html_text(response.text) or f"Steam refused the key (HTTP {status})"
        raise ProviderAuthError(message, provider=PROVIDER, status=status)
    raise_for_transport_status(response, provider=PROVIDER, message=html_text(response.text) or None)
    raise ProviderError(f"Steam answered HTTP {status}", provider=PROVIDER, status=status)


def html_text(page: str) -> str:
    """The words of a Steam error page, without its title heading: "Access is denied. …"."""
    body = re.search(r"<body[^>]*>(.*)</body>", page, flags=re.DOTALL | re.IGNORECASE)
    text = body.group(1) if body else page
    text = re.sub(r"<h1[^>]*>.*?</h1>", " ", text, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def _player(row: dict[str, Any]) -> SteamPlayer:
    created = row.get("timecreated")
    return SteamPlayer(
        steam_id=str(row["steamid"]),
        persona_name=row["personaname"],
        profile_url=row.get("profileurl", ""),
        avatar_url=row.get("avatarfull") or row.get("avatar", ""),
        visibility=int(row.get("communityvisibilitystate", 1)),
        persona_state=int(row.get("personastate", 0)),
        real_name=row.get("realname") or None,
        country_code=row.get("loccountrycode") or None,
        created_at=utc_from_timestamp(created) if created else None,
    )
