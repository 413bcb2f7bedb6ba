"""The one outgoing HTTP session: every call to an external service goes through it.

It sets a timeout on every call, our User-Agent, and retries connection errors, timeouts and
502/503/504 answers a bounded number of times with exponential backoff (idempotent methods only).
A 429 is never retried here: the caller turns it into a rate-limit error with its Retry-After,
so no web request sleeps waiting for a provider.

`http_client()` is the shared pooled client. `client_options()` gives the same transport, timeout
and headers to a library that builds its own httpx client (Authlib's OAuth2Client).
"""

from __future__ import annotations

import functools
from http import HTTPStatus
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from httpx_retries import Retry, RetryTransport

from core import clock

USER_AGENT = "MusicHub/1.0 (self-hosted music hub)"
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_RETRIES = 2
RETRY_STATUSES = (HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT)


class _Retry(Retry):
    """httpx-retries' policy, waiting its backoff through core.clock (a test's clock waits instantly)."""

    def sleep(self, response: httpx.Response | Exception) -> None:
        seconds = self._calculate_sleep(response.headers if isinstance(response, httpx.Response) else {})
        clock.sleep(seconds)
        self.elapsed_sleep += seconds


def _settings_default(name: str, fallback: float) -> float:
    """The project's setting when Django is configured, else the module default (plain scripts)."""
    try:
        from django.conf import settings

        return getattr(settings, name, fallback) if settings.configured else fallback
    except ImportError:  # pragma: no cover - providers used without Django
        return fallback


def client_options(
    *,
    timeout: float | None = None,
    retries: int | None = None,
    backoff_factor: float = 0.5,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `httpx.Client` (or a subclass) with our timeout, retries and User-Agent."""
    timeout = (
        timeout if timeout is not None else _settings_default("HTTP_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
    )
    retries = int(retries if retries is not None else _settings_default("HTTP_RETRIES", DEFAULT_RETRIES))
    retry = _Retry(
        total=retries,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        max_backoff_wait=5.0,
    )
    return {
        "transport": RetryTransport(transport=transport or httpx.HTTPTransport(), retry=retry),
        "timeout": httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        "headers": {"User-Agent": USER_AGENT},
        "follow_redirects": False,
        # One process serves many users: a cookie one provider sets must never ride along on
        # another user's call, so the shared client keeps none.
        "cookies": CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    }


def make_http_client(**options: Any) -> httpx.Client:
    """A new client; prefer `http_client()`, which shares one connection pool per process."""
    return httpx.Client(**client_options(**options))


@functools.cache
def http_client() -> httpx.Client:
    """The process-wide client (thread-safe, pooled connections)."""
    return make_http_client()
