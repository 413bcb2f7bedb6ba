"""core.concurrency.ConcurrencyLimit: at most `limit` requests inside the app, the rest wait their turn
(503 after the wait), a slot freed when the headers go out, WebSockets not counted."""

from __future__ import annotations

import asyncio
import json

from core.concurrency import ConcurrencyLimit
from tests.core.test_settings import run_manage

HTTP = {"type": "http", "path": "/", "headers": []}


class App:
    """A fake ASGI app that counts how many requests are inside it at once."""

    def __init__(self, *, seconds: float = 0.05, body_seconds: float = 0.0) -> None:
        self.inside = self.most = 0
        self.seconds, self.body_seconds = seconds, body_seconds

    async def __call__(self, scope, receive, send) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            await asyncio.sleep(self.seconds)  # the view
            await send({"type": "http.response.start", "status": 200, "headers": []})
            self.inside -= 1  # the view is done; a long body follows
            await asyncio.sleep(self.body_seconds)
            await send({"type": "http.response.body", "body": b"ok"})
        except BaseException:
            self.inside -= 1
            raise


async def call(app, scope=HTTP) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def run(app, count: int, scope=HTTP) -> list[list[dict]]:
    async def main():
        return await asyncio.gather(*(call(app, scope) for _ in range(count)))

    return asyncio.run(main())


def test_no_more_than_the_limit_inside_and_everyone_served():
    inner = App()

    answers = run(ConcurrencyLimit(inner, limit=2, wait_seconds=5), 7)

    assert inner.most == 2
    assert [answer[0]["status"] for answer in answers] == [200] * 7


def test_a_long_body_does_not_keep_the_next_request_out():
    inner = App(seconds=0.01, body_seconds=0.5)

    async def main():
        limited = ConcurrencyLimit(inner, limit=1, wait_seconds=5)
        started = asyncio.get_running_loop().time()
        await asyncio.gather(call(limited), call(limited), call(limited))
        return asyncio.get_running_loop().time() - started

    elapsed = asyncio.run(main())

    assert elapsed < 1.0  # three bodies of 0.5 s sent side by side, not one after another


def test_a_request_that_waits_too_long_is_a_503_with_retry_after():
    inner = App(seconds=0.5)

    answers = run(ConcurrencyLimit(inner, limit=1, wait_seconds=0.1), 2)

    statuses = sorted(answer[0]["status"] for answer in answers)
    assert statuses == [200, 503]
    busy = next(answer for answer in answers if answer[0]["status"] == 503)
    assert (b"retry-after", b"2") in busy[0]["headers"]
    assert json.loads(busy[1]["body"])["code"] == "server_busy"


def test_websockets_and_a_limit_of_zero_are_not_counted():
    inner = App()
    run(ConcurrencyLimit(inner, limit=1, wait_seconds=5), 4, scope={"type": "websocket", "path": "/ws/"})
    assert inner.most == 4

    inner = App()
    run(ConcurrencyLimit(inner, limit=0, wait_seconds=5), 4)
    assert inner.most == 4


def test_the_limit_is_the_pool_size_unless_set():
    def limit(**env: str) -> str:
        shell = "from django.conf import settings; print(settings.WEB_MAX_CONCURRENT_REQUESTS)"
        result = run_manage("shell", "-c", shell, DEBUG="true", **env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    postgres = "postgres://postgres@127.0.0.1:5432/unused"  # settings only: nothing connects
    assert limit(DATABASE_URL=postgres, DATABASE_POOL_MAX_SIZE="7") == "7"
    assert limit(DATABASE_URL=postgres, DATABASE_POOL_MAX_SIZE="7", WEB_MAX_CONCURRENT_REQUESTS="3") == "3"
    assert limit(DATABASE_URL="sqlite:///unused.sqlite3") == "0"  # no pool, no limit
