"""A client-side rate limiter shared by every process through Django's cache.

Providers ask callers to pace themselves (Last.fm: about five requests a second per API key). The
web process, the Celery workers and the beat scheduler all call the same provider with the same
key, so the count must live somewhere they all see: the cache, which is Redis when `REDIS_URL` is
set (local memory otherwise, which is shared by the threads of one process only).

The limiter counts calls in fixed windows of `per` seconds: `cache.add` creates the window's
counter, `cache.incr` takes a slot atomically, and a caller that finds the window full sleeps until
the next one. Fixed windows can let up to `2 * rate` calls through around a window boundary, which
is well inside what "N requests a second, averaged over minutes" asks for.

Provider clients take the limiter as a plain callable (`limiter() -> None`), so they never import
Django:

    client = LastfmClient(url, api_key, limiter=RateLimiter.for_credential("lastfm", api_key, rate=5))
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

from core import clock as shared_clock
from core.error_codes import ErrorCode
from core.errors import RateLimited


class RateLimitWaitExceeded(RateLimited):
    """The next free slot is further away than the caller agreed to wait."""

    code = ErrorCode.RATE_LIMIT_WAIT_EXCEEDED
    default_message = "Too many calls to an external service right now; try again shortly."


class RateLimiter:
    """`limiter()` returns once a call may go out under `rate` calls per `per` seconds for `key`.

    Blocks (sleeps) while the current window is full. If the wait would end past `max_wait` seconds
    from the call, raises `RateLimitWaitExceeded` at once instead of sleeping in vain.
    `cache`, `clock` and `sleep` are injectable for tests; the defaults are Django's default cache and
    core.clock's wall time (windows must agree across processes) and sleep, which a test can swap for
    all limiters at once.
    """

    def __init__(
        self,
        key: str,
        *,
        rate: int = 5,
        per: float = 1.0,
        max_wait: float = 10.0,
        cache: Any = None,
        clock: Callable[[], float] = shared_clock.time,
        sleep: Callable[[float], None] = shared_clock.sleep,
    ) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("rate must be at least 1 and per must be positive")
        self.key = key
        self.rate = rate
        self.per = per
        self.max_wait = max_wait
        self._cache = cache
        self._clock = clock
        self._sleep = sleep
        # Long enough that a window's counter outlives the window, short enough not to pile up.
        self._ttl = max(2, math.ceil(per) + 1)

    @classmethod
    def for_credential(cls, provider: str, secret: str, **options: Any) -> RateLimiter:
        """A limiter keyed by a hash of the credential, so the secret never lands in the cache."""
        digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
        return cls(f"{provider}:{digest}", **options)

    @property
    def cache(self) -> Any:
        if self._cache is None:
            from django.core.cache import cache

            return cache
        return self._cache

    def window_key(self, window: int) -> str:
        return f"ratelimit:{self.key}:{window}"

    def __call__(self) -> None:
        deadline = self._clock() + self.max_wait
        while True:
            now = self._clock()
            window = math.floor(now / self.per)
            taken = self._take_slot(window)
            if taken is None:
                continue  # the window's counter expired under us: count again
            if taken:
                return
            wait = (window + 1) * self.per - now
            if now + wait > deadline:
                raise RateLimitWaitExceeded(
                    f"more than {self.rate} calls in {self.per:g}s for {self.key}; "
                    f"no free slot within {self.max_wait:g}s",
                    retry_after=math.ceil(wait),
                )
            self._sleep(wait)

    def _take_slot(self, window: int) -> bool | None:
        """True if a slot in `window` was free and is now ours; None if the counter vanished."""
        key = self.window_key(window)
        self.cache.add(key, 0, timeout=self._ttl)
        try:
            count = self.cache.incr(key)
        except ValueError:
            return None
        return count <= self.rate
