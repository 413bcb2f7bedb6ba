"""The shared rate limiter, on the configured cache (local memory here, Redis under CI)."""

import threading
from collections import Counter

import pytest
from django.core.cache import cache

from core.ratelimit import RateLimiter, RateLimitWaitExceeded


class FakeClock:
    """Wall-clock time that only moves when the limiter sleeps."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter_on(clock: FakeClock, key: str = "test", **options) -> RateLimiter:
    return RateLimiter(key, clock=clock.time, sleep=clock.sleep, **options)


def test_calls_within_the_rate_do_not_wait():
    clock = FakeClock()
    limiter = limiter_on(clock, rate=5, per=1.0)

    for _ in range(5):
        limiter()

    assert clock.sleeps == []


def test_the_rate_is_respected_over_many_calls():
    clock = FakeClock(now=1_000_000.25)
    limiter = limiter_on(clock, rate=5, per=1.0)

    moments = []
    for _ in range(12):
        limiter()
        moments.append(clock.now)

    per_second = Counter(int(moment) for moment in moments)
    assert list(per_second.values()) == [5, 5, 2]
    assert clock.sleeps == [0.75, 1.0]


def test_separate_keys_are_independent():
    clock = FakeClock()
    first = limiter_on(clock, "lastfm:aaaa", rate=2)
    second = limiter_on(clock, "lastfm:bbbb", rate=2)

    first()
    first()
    second()
    second()

    assert clock.sleeps == []
    first()
    assert len(clock.sleeps) == 1


def test_a_wait_beyond_max_wait_raises_at_once():
    clock = FakeClock()
    limiter = limiter_on(clock, rate=1, per=10.0, max_wait=1.0)
    limiter()

    with pytest.raises(RateLimitWaitExceeded) as caught:
        limiter()

    assert clock.sleeps == []
    assert caught.value.retry_after == 10
    assert caught.value.status == 429
    assert "no free slot within 1s" in caught.value.message


def test_the_count_lives_in_the_configured_cache():
    clock = FakeClock()
    limiter = limiter_on(clock, "shared", rate=5)

    limiter()
    limiter()

    assert cache.get(limiter.window_key(1_000_000)) == 2


def test_a_limiter_for_a_credential_keeps_the_secret_out_of_the_key():
    limiter = RateLimiter.for_credential("lastfm", "my-secret-api-key", rate=5)

    assert limiter.key.startswith("lastfm:")
    assert "my-secret" not in limiter.key
    assert limiter.key == RateLimiter.for_credential("lastfm", "my-secret-api-key").key
    assert limiter.key != RateLimiter.for_credential("lastfm", "another-key").key


@pytest.mark.parametrize("options", [{"rate": 0}, {"per": 0}])
def test_nonsense_rates_are_refused(options):
    with pytest.raises(ValueError, match="rate must be"):
        RateLimiter("test", **options)


def test_threads_sharing_a_key_share_the_budget_in_real_time():
    """Several workers on one key, real clock and sleep: no window ever lets more than `rate` through."""
    granted: list[int] = []
    lock = threading.Lock()

    class Recording(RateLimiter):
        def _take_slot(self, window: int) -> bool | None:
            taken = super()._take_slot(window)
            if taken:
                with lock:
                    granted.append(window)
            return taken

    def worker() -> None:
        limiter = Recording("threads", rate=3, per=0.2, max_wait=5.0)
        for _ in range(4):
            limiter()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(granted) == 12
    per_window = Counter(granted)
    assert max(per_window.values()) <= 3
    assert len(per_window) >= 4
