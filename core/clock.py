"""The clock background work waits on: wall time, monotonic time and sleep, in one place.

The rate limiter (core.ratelimit), the HTTP session's backoff (core.http), Retry-After waits
(providers.base) and the sync runner (listening.sync, listening.tasks) read the time and sleep through
the functions below, which ask the current clock. Production never changes it. A test installs a
clock whose `sleep` returns at once and moves its time forward instead (`use(...)`), so a rate limit or
a Retry-After is waited out instantly and everything that reads the time agrees it was.
"""

from __future__ import annotations

import time as _time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float: ...
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time, real sleeps."""

    def time(self) -> float:
        return _time.time()

    def monotonic(self) -> float:
        return _time.monotonic()

    def sleep(self, seconds: float) -> None:
        _time.sleep(seconds)


_current: Clock = SystemClock()


def current() -> Clock:
    return _current


def use(clock: Clock) -> Clock:
    """Makes `clock` the one every wait goes through; returns the previous one (to put back)."""
    global _current
    previous, _current = _current, clock
    return previous


def time() -> float:
    """Wall-clock seconds (rate-limit windows must agree across processes)."""
    return _current.time()


def monotonic() -> float:
    return _current.monotonic()


def sleep(seconds: float) -> None:
    _current.sleep(seconds)
