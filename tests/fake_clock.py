"""A clock for core.clock whose sleeps return at once: time moves forward by what was slept instead."""

from __future__ import annotations

import threading
import time


class FakeClock:
    """Real time plus everything slept so far, so rate-limit windows, Retry-After waits, backoff and
    time budgets all see the wait happen without the test spending it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.offset = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self.sleeps.append(seconds)
            self.offset += seconds
