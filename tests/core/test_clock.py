"""Every wait of background work goes through core.clock, so a test's fake clock takes them all."""

from __future__ import annotations

import time

import httpx

from core.http import make_http_client
from core.ratelimit import RateLimiter
from providers.base import ProviderRateLimited, call_honouring_retry_after


def test_the_rate_limiter_waits_on_the_installed_clock(fake_clock):
    limiter = RateLimiter("clock-test", rate=1, per=30.0, max_wait=60)
    started = time.monotonic()
    limiter()
    limiter()  # the window is full: waits for the next one, 30 s away at most
    assert len(fake_clock.sleeps) == 1
    assert 0 < fake_clock.sleeps[0] <= 30
    assert time.monotonic() - started < 5  # not slept for real


def test_the_http_sessions_backoff_waits_on_the_installed_clock(fake_clock):
    answers = iter([503, 503, 200])
    transport = httpx.MockTransport(lambda request: httpx.Response(next(answers)))
    with make_http_client(transport=transport, retries=2, backoff_factor=10) as client:
        assert client.get("http://127.0.0.1:9/").status_code == 200
    assert len(fake_clock.sleeps) == 2  # one backoff before each retry
    assert 0 < sum(fake_clock.sleeps) <= 10  # each backoff capped at 5 s


def test_a_retry_after_is_waited_out_on_the_installed_clock(fake_clock):
    calls = []

    def call() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ProviderRateLimited("slow down", provider="test", retry_after=3)
        return "ok"

    assert call_honouring_retry_after(call) == "ok"
    assert fake_clock.sleeps == [3]
