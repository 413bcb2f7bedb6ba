"""A user's listens out again, streamed: a ZIP in ListenBrainz's export layout, or a CSV.

Both read the listens in keyset pages (EXPORT_PAGE rows, oldest first) and hand out bytes as they
are made, so no whole history is ever in memory. The ZIP is written to a non-seekable sink
(zipfile then writes each entry's sizes after its data), its layout that of ListenBrainz's export:
`user.json` and `listens/<YYYY>/<M>.jsonl` (month not zero-padded), one listen a line, `listened_at`
+ `track_metadata`. Every column ListenBrainz has no field for travels in
`additional_info.musichub`, which MusicHub's import reads back, so export → import gives the same
listens (other readers see a standard ListenBrainz listen).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from typing import Any

from asgiref.sync import sync_to_async

from listening.import_formats import OWN_COLUMNS
from listening.models import Listen
from users.models import User

EXPORT_PAGE = 2000
FLUSH_BYTES = 256 * 1024
CSV_COLUMNS = (
    "played_at",
    "title",
    "artist",
    "album",
    "source",
    "duration_ms",
    "track_url",
    "track_mbid",
    "artist_mbid",
    "album_mbid",
)
_FIELDS = ("id", "created_at", "title", "artist", "album", "played_at", *OWN_COLUMNS)


def _pages(user: User) -> Iterator[dict[str, Any]]:
    """The user's listens, oldest first, EXPORT_PAGE at a time (a keyset: no cursor held open)."""
    listens = Listen.objects.filter(user=user).order_by("played_at", "id").values(*_FIELDS)
    last: tuple | None = None
    while True:
        query = listens
        if last is not None:
            query = query.filter(played_at__gte=last[0]).exclude(played_at=last[0], id__lte=last[1])
        page = list(query[:EXPORT_PAGE])
        yield from page
        if len(page) < EXPORT_PAGE:
            return
        last = (page[-1]["played_at"], page[-1]["id"])


def listen_as_listenbrainz(listen: dict[str, Any]) -> dict[str, Any]:
    """One listen as ListenBrainz writes it in an export, with MusicHub's own columns beside."""
    original = listen["additional_info"] if isinstance(listen["additional_info"], dict) else {}
    info: dict[str, Any] = {key: value for key, value in original.items() if key != "musichub"}
    if listen["duration_ms"]:
        info.setdefault("duration_ms", listen["duration_ms"])
    if listen["track_url"]:
        info.setdefault("origin_url", listen["track_url"])
    for key, column in (("recording_mbid", "track_mbid"), ("release_mbid", "album_mbid")):
        if listen[column]:
            info.setdefault(key, listen[column])
    if listen["artist_mbid"]:
        info.setdefault("artist_mbids", [listen["artist_mbid"]])
    if listen["client"]:
        info.setdefault("submission_client", listen["client"])
    own = {column: listen[column] for column in OWN_COLUMNS}
    own["played_at"] = listen["played_at"].isoformat()
    info["musichub"] = own
    metadata: dict[str, Any] = {"artist_name": listen["artist"], "track_name": listen["title"]}
    if listen["album"]:
        metadata["release_name"] = listen["album"]
    metadata["additional_info"] = info
    return {
        "listened_at": int(listen["played_at"].timestamp()),
        "inserted_at": listen["created_at"].timestamp(),
        "track_metadata": metadata,
    }


class _Sink(io.RawIOBase):
    """Where zipfile writes: kept until the response takes it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def listens_export_listenbrainz(*, user: User) -> Iterator[bytes]:
    """The ZIP, in pieces of about FLUSH_BYTES."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.json", json.dumps({"user_id": user.pk, "username": user.get_username()}))
        month: tuple[int, int] | None = None
        entry = None
        try:
            for listen in _pages(user):
                played = listen["played_at"].astimezone(UTC)
                if (played.year, played.month) != month:
                    if entry is not None:
                        entry.close()
                    month = (played.year, played.month)
                    entry = archive.open(f"listens/{played.year}/{played.month}.jsonl", "w")
                line = json.dumps(listen_as_listenbrainz(listen), ensure_ascii=False, separators=(",", ":"))
                entry.write(line.encode() + b"\n")  # type: ignore[union-attr]
                if sink.size >= FLUSH_BYTES:
                    yield sink.take()
        finally:
            if entry is not None:
                entry.close()
    yield sink.take()


def listens_export_csv(*, user: User) -> Iterator[bytes]:
    """The CSV (UTF-8, a header line), in pieces of about FLUSH_BYTES."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for listen in _pages(user):
        writer.writerow(
            [
                listen["played_at"].astimezone(UTC).isoformat(),
                *("" if listen[c] is None else listen[c] for c in CSV_COLUMNS[1:]),
            ]
        )
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


class AsyncChunks:
    """The same pieces for an ASGI server, each made in the request's thread (its database
    connection); Django would otherwise collect a synchronous iterator into one list first."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        make_next = sync_to_async(_next_chunk, thread_sensitive=True)
        while (chunk := await make_next(self.chunks)) is not None:
            yield chunk


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)
