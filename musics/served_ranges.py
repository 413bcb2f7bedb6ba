"""What the server streamed of each play of a catalog song, so a player's report that the song was
heard can be checked against it (musics.listen_reports).

A play is one run of the player through a song: the player makes up an id for it (`?play=` on every
range request of that run). Per (user, song, play) the cache keeps when the first range was served,
the file's size and the byte ranges answered (the last MAX_RANGES of them), for SESSION_SECONDS after
the last range. With Redis (REDIS_URL, as in production) a range is one pipelined round trip and
concurrent ranges never overwrite each other; the local-memory cache of a development server without
Redis gets the same through a lock (that cache is one process's anyway).

"Served" is what a response answered (its Content-Range, or the whole file), not what the client
read of it: a player that asks for the whole file covers it at once, which is why a report is also
checked against the time since the first range.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpResponseBase

from core import clock
from musics.streaming import RangeNotSatisfiable, requested_range

PLAY_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SESSION_SECONDS = 6 * 60 * 60
MAX_RANGES = 256
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_local_lock = threading.Lock()


@dataclass(frozen=True)
class ServedPlay:
    started: float  # epoch seconds (core.clock) when the play's first range was served
    size: int  # the file's size in bytes
    ranges: tuple[tuple[int, int], ...]  # (first, last) byte, inclusive, as answered

    @property
    def served_bytes(self) -> int:
        """Bytes of the file covered by the ranges (a byte served twice counts once)."""
        covered, reach = 0, -1
        for first, last in sorted(self.ranges):
            if last > reach:
                covered += last - max(first, reach + 1) + 1
                reach = last
        return covered


def _redis() -> RedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def play_id_valid(play: str) -> bool:
    return bool(PLAY_ID.match(play))


def _key(user_id: int, song_id: int, play: str) -> str:
    return f"musics:served:{user_id}:{song_id}:{play}"


def answered_range(
    response: HttpResponseBase, *, range_header: str | None, size: int
) -> tuple[int, int, int] | None:
    """(first, last, size) of the bytes a stream response answered, or None for none.

    From Content-Range (206) or Content-Length (200); a response nginx completes (X-Accel-Redirect)
    carries neither, so the request's Range is read against the song's stored size."""
    if response.status_code not in (200, 206):
        return None
    content_range = _CONTENT_RANGE.match(response.get("Content-Range", ""))
    if content_range:
        first, last, total = (int(part) for part in content_range.groups())
        return first, last, total
    if response.has_header("X-Accel-Redirect"):
        if size <= 0:
            return None
        try:
            byte_range = requested_range(range_header, size)
        except RangeNotSatisfiable:
            return None
        return (byte_range.start, byte_range.end, size) if byte_range else (0, size - 1, size)
    length = int(response.get("Content-Length") or 0)
    return (0, length - 1, length) if length > 0 else None


def served_range_record(*, user_id: int, song_id: int, play: str, first: int, last: int, size: int) -> None:
    """Remembers that bytes first..last (inclusive) of a `size`-byte file went out for this play."""
    key = _key(user_id, song_id, play)
    now = clock.time()
    redis = _redis()
    if redis is not None:
        redis_key = redis.make_and_validate_key(key)
        ranges_key = f"{redis_key}:ranges"
        client = redis._cache.get_client(redis_key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.hsetnx(redis_key, "started", repr(now))
        pipe.hset(redis_key, "size", size)
        pipe.rpush(ranges_key, f"{first}-{last}")
        pipe.ltrim(ranges_key, -MAX_RANGES, -1)
        pipe.expire(redis_key, SESSION_SECONDS)
        pipe.expire(ranges_key, SESSION_SECONDS)
        pipe.execute()
        return
    cache = caches["default"]
    with _local_lock:
        state = cache.get(key) or {"started": now, "ranges": []}
        state["size"] = size
        state["ranges"] = [*state["ranges"], (first, last)][-MAX_RANGES:]
        cache.set(key, state, SESSION_SECONDS)


def served_play(*, user_id: int, song_id: int, play: str) -> ServedPlay | None:
    """What was served of this user's play of this song, or None when nothing was (or it expired)."""
    key = _key(user_id, song_id, play)
    redis = _redis()
    if redis is not None:
        redis_key = redis.make_and_validate_key(key)
        client = redis._cache.get_client(redis_key, write=False)
        pipe = client.pipeline(transaction=False)
        pipe.hgetall(redis_key)
        pipe.lrange(f"{redis_key}:ranges", 0, -1)
        fields, raw_ranges = pipe.execute()
        if not fields or not raw_ranges:
            return None
        ranges = []
        for raw in raw_ranges:
            first, _, last = raw.decode().partition("-")
            ranges.append((int(first), int(last)))
        return ServedPlay(started=float(fields[b"started"]), size=int(fields[b"size"]), ranges=tuple(ranges))
    state = caches["default"].get(key)
    if not state:
        return None
    return ServedPlay(started=state["started"], size=state["size"], ranges=tuple(state["ranges"]))
