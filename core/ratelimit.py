"""A client-side rate limiter shared by every process through Django's cache.

Providers ask callers to pace themselves (Last.fm: about five requests a second per API key). The
web process, the Celery workers and the beat scheduler all call the same provider with the same
key, so the count must live somewhere they all see: the cache, which is Redis when `REDIS_URL` is
set (local memory otherwise, which is shared by the threads of one process only).

The limiter spaces calls evenly: for `rate` calls per `per` seconds, one call every
`per / rate` seconds, never two closer. Time is cut into slots of that length, and a caller takes
the first free slot from now on with `cache.add` (first writer wins, atomically, in Redis and in
local memory alike). The slot's value is the moment its call goes out: the later of now, the slot's
start and the previous slot's call plus one interval, so calls in consecutive slots stay a whole
interval apart even when the first went late in its slot. An idle limiter lets a call go at once;
a busy one never lets more than `rate` calls into any `per`-second span, wherever the span starts.
(Fixed windows, which this replaced, let up to `2 * rate` calls through around a boundary, and the
provider saw six in a second.)

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

NO_CALL = 0.0  # a slot's record when it was closed without a call


class RateLimitWaitExceeded(RateLimited):
    """The next free slot is further away than the caller agreed to wait."""

    code = ErrorCode.RATE_LIMIT_WAIT_EXCEEDED
    default_message = "Too many calls to an external service right now; try again shortly."


class RateLimiter:
    """`limiter()` returns once a call may go out, `per / rate` seconds after the previous one for `key`.

    Sleeps until the call's slot comes. If no slot is free within `max_wait` seconds of the call,
    raises `RateLimitWaitExceeded` at once instead of sleeping in vain.
    `cache`, `clock` and `sleep` are injectable for tests; the defaults are Django's default cache and
    core.clock's wall time (slots must agree across processes) and sleep, which a test can swap for
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
        self.interval = per / rate
        self.max_wait = max_wait
        self._cache = cache
        self._clock = clock
        self._sleep = sleep
        # A slot's record must outlive every caller that may still read it as "the previous slot".
        self._ttl = math.ceil(max_wait + 2 * self.interval) + 1

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

    def slot_key(self, slot: int) -> str:
        return f"ratelimit:{self.key}:{slot}"

    def __call__(self) -> None:
        now = self._clock()
        deadline = now + self.max_wait
        slot = math.floor(now / self.interval)
        while True:
            goes_at = max(now, slot * self.interval, self._previous_call(slot) + self.interval)
            if goes_at > deadline:
                raise RateLimitWaitExceeded(
                    f"more than {self.rate} calls in {self.per:g}s for {self.key}; "
                    f"no free slot within {self.max_wait:g}s",
                    retry_after=math.ceil(goes_at - now),
                )
            if self.cache.add(self.slot_key(slot), goes_at, timeout=self._ttl):
                if goes_at > now:
                    self._sleep(goes_at - now)
                return
            slot += 1

    def _previous_call(self, slot: int) -> float:
        """When the call of the slot before `slot` went out; 0 if that slot had none.

        A free previous slot is closed first (`NO_CALL`), so a slower caller whose clock still reads
        that slot cannot take it after this one has planned around its being empty.
        """
        key = self.slot_key(slot - 1)
        previous = self.cache.get(key)
        if previous is None and not self.cache.add(key, NO_CALL, timeout=self._ttl):
            previous = self.cache.get(key)
        return previous or NO_CALL
