"""Frozen dataclasses shared by more than one provider client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class OAuthTokens:
    """What a token endpoint answered. `refresh_token` may be absent (then keep the old one)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int | None = None
    refresh_token: str | None = None
    scope: tuple[str, ...] = ()
    obtained_at: datetime | None = None

    @property
    def expires_at(self) -> datetime | None:
        if self.obtained_at is None or self.expires_in is None:
            return None
        return self.obtained_at + timedelta(seconds=self.expires_in)


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization URL to send the user to, with the `state` and PKCE verifier to keep server-side."""

    url: str
    state: str
    code_verifier: str | None = None


@dataclass(frozen=True)
class CredentialCheck:
    """The one cheap call that proves a credential works succeeded (failures raise)."""

    account: str | None = None  # who the credential belongs to, when the provider says
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)
