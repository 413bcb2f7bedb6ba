"""The shared rate limiter, on the configured cache (local memory here, Redis under CI)."""

import itertools
import threading
import time

import pytest
from django.core.cache import cache

from core.ratelimit import NO_CALL, RateLimiter, RateLimitWaitExceeded


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


def test_an_idle_limiter_lets_a_call_go_at_once():
    clock = FakeClock(now=1_000_000.37)
    limiter = limiter_on(clock, rate=5, per=1.0)

    limiter()

    assert clock.sleeps == []


def moments_of(limiter: RateLimiter, clock: FakeClock, calls: int, *, each_takes: float = 0.0) -> list[float]:
    """When each of `calls` calls went out, the clock moving `each_takes` seconds per call."""
    moments = []
    for _ in range(calls):
        limiter()
        moments.append(clock.now)
        clock.now += each_takes
    return moments


def test_calls_go_out_evenly_spaced():
    clock = FakeClock(now=1_000_000.25)

    moments = moments_of(limiter_on(clock, rate=5, per=1.0), clock, 12)

    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert gaps == pytest.approx([0.2] * 11)
    assert moments[-1] - moments[0] == pytest.approx(2.2)  # twelve calls at five a second


def test_no_span_of_per_seconds_holds_more_than_rate_calls():
    """What fixed windows got wrong: five calls late in one second and five early in the next."""
    clock = FakeClock(now=1_000_000.9)

    moments = moments_of(limiter_on(clock, rate=5, per=1.0), clock, 10, each_takes=0.01)

    for first, sixth in zip(moments, moments[5:], strict=False):
        assert sixth - first >= 1.0 - 1e-9


def test_a_call_late_in_its_slot_pushes_the_next_one_back():
    clock = FakeClock(now=1_000_000.0)
    limiter = limiter_on(clock, rate=5, per=1.0)

    clock.now = 1_000_000.19  # late in the slot that started at .0
    limiter()
    clock.now = 1_000_000.21  # the next slot has started, but the last call was only .02 s ago
    limiter()

    assert clock.now == pytest.approx(1_000_000.39, abs=1e-6)


def test_a_caller_whose_clock_lags_cannot_slip_in_before_a_later_call():
    """A caller still in the slot before (its clock read a moment earlier) waits a whole interval."""
    clock = FakeClock()
    limiter = limiter_on(clock, rate=5, per=1.0)

    clock.now = 1_000_000.201  # just into a slot whose predecessor is free
    limiter()
    clock.now = 1_000_000.199  # a caller that read the clock just before: the free slot is closed to it
    limiter()

    assert clock.now == pytest.approx(1_000_000.401, abs=1e-6)


def test_separate_keys_are_independent():
    clock = FakeClock()
    first = limiter_on(clock, "lastfm:aaaa", rate=2)
    second = limiter_on(clock, "lastfm:bbbb", rate=2)

    first()
    second()
    assert clock.sleeps == []

    first()
    second()
    assert clock.sleeps == [pytest.approx(0.5)]  # the second key's slot had come by then


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


def test_the_slots_live_in_the_configured_cache():
    clock = FakeClock(now=1_000_000.0)
    limiter = limiter_on(clock, "shared", rate=5)

    limiter()
    limiter()

    assert cache.get(limiter.slot_key(5_000_000)) == 1_000_000.0
    assert cache.get(limiter.slot_key(5_000_001)) == pytest.approx(1_000_000.2, abs=1e-6)


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


class RecordingCache:
    """The configured cache, noting the moment each slot a caller won says its call goes out."""

    def __init__(self) -> None:
        self.goes_at: list[float] = []
        self.lock = threading.Lock()

    def get(self, key: str) -> float | None:
        return cache.get(key)

    def add(self, key: str, value: float, timeout: int) -> bool:
        added = cache.add(key, value, timeout=timeout)
        if added and value != NO_CALL:
            with self.lock:
                self.goes_at.append(value)
        return added


def test_threads_sharing_a_key_share_the_budget_in_real_time():
    """Several workers on one key, real clock and sleep: no two calls closer than `per / rate`."""
    shared = RecordingCache()
    late: list[float] = []

    def worker() -> None:
        limiter = RateLimiter("threads", rate=5, per=0.25, max_wait=5.0, cache=shared)
        for _ in range(4):
            limiter()
            late.append(time.time())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(shared.goes_at) == len(late) == 12
    moments = sorted(shared.goes_at)
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert min(gaps) >= 0.05 - 1e-6  # one call every 0.05 s (to a float's precision at today's epoch)
    for returned, goes_at in zip(sorted(late), moments, strict=True):
        assert returned >= goes_at - 0.001  # nobody went before their moment
