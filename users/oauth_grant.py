"""What a vault key connected through OAuth keeps beside its access token.

The key's encrypted `metadata` holds it (users.models.UserApiKey); this is its one reader and
writer, so the connection flow, the token refresh, the Connections list and the sync scheduler
read the same typed fields instead of parsing a dict each.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

ConnectionState = Literal["connected", "expired", "needs_reconnect"]


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _text(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class OAuthGrant:
    """A key pasted by hand has the defaults: no refresh token, no expiry known."""

    source: Literal["oauth", "key"] = "key"
    client_id: str | None = None  # the app that issued it (a refresh must use the same app)
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = field(default_factory=tuple)
    connected_at: datetime | None = None
    refreshed_at: datetime | None = None
    needs_reconnect: bool = False  # the provider refused the refresh token: connect again

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> OAuthGrant:
        return cls(
            source="oauth" if metadata.get("source") == "oauth" else "key",
            client_id=metadata.get("client_id"),
            refresh_token=metadata.get("refresh_token"),
            expires_at=_time(metadata.get("expires_at")),
            scopes=tuple(metadata.get("scopes") or ()),
            connected_at=_time(metadata.get("connected_at")),
            refreshed_at=_time(metadata.get("refreshed_at")),
            needs_reconnect=bool(metadata.get("needs_reconnect")),
        )

    def as_metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "source": self.source,
            "client_id": self.client_id,
            "refresh_token": self.refresh_token,
            "expires_at": _text(self.expires_at),
            "scopes": list(self.scopes),
            "connected_at": _text(self.connected_at),
            "refreshed_at": _text(self.refreshed_at),
        }
        if self.needs_reconnect:
            metadata["needs_reconnect"] = True
        return {name: value for name, value in metadata.items() if value is not None}

    @property
    def renews(self) -> bool:
        """A refresh token lets the access token be renewed without the user."""
        return bool(self.refresh_token)

    def expires_within(self, margin: timedelta, *, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now + margin

    def state(self, *, now: datetime) -> ConnectionState:
        if self.needs_reconnect:
            return "needs_reconnect"
        if self.expires_within(timedelta(0), now=now) and not self.renews:
            return "expired"
        return "connected"

    def refreshed(
        self,
        *,
        refresh_token: str | None,
        expires_at: datetime | None,
        scopes: tuple[str, ...],
        now: datetime,
    ) -> OAuthGrant:
        """After a refresh: a provider may rotate the refresh token or keep it (None: the same)."""
        return replace(
            self,
            refresh_token=refresh_token or self.refresh_token,
            expires_at=expires_at,
            scopes=scopes or self.scopes,
            refreshed_at=now,
        )
