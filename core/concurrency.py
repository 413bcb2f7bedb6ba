"""At most WEB_MAX_CONCURRENT_REQUESTS requests inside Django per web process; the rest wait their
turn in the event loop.

Under ASGI, Django runs each request's view in a thread of its own. With 25 clients on a worker
whose database pool holds 4 connections, 25 threads start at once: 4 hold a connection and share
the GIL with the 21 others, so each holds its connection many times longer than its queries take,
and the rest wait on the pool until it times out (benchmarks/load.py measured 503s after 10 s at
56 requests/s). Admitting only as many requests as the pool has connections keeps the pool's
connections busy with requests that can finish, and the waiting ones cost an asyncio future, not a
thread. A request that waits longer than DATABASE_POOL_TIMEOUT is answered 503 `server_busy`.

A slot is freed when the response's headers are sent: the view is done by then, and a long body
(a song streamed to the end) does not keep the next request out. WebSockets are not counted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from core.db_busy import RETRY_AFTER_SECONDS, server_busy

# An ASGI 3 application as this wrapper calls it: scope, receive, send (asgiref's typed scopes are
# stricter than what Django and Channels declare).
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


class ConcurrencyLimit:
    """ASGI wrapper; `limit` 0 (the default without a database pool) admits everything."""

    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop

    @classmethod
    def from_settings(cls, app: ASGIApp) -> ConcurrencyLimit:
        return cls(
            app,
            limit=settings.WEB_MAX_CONCURRENT_REQUESTS,
            wait_seconds=getattr(settings, "DATABASE_POOL_TIMEOUT", 10.0),
        )

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        slots = self._slots
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            await _send_busy(send)
            return
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                slots.release()

        async def releasing_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                release()
            await send(message)

        try:
            await self.app(scope, receive, releasing_send)
        finally:
            release()


async def _send_busy(send: Any) -> None:
    body = json.dumps(server_busy().as_body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
