"""Xbox Live through OpenXBL (`https://xbl.io/api/v2`): the key's own account, and proving the key works.

OpenXBL answers every call with `X-RateLimit-Limit/Spent/Remaining` (150 calls an hour on the free plan);
they are kept on the result so the caller can show how much is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderRateLimited,
    parse_retry_after,
    raise_for_transport_status,
)
from providers.client import ProviderClient
from providers.types import CredentialCheck

PROVIDER = "OpenXBL"
CONTRACT_VERSION = "100"


@dataclass(frozen=True)
class XboxRateLimit:
    limit: int | None
    spent: int | None
    remaining: int | None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> XboxRateLimit | None:
        values = [
            _int_or_none(headers.get(f"X-RateLimit-{name}")) for name in ("Limit", "Spent", "Remaining")
        ]
        return cls(*values) if any(value is not None for value in values) else None

    def as_extra(self) -> dict[str, str]:
        pairs = {
            "rate_limit_limit": self.limit,
            "rate_limit_spent": self.spent,
            "rate_limit_remaining": self.remaining,
        }
        return {key: str(value) for key, value in pairs.items() if value is not None}


@dataclass(frozen=True)
class XboxAccount:
    xuid: str
    gamertag: str
    gamerscore: int | None
    avatar_url: str | None = None
    rate_limit: XboxRateLimit | None = None


class XboxClient(ProviderClient):
    provider = PROVIDER

    def __init__(self, api_url: str, api_key: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.api_key = api_key

    def account(self) -> XboxAccount:
        """The Xbox profile the OpenXBL key belongs to."""
        response = self._send(
            "GET",
            "/account",
            headers={
                "X-Authorization": self.api_key,
                "X-Contract": CONTRACT_VERSION,
                "Accept": "application/json",
            },
        )
        rate_limit = XboxRateLimit.from_headers(response.headers)
        _raise_for_status(response, rate_limit)
        body = self._json(response)
        try:
            user = body["profileUsers"][0]
            settings = {setting["id"]: setting.get("value") for setting in user.get("settings", [])}
            return XboxAccount(
                xuid=str(user["id"]),
                gamertag=settings.get("Gamertag") or "",
                gamerscore=_int_or_none(settings.get("Gamerscore")),
                avatar_url=settings.get("GameDisplayPicRaw") or None,
                rate_limit=rate_limit,
            )
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ProviderBadResponse(f"unexpected account shape ({exc!r})", provider=PROVIDER) from exc

    def check_credentials(self) -> CredentialCheck:
        account = self.account()
        extra = {"gamertag": account.gamertag}
        if account.gamerscore is not None:
            extra["gamerscore"] = str(account.gamerscore)
        if account.rate_limit is not None:
            extra |= account.rate_limit.as_extra()
        return CredentialCheck(
            account=account.xuid,
            detail=f"OpenXBL key accepted for {account.gamertag} (XUID {account.xuid})",
            extra=extra,
        )


def _raise_for_status(response: httpx.Response, rate_limit: XboxRateLimit | None) -> None:
    status = response.status_code
    if status < 400:
        return
    message = _message(response)
    if status == 401:
        raise ProviderAuthError(message or "invalid OpenXBL API key", provider=PROVIDER, status=401)
    if status == 429:
        spent = (
            f" ({rate_limit.spent} of {rate_limit.limit} calls spent)"
            if rate_limit and rate_limit.limit
            else ""
        )
        raise ProviderRateLimited(
            (message or "rate limit exceeded") + spent,
            provider=PROVIDER,
            status=429,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    raise_for_transport_status(response, provider=PROVIDER, message=message)
    if status == 403:
        raise ProviderForbidden(message or "forbidden", provider=PROVIDER, status=403)
    if status == 404:
        raise ProviderNotFound(message or "not found", provider=PROVIDER, status=404)
    raise ProviderError(message or f"OpenXBL answered HTTP {status}", provider=PROVIDER, status=status)


def _message(response: httpx.Response) -> str | None:
    """OpenXBL's error body is not documented: take a `message` (or `error`) string when there is one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    message = body.get("message") or body.get("error")
    return message if isinstance(message, str) else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
