"""The shared provider plumbing: transport errors, JSON decoding, Retry-After."""

import httpx
import pytest

from core.http import make_http_client
from providers.base import (
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderUnavailable,
    call_honouring_retry_after,
    json_body,
    parse_retry_after,
    raise_for_transport_status,
    send,
)


def test_connection_errors_become_provider_unavailable():
    client = make_http_client(retries=0)

    with pytest.raises(ProviderUnavailable) as caught:
        send("GET", "http://127.0.0.1:9/", provider="Spotify", client=client)

    assert caught.value.provider == "Spotify"
    assert isinstance(caught.value.__cause__, httpx.HTTPError)


def test_a_body_that_is_not_json_is_a_bad_response():
    response = httpx.Response(403, text="User not registered in the Developer Dashboard")

    with pytest.raises(ProviderBadResponse) as caught:
        json_body(response, provider="Spotify")

    assert "User not registered" in caught.value.message
    assert caught.value.status == 403


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7), (" 30 ", 30), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:10 GMT", 10)],
)
def test_parse_retry_after(header, expected):
    now = 1445412480.0  # 10 s before the HTTP date above

    assert parse_retry_after(header, now=now) == expected


def test_transport_statuses():
    with pytest.raises(ProviderRateLimited) as caught:
        raise_for_transport_status(httpx.Response(429, headers={"Retry-After": "3"}), provider="Trakt")
    assert caught.value.retry_after == 3

    with pytest.raises(ProviderUnavailable):
        raise_for_transport_status(httpx.Response(503), provider="Trakt")

    raise_for_transport_status(httpx.Response(404), provider="Trakt")


def test_retry_after_is_honoured_when_short_and_bounded():
    waits: list[float] = []
    answers = iter([ProviderRateLimited("slow down", provider="X", retry_after=2), "ok"])

    def call():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_honouring_retry_after(call, max_wait=5, sleep=waits.append) == "ok"
    assert waits == [2]


def test_a_long_retry_after_is_handed_to_the_caller():
    def call():
        raise ProviderRateLimited("slow down", provider="X", retry_after=600)

    with pytest.raises(ProviderRateLimited):
        call_honouring_retry_after(call, max_wait=5, sleep=lambda _: pytest.fail("must not sleep"))


def test_attempts_are_bounded():
    calls = []

    def call():
        calls.append(1)
        raise ProviderRateLimited("slow down", provider="X", retry_after=1)

    with pytest.raises(ProviderRateLimited):
        call_honouring_retry_after(call, attempts=3, sleep=lambda _: None)
    assert len(calls) == 3
