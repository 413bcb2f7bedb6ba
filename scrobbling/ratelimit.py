"""The ListenBrainz API's rate limit: LISTENBRAINZ_RATE_LIMIT requests per window, counted per token
(per client address when a request carries none), shared by every process through the cache.

Every answer says where the caller stands, in ListenBrainz's headers, so clients such as
liblistenbrainz pace themselves: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset-In`
(seconds) and `X-RateLimit-Reset` (epoch seconds).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from core.client_ip import client_ip

GROUP = "listenbrainz"


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset_in: int
    limited: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset-In": str(self.reset_in),
            "X-RateLimit-Reset": str(int(time.time()) + self.reset_in),
        }


def _caller(group: str, request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    _, _, token = header.strip().partition(" ")
    if token.strip():  # the secret never lands in the cache: a digest of it does
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    query_token = request.GET.get("token", "")
    if query_token:
        return "token:" + hashlib.sha256(query_token.encode()).hexdigest()[:32]
    return "ip:" + client_ip(request)


def rate_limit_spend(request: HttpRequest) -> Usage:
    """Counts this request against its caller's window."""
    usage = get_usage(
        request, group=GROUP, key=_caller, rate=settings.LISTENBRAINZ_RATE_LIMIT, increment=True
    )
    if usage is None:  # rate limiting switched off (RATELIMIT_ENABLE)
        return Usage(limit=0, remaining=0, reset_in=0, limited=False)
    reset_in = max(1, int(usage["time_left"]))
    remaining = max(0, usage["limit"] - usage["count"])
    return Usage(limit=usage["limit"], remaining=remaining, reset_in=reset_in, limited=usage["should_limit"])
