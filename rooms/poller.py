"""One poller per room that someone is connected to, however many guests and server processes.

Every process keeps one task per room it has sockets for (`room_poller_join`, then the poller's
`leave()`, called by the consumer). The tasks compete for a short lease in the shared cache
(`rooms:poller:<code>`, in Redis when REDIS_URL is set): only the holder reads the host's player, every
`ROOM_POLL_SECONDS`, and tells the room the progress; the others stand by and take the lease when it
lapses or is released.
A process counts its own sockets rather than sharing one counter, so a process that dies cannot keep an
empty room polled: its lease simply expires and a process that still has members takes over.

Song changes are announced by `room_current_song` itself; the poller only adds `progress`, and `error`
(once, then it backs off) when the host's Spotify fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from core.error_codes import ErrorCode
from core.errors import AppError, RateLimited
from rooms.services import CurrentSong, RoomNotFound, room_current_song, room_get, room_group

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60


def lease_key(code: str) -> str:
    return f"rooms:poller:{code}"


def progress_key(code: str) -> str:
    return f"rooms:progress:{code}"


async def room_send(code: str, event: str, data: dict[str, Any]) -> None:
    """The async twin of `services.room_announce`, for code already on the event loop."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(room_group(code), {"type": "room.event", "event": event, "data": data})


def _read_player(code: str) -> CurrentSong | None:
    return room_current_song(room=room_get(code=code))


class RoomPoller:
    """This process's poller for one room; it polls only while it holds the room's lease."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.owner = uuid.uuid4().hex
        self.sockets = 0
        self.failures = 0
        self.retry_after = 0.0
        self.stopped = False  # out of its loop: a new socket needs a new poller
        self.task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    @property
    def interval(self) -> float:
        return float(settings.ROOM_POLL_SECONDS)

    def delay(self) -> float:
        """Seconds to the next tick: the interval, doubled for each failure in a row (capped)."""
        if not self.failures:
            return self.interval
        backoff = min(self.interval * 2**self.failures, max(MAX_BACKOFF_SECONDS, self.interval))
        return max(backoff, self.retry_after)

    async def hold_lease(self) -> bool:
        """Takes the lease, or renews it when it is already ours. It outlives the next tick plus a slow
        Spotify call, so it lapses only when its holder stops renewing it."""
        key, ttl = lease_key(self.code), math.ceil(self.delay() + settings.HTTP_TIMEOUT_SECONDS)
        if await cache.aadd(key, self.owner, timeout=ttl):
            return True
        if await cache.aget(key) == self.owner:
            # If it lapses between these two calls, another process may poll once beside us: harmless.
            await cache.atouch(key, ttl)
            return True
        return False

    async def release_lease(self) -> None:
        key = lease_key(self.code)
        if await cache.aget(key) == self.owner:
            await cache.adelete(key)

    async def tick(self) -> bool:
        """Reads the host's player and tells the room, when this process holds the lease.
        True when it polled."""
        if not await self.hold_lease():
            return False
        try:
            song = await database_sync_to_async(_read_player)(self.code)
        except RoomNotFound:
            self.stopped = True
            return True
        except Exception as exc:
            await self._failed(exc)
            await self.hold_lease()  # renewed for the backoff, so no standby takes over to fail again
            return True
        self.failures, self.retry_after = 0, 0.0
        progress = {
            "progress_ms": song.progress_ms if song else 0,
            "is_playing": song.is_playing if song else False,
            "song_id": song.id if song else "",
        }
        await cache.aset(progress_key(self.code), progress, timeout=math.ceil(self.interval * 3))
        await room_send(self.code, "progress", progress)
        return True

    async def _failed(self, exc: Exception) -> None:
        self.failures += 1
        if isinstance(exc, RateLimited) and exc.retry_after:
            self.retry_after = float(exc.retry_after)
        if self.failures > 1:
            return
        if isinstance(exc, AppError):
            error = {"code": exc.code, "message": exc.message}
        else:
            logger.exception("The poller of room %s failed", self.code)
            error = {"code": ErrorCode.POLLER_FAILED, "message": "The room could not read the host's player."}
        await room_send(self.code, "error", error)

    async def run(self) -> None:
        try:
            while self.sockets > 0 and not self.stopped:
                await self.tick()
                if self.sockets <= 0 or self.stopped:
                    break
                with contextlib.suppress(TimeoutError):  # woken early when the last socket leaves
                    await asyncio.wait_for(self._wake.wait(), timeout=self.delay())
                self._wake.clear()
        finally:
            self.stopped = True
            try:
                await self.release_lease()
            finally:
                if _pollers.get(self.code) is self:
                    del _pollers[self.code]

    def leave(self) -> None:
        """A socket that joined through this poller left: the last one stops it (and frees the lease)."""
        self.sockets -= 1
        if self.sockets <= 0:
            self._wake.set()


_pollers: dict[str, RoomPoller] = {}


def room_poller(code: str) -> RoomPoller | None:
    """This process's poller for the room, if it has one."""
    return _pollers.get(code)


def room_poller_join(code: str) -> RoomPoller:
    """A socket of this process joined the room: starts the room's poller here if none runs."""
    poller = _pollers.get(code)
    if poller is None or poller.stopped or poller.task is None or poller.task.done():
        poller = _pollers[code] = RoomPoller(code)
        poller.sockets = 1
        poller.task = asyncio.get_running_loop().create_task(poller.run(), name=f"room-poller-{code}")
    else:
        poller.sockets += 1
    return poller
