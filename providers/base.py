"""The error family every provider client raises, and the few helpers they share.

Nothing from httpx (or a KeyError from a surprising body) leaves a client: transport failures
become `ProviderUnavailable`, bodies that do not parse `ProviderBadResponse`, and each
provider's own error codes map onto the classes below, keeping the provider's message.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from core import clock
from core.http import http_client

T = TypeVar("T")


class ProviderError(Exception):
    """Base of every provider failure. `message` is the provider's own words where it gave some."""

    code_name = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        reason: str | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.status = status
        self.reason = reason  # the provider's machine-readable reason (Spotify `reason`, Last.fm code, …)
        super().__init__(f"{provider}: {message}")


class ProviderAuthError(ProviderError):
    """Bad, revoked or expired-for-good credentials: the user must reconnect or fix the key."""

    code_name = "provider_auth_error"


class ProviderTokenExpired(ProviderAuthError):
    """The access token expired: refresh it once and retry."""

    code_name = "provider_token_expired"


class ProviderForbidden(ProviderError):
    """The credentials are fine but this is not allowed (scope, privacy, allow-list)."""

    code_name = "provider_forbidden"


class PremiumRequired(ProviderForbidden):
    code_name = "premium_required"


class NoActiveDevice(ProviderError):
    code_name = "no_active_device"


class ProviderNotFound(ProviderError):
    code_name = "provider_not_found"


class ProviderRateLimited(ProviderError):
    """Too many requests; `retry_after` is in seconds when the provider said (or we know)."""

    code_name = "provider_rate_limited"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderQuotaExceeded(ProviderRateLimited):
    """A daily quota is spent; `retry_after` counts the seconds to its reset."""

    code_name = "provider_quota_exceeded"


class ProviderUnavailable(ProviderError):
    """5xx, timeouts and connection errors, after the session's bounded retries."""

    code_name = "provider_unavailable"


class ProviderBadResponse(ProviderError):
    """The provider answered something we cannot read (not JSON, missing fields)."""

    code_name = "provider_bad_response"


def send(
    method: str,
    url: str,
    *,
    provider: str,
    client: httpx.Client | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One request through the shared session; transport failures become `ProviderUnavailable`."""
    try:
        return (client or http_client()).request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{provider} did not answer in time", provider=provider) from exc
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{provider} could not be reached ({exc})", provider=provider) from exc


def json_body(response: httpx.Response, *, provider: str) -> Any:
    """The decoded JSON body, or `ProviderBadResponse` naming what came back instead."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        snippet = response.text[:80].strip() if response.content else "an empty body"
        raise ProviderBadResponse(
            f"expected JSON, got HTTP {response.status_code} with {snippet!r}",
            provider=provider,
            status=response.status_code,
        ) from exc


def parse_retry_after(
    value: str | None, *, default: int | None = None, now: float | None = None
) -> int | None:
    """Retry-After as whole seconds: either delta-seconds or an HTTP date."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else clock.time()
    return max(0, int(when.timestamp() - current + 0.999))


def raise_for_transport_status(
    response: httpx.Response, *, provider: str, message: str | None = None
) -> None:
    """The statuses every provider shares: 429 (with Retry-After) and 5xx."""
    if response.status_code == 429:
        raise ProviderRateLimited(
            message or "rate limit exceeded",
            provider=provider,
            status=429,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if response.status_code >= 500:
        raise ProviderUnavailable(
            message or f"HTTP {response.status_code}", provider=provider, status=response.status_code
        )


def utc_from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def call_honouring_retry_after(
    func: Callable[[], T],
    *,
    max_wait: float = 5.0,
    attempts: int = 3,
    sleep: Callable[[float], None] = clock.sleep,
) -> T:
    """Calls `func`, waiting out a `ProviderRateLimited` whose Retry-After is at most `max_wait`.

    For background work only (never inside a web request). A longer or unknown wait, or the last
    attempt, re-raises, so the caller can reschedule itself for later.
    """
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except ProviderRateLimited as exc:
            wait = exc.retry_after
            if attempt == attempts or wait is None or wait > max_wait:
                raise
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


# RFC 6749 §5.2 errors that mean the credentials themselves are refused (reconnect / fix the app).
OAUTH_AUTH_ERRORS = frozenset({"invalid_client", "invalid_grant", "unauthorized_client", "invalid_scope"})


def oauth_json_body(response: httpx.Response, *, provider: str) -> dict[str, Any]:
    """A token endpoint's 200 answer as a JSON object, or the RFC 6749 error it carries, raised."""
    if response.status_code == 200:
        body = json_body(response, provider=provider)
        if not isinstance(body, dict):
            raise ProviderBadResponse("the answer is not a JSON object", provider=provider, status=200)
        return body
    raise_oauth_error(response, provider=provider)
    raise AssertionError("unreachable")  # pragma: no cover


def raise_oauth_error(
    response: httpx.Response,
    *,
    provider: str,
    auth_errors: frozenset[str] = OAUTH_AUTH_ERRORS,
    expired_errors: frozenset[str] = frozenset({"invalid_token"}),
    forbidden_errors: frozenset[str] = frozenset({"insufficient_scope"}),
) -> None:
    """Raises the error family member for a `{"error", "error_description"}` answer (RFC 6749 §5.2,
    RFC 6750 §3.1); 429/5xx and bodies that are not JSON as the shared helpers do."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, str):
        raise_for_transport_status(response, provider=provider)
        json_body(response, provider=provider)  # not JSON → ProviderBadResponse
        raise ProviderBadResponse(f"HTTP {status} without an OAuth error", provider=provider, status=status)
    message = str(body.get("error_description") or error)
    if error in expired_errors:
        raise ProviderTokenExpired(message, provider=provider, status=status, reason=error)
    if error in auth_errors:
        raise ProviderAuthError(message, provider=provider, status=status, reason=error)
    if error in forbidden_errors:
        raise ProviderForbidden(message, provider=provider, status=status, reason=error)
    raise_for_transport_status(response, provider=provider, message=message)
    raise ProviderError(message, provider=provider, status=status, reason=error)
