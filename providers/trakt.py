"""Trakt API v2 client: the required headers, trending movies, and proving a client id works.

Only the client id (`trakt-api-key`) is needed for public calls; the client secret matters for the
OAuth flow alone, so it cannot be proved here. Trakt errors carry no body (the legacy v1 401 aside),
so everything is decided on the status and headers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
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

PROVIDER = "Trakt"
API_VERSION = "2"


@dataclass(frozen=True)
class TraktMovie:
    title: str
    year: int | None
    trakt_id: int
    slug: str
    imdb_id: str | None = None
    tmdb_id: int | None = None


@dataclass(frozen=True)
class TraktTrendingMovie:
    watchers: int
    movie: TraktMovie


@dataclass(frozen=True)
class TraktRateLimit:
    """Trakt's `X-Ratelimit` header: which limit, and when it resets."""

    name: str
    period: int | None
    limit: int | None
    remaining: int | None
    until: datetime | None


class TraktClient(ProviderClient):
    provider = PROVIDER

    def __init__(self, api_url: str, client_id: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.client_id = client_id

    def trending_movies(self, limit: int = 1) -> tuple[TraktTrendingMovie, ...]:
        rows = self._get("/movies/trending", {"limit": limit})
        try:
            return tuple(_trending_movie(row) for row in rows)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponse(
                f"unexpected trending movies shape ({exc!r})", provider=PROVIDER
            ) from exc

    def check_credentials(self) -> CredentialCheck:
        """One trending movie: Trakt answers it only for a valid, approved client id."""
        movies = self.trending_movies(limit=1)
        extra = {"trending": movies[0].movie.title} if movies else {}
        return CredentialCheck(account=None, detail="Trakt accepted the client id", extra=extra)

    # --- plumbing ----------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        response = self._send(
            "GET",
            path,
            params=params,
            headers={
                "Content-Type": "application/json",
                "trakt-api-key": self.client_id,
                "trakt-api-version": API_VERSION,
            },
        )
        _raise_for_status(response)
        return self._json(response)


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        # Legacy v1: 401 {"status":"failure","error":"invalid API key"}; v2: 403 with no body.
        message = _legacy_error(response) or "invalid API key or unapproved app"
        raise ProviderAuthError(message, provider=PROVIDER, status=status)
    if status == 423:
        deactivated = response.headers.get("X-Account-Deactivated", "").lower() == "true"
        message = "the Trakt account is " + ("deactivated" if deactivated else "locked")
        raise ProviderForbidden(message, provider=PROVIDER, status=423, reason="locked")
    if status == 429:
        rate_limit = parse_rate_limit(response.headers.get("X-Ratelimit"))
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None and rate_limit is not None and rate_limit.until is not None:
            retry_after = max(0, math.ceil((rate_limit.until - datetime.now(UTC)).total_seconds()))
        raise ProviderRateLimited(
            "Trakt rate limit exceeded",
            provider=PROVIDER,
            status=429,
            reason=rate_limit.name if rate_limit else None,
            retry_after=retry_after,
        )
    raise_for_transport_status(response, provider=PROVIDER)
    if status == 404:
        raise ProviderNotFound("Trakt has no such resource", provider=PROVIDER, status=404)
    raise ProviderError(f"Trakt answered HTTP {status}", provider=PROVIDER, status=status)


def _legacy_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


def parse_rate_limit(header: str | None) -> TraktRateLimit | None:
    """The `X-Ratelimit` JSON header, or None when absent or unreadable (it only refines a 429)."""
    if not header:
        return None
    try:
        data = json.loads(header)
        until = data.get("until")
        return TraktRateLimit(
            name=str(data.get("name", "")),
            period=_optional_int(data.get("period")),
            limit=_optional_int(data.get("limit")),
            remaining=_optional_int(data.get("remaining")),
            until=_utc(datetime.fromisoformat(until)) if until else None,
        )
    except (ValueError, TypeError, AttributeError):
        return None


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _trending_movie(row: dict[str, Any]) -> TraktTrendingMovie:
    movie = row["movie"]
    ids = movie["ids"]
    return TraktTrendingMovie(
        watchers=int(row["watchers"]),
        movie=TraktMovie(
            title=movie["title"],
            year=_optional_int(movie.get("year")),
            trakt_id=int(ids["trakt"]),
            slug=ids["slug"],
            imdb_id=ids.get("imdb"),
            tmdb_id=_optional_int(ids.get("tmdb")),
        ),
    )
