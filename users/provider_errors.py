"""How a provider failure reaches an API client: the provider's words, our status and code."""

from __future__ import annotations

from core.errors import AppError, PermissionDenied, RateLimited, UpstreamUnavailable
from providers import base


def app_error_from(exc: base.ProviderError, *, hide: str = "") -> AppError:
    """The AppError for a provider failure (a provider 5xx is our 502, never our 500).

    `hide`: a secret that must not appear in the message even if the provider echoed it.
    """
    message = f"{exc.provider}: {exc.message}"
    if hide:
        message = message.replace(hide, "••••")
    if isinstance(exc, base.ProviderRateLimited):
        return RateLimited(message, retry_after=exc.retry_after, code=exc.code_name)
    if isinstance(exc, base.PremiumRequired | base.ProviderForbidden):
        return PermissionDenied(message, code=exc.code_name)
    if isinstance(exc, base.NoActiveDevice | base.ProviderNotFound):
        return AppError(message, status=404, code=exc.code_name)
    if isinstance(exc, base.ProviderAuthError):
        return AppError(message, status=409, code=exc.code_name)
    if isinstance(exc, base.ProviderUnavailable):
        return UpstreamUnavailable(message, status=503 if exc.status == 503 else 502, code=exc.code_name)
    return UpstreamUnavailable(message, code=exc.code_name)


def scrub(message: str, secret: str) -> str:
    return message.replace(secret, "••••") if secret else message
