"""Export files → listens: which format a file is (read from its content), and one streaming parser each.

Every parser reads its file as a stream (ijson for JSON, the csv module line by line), so memory stays
flat whatever the file's size, and yields one `Parsed` per row: a `ListenRow`, a `Skip` (a row that is
not a listen, with its reason) or a `Bad` (a row that cannot be read, with where it is).

What counts as a listen, the same for every format (and the README):
- podcasts, audiobooks, video, incognito plays and rows with no title or artist are left out;
- a play shorter than 30 s that was skipped (`skipped`, or a `reason_end` in SKIP_ENDS) is left out;
  a short play that ended normally is kept. Spotify's account data says nothing of how a play ended,
  so there a play under 30 s counts as skipped (as in Maloja and your_spotify);
- a row with no time (Last.fm's now-playing, a benjaminbenben row without a date) is left out.
Times are UTC whatever the server's zone. Spotify's `ts`/`endTime` is when the play ended, which is
what `played_at` means for Spotify everywhere in MusicHub (the API's `played_at` too).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any, Protocol, cast

import ijson

from listening.importers import TEXT_LIMIT, ListenRow
from listening.models import Source

SHORT_PLAY_MS = 30_000
# Spotify `reason_end` values that mean the user moved on before the end (LB's importer's list, plus logout).
SKIP_ENDS = frozenset({"fwdbtn", "backbtn", "clickrow", "endplay", "remote", "logout"})
SNIFF_BYTES = 64 * 1024


class Format(StrEnum):
    SPOTIFY_EXTENDED = "spotify_extended"  # Streaming_History_Audio_*.json, endsong_*.json
    SPOTIFY_VIDEO = "spotify_video"  # Streaming_History_Video_*.json: every row counted as video
    SPOTIFY_ACCOUNT = "spotify_account"  # StreamingHistory_music_*.json, StreamingHistory*.json
    SPOTIFY_ACCOUNT_PODCAST = "spotify_account_podcast"  # StreamingHistory_podcast_*.json: all podcast
    LASTFM_GHAN_JSON = "lastfm_ghan_json"
    LASTFM_GHAN_CSV = "lastfm_ghan_csv"
    LASTFM_BENJAMINBENBEN_CSV = "lastfm_benjaminbenben_csv"
    LISTENBRAINZ_JSONL = "listenbrainz_jsonl"  # the export ZIP's listens/<YYYY>/<M>.jsonl
    LISTENBRAINZ_JSON = "listenbrainz_json"  # the older single file: an array of listens


FORMAT_NAMES = {
    Format.SPOTIFY_EXTENDED: "Spotify Extended Streaming History (the ZIP, Streaming_History_Audio_*.json, "
    "endsong_*.json)",
    Format.SPOTIFY_ACCOUNT: "Spotify account data (StreamingHistory_music_*.json, StreamingHistory*.json)",
    Format.LASTFM_GHAN_JSON: "Last.fm export from lastfm.ghan.nl (JSON)",
    Format.LASTFM_GHAN_CSV: "Last.fm export from lastfm.ghan.nl (CSV)",
    Format.LASTFM_BENJAMINBENBEN_CSV: "Last.fm export from benjaminbenben's lastfm-to-csv",
    Format.LISTENBRAINZ_JSONL: "ListenBrainz export (the ZIP, or its listens/*.jsonl)",
    Format.LISTENBRAINZ_JSON: "ListenBrainz export (the older single JSON file)",
}
READABLE = "; ".join(FORMAT_NAMES.values())

SOURCE_OF = {
    Format.SPOTIFY_EXTENDED: Source.SPOTIFY_EXPORT,
    Format.SPOTIFY_VIDEO: Source.SPOTIFY_EXPORT,
    Format.SPOTIFY_ACCOUNT: Source.SPOTIFY_EXPORT,
    Format.SPOTIFY_ACCOUNT_PODCAST: Source.SPOTIFY_EXPORT,
    Format.LASTFM_GHAN_JSON: Source.LASTFM_EXPORT,
    Format.LASTFM_GHAN_CSV: Source.LASTFM_EXPORT,
    Format.LASTFM_BENJAMINBENBEN_CSV: Source.LASTFM_EXPORT,
    Format.LISTENBRAINZ_JSONL: Source.LISTENBRAINZ_EXPORT,
    Format.LISTENBRAINZ_JSON: Source.LISTENBRAINZ_EXPORT,
}


class Reason(StrEnum):
    """Why a row is not a listen (the job counts each)."""

    PODCAST = "podcast"
    AUDIOBOOK = "audiobook"
    VIDEO = "video"
    INCOGNITO = "incognito"
    NO_TITLE_OR_ARTIST = "no_title_or_artist"
    SKIPPED_SHORT = "skipped_short"  # under 30 s and skipped
    NO_TIME = "no_time"  # now playing, or no date


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class Bad:
    where: str  # "line 12", "item 532"
    message: str


Parsed = ListenRow | Skip | Bad


class Stream(Protocol):
    """A binary stream read from the front (a file, a ZIP member, a counting wrapper)."""

    def read(self, size: int = -1, /) -> bytes: ...


class FormatError(ValueError):
    """The stream stops being its format (malformed JSON halfway): rows before it stand."""


# --- detection ---------------------------------------------------------------------------------------


def _json_head_keys(head: bytes) -> tuple[str, set[str], set[str]]:
    """The top-level kind ('array'/'object') of a JSON head, the keys of its first object (or of the
    object itself) and the keys of the first object inside that one's first array (ghan pages)."""
    kind = ""
    first: set[str] = set()
    nested: set[str] = set()
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if not kind:
                kind = {"start_array": "array", "start_map": "object"}.get(event, "scalar")
                continue
            if event != "map_key":
                continue
            depth_prefix = "item" if kind == "array" else ""
            if prefix == depth_prefix:
                first.add(value)
            elif prefix in (
                f"{depth_prefix}.track.item" if depth_prefix else "track.item",
                "recenttracks.track.item",
            ):
                nested.add(value)
            if (kind == "array" and prefix == "item" and event == "end_map") or len(first) > 40:
                break
    except ijson.common.IncompleteJSONError:
        pass  # the head is cut mid-file: what it held is enough
    except ijson.common.JSONError:
        return "", set(), set()
    return kind, first, nested


def _json_format(head: bytes, name: str) -> Format | None:
    kind, keys, nested = _json_head_keys(head)
    if not keys:
        return None
    if {"ts", "ms_played"} <= keys:
        return Format.SPOTIFY_VIDEO if "video" in name.lower().rsplit("/", 1)[-1] else Format.SPOTIFY_EXTENDED
    if {"endTime", "msPlayed"} <= keys:
        if "trackName" in keys:
            return Format.SPOTIFY_ACCOUNT
        if "podcastName" in keys or "episodeName" in keys:
            return Format.SPOTIFY_ACCOUNT_PODCAST
    if {"listened_at", "track_metadata"} <= keys and kind == "array":
        return Format.LISTENBRAINZ_JSON
    if "track" in keys or "recenttracks" in keys or {"artist", "name"} <= nested:
        return Format.LASTFM_GHAN_JSON
    return None


_BENJAMIN_DATE = re.compile(r"^\d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}$")


def _text_format(head: bytes) -> Format | None:
    text = head.decode("utf-8-sig", errors="replace")
    lines = [line for line in text.splitlines()[:-1] or text.splitlines() if line.strip()]
    if not lines:
        return None
    first = lines[0].strip()
    if first.startswith("{"):
        try:
            keys = set(json.loads(first))
        except (ValueError, TypeError):
            return None
        return Format.LISTENBRAINZ_JSONL if {"listened_at", "track_metadata"} <= keys else None
    header = [cell.strip().lower() for cell in next(csv.reader([first]))]
    if {"uts", "artist", "track"} <= set(header):
        return Format.LASTFM_GHAN_CSV
    if header == ["artist", "album", "name", "date"]:
        return Format.LASTFM_BENJAMINBENBEN_CSV
    rows = list(csv.reader(lines[:20]))
    if rows and all(len(row) == 4 for row in rows) and any(_BENJAMIN_DATE.match(row[3]) for row in rows):
        return Format.LASTFM_BENJAMINBENBEN_CSV
    return None


def detect(head: bytes, name: str = "") -> Format | None:
    """The format of a file from its first bytes (its name only tells Spotify's audio from its video)."""
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] == b"[":
        return _json_format(stripped, name)
    if stripped[:1] == b"{":
        # One JSON object: a ghan page, or the first line of a JSONL file.
        return _text_format(stripped) or _json_format(stripped, name)
    return _text_format(stripped)


# --- shared helpers ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip()[:TEXT_LIMIT] if isinstance(value, str) else ""


def _mbid(value: Any) -> str | None:
    return value.strip()[:36] if isinstance(value, str) and value.strip() else None


def _ms(value: Any) -> int:
    try:
        return max(0, min(int(value), 2**31 - 1))
    except (TypeError, ValueError):
        return 0


def _epoch(value: Any) -> datetime:
    seconds = int(float(value))
    return datetime.fromtimestamp(seconds, tz=UTC)


def _spotify_url(uri: Any) -> str:
    if isinstance(uri, str) and uri.startswith("spotify:track:"):
        return f"https://open.spotify.com/track/{uri.removeprefix('spotify:track:')}"
    return ""


# --- Spotify -----------------------------------------------------------------------------------------


def _spotify_extended(row: dict, *, video: bool) -> ListenRow | Skip:
    if video:
        return Skip(Reason.VIDEO)
    if row.get("incognito_mode"):
        return Skip(Reason.INCOGNITO)
    if row.get("spotify_episode_uri") or row.get("episode_name") or row.get("episode_show_name"):
        return Skip(Reason.PODCAST)
    if row.get("audiobook_uri") or row.get("audiobook_title") or row.get("audiobook_chapter_uri"):
        return Skip(Reason.AUDIOBOOK)
    title = _text(row.get("master_metadata_track_name"))
    artist = _text(row.get("master_metadata_album_artist_name"))
    if not title or not artist:
        return Skip(Reason.NO_TITLE_OR_ARTIST)
    played_ms = _ms(row.get("ms_played"))
    if played_ms < SHORT_PLAY_MS and (row.get("skipped") is True or row.get("reason_end") in SKIP_ENDS):
        return Skip(Reason.SKIPPED_SHORT)
    ended = datetime.strptime(row["ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return ListenRow(
        title=title,
        artist=artist,
        album=_text(row.get("master_metadata_album_album_name")),
        played_at=ended,
        source=Source.SPOTIFY_EXPORT,
        track_url=_spotify_url(row.get("spotify_track_uri")),
        duration_ms=played_ms,
    )


def _spotify_account(row: dict) -> ListenRow | Skip:
    title = _text(row.get("trackName"))
    artist = _text(row.get("artistName"))
    if not title or not artist:
        return Skip(
            Reason.PODCAST if row.get("podcastName") or row.get("episodeName") else Reason.NO_TITLE_OR_ARTIST
        )
    played_ms = _ms(row.get("msPlayed"))
    if played_ms < SHORT_PLAY_MS:  # no end reason in this export: a short play counts as skipped
        return Skip(Reason.SKIPPED_SHORT)
    ended = datetime.strptime(row["endTime"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return ListenRow(
        title=title,
        artist=artist,
        album="",
        played_at=ended,
        source=Source.SPOTIFY_EXPORT,
        duration_ms=played_ms,
    )


# --- Last.fm -------------------------------------------------------------------------------------------


def _lastfm_field(value: Any, key: str = "#text") -> str:
    if isinstance(value, dict):
        return _text(value.get(key) or value.get("name"))
    return _text(value)


def _lastfm_track(track: dict) -> ListenRow | Skip:
    date = track.get("date")
    attr = track.get("@attr") or {}
    if not isinstance(date, dict) or not date.get("uts") or attr.get("nowplaying") == "true":
        return Skip(Reason.NO_TIME)
    title = _text(track.get("name"))
    artist_field = track.get("artist")
    artist = _lastfm_field(artist_field)
    if not title or not artist:
        return Skip(Reason.NO_TITLE_OR_ARTIST)
    album_field = track.get("album")
    images = {
        image.get("size"): image.get("#text")
        for image in track.get("image") or []
        if isinstance(image, dict) and image.get("#text")
    }
    return ListenRow(
        title=title,
        artist=artist,
        album=_lastfm_field(album_field),
        played_at=_epoch(date["uts"]),
        source=Source.LASTFM_EXPORT,
        track_url=_text(track.get("url"))[:500],
        album_thumbnail=images.get("extralarge") or images.get("large") or "",
        artist_lastfm_url=(_text(artist_field.get("url")) or None)
        if isinstance(artist_field, dict)
        else None,
        track_mbid=_mbid(track.get("mbid")),
        artist_mbid=_mbid(artist_field.get("mbid")) if isinstance(artist_field, dict) else None,
        album_mbid=_mbid(album_field.get("mbid")) if isinstance(album_field, dict) else None,
        loved=str(track.get("loved", "0")) == "1",
        album_thumbnail_small=images.get("small"),
        album_thumbnail_medium=images.get("medium"),
        album_thumbnail_large=images.get("large"),
        album_thumbnail_extralarge=images.get("extralarge"),
    )


def _ghan_csv(row: dict) -> ListenRow | Skip:
    if not (row.get("uts") or "").strip():
        return Skip(Reason.NO_TIME)
    title, artist = _text(row.get("track")), _text(row.get("artist"))
    if not title or not artist:
        return Skip(Reason.NO_TITLE_OR_ARTIST)
    return ListenRow(
        title=title,
        artist=artist,
        album=_text(row.get("album")),
        played_at=_epoch(row["uts"]),
        source=Source.LASTFM_EXPORT,
        track_mbid=_mbid(row.get("track_mbid")),
        artist_mbid=_mbid(row.get("artist_mbid")),
        album_mbid=_mbid(row.get("album_mbid")),
    )


def _benjaminbenben(cells: list[str]) -> ListenRow | Skip:
    artist, album, title, date = ([*cells, "", "", "", ""])[:4]
    if not date.strip():
        return Skip(Reason.NO_TIME)
    if not _text(title) or not _text(artist):
        return Skip(Reason.NO_TITLE_OR_ARTIST)
    return ListenRow(
        title=_text(title),
        artist=_text(artist),
        album=_text(album),
        played_at=datetime.strptime(date.strip(), "%d %b %Y %H:%M").replace(tzinfo=UTC),
        source=Source.LASTFM_EXPORT,
    )


# --- ListenBrainz ----------------------------------------------------------------------------------------

_MSID_KEYS = ("recording_msid", "artist_msid", "release_msid")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _listenbrainz(listen: dict) -> ListenRow | Skip:
    meta = listen.get("track_metadata")
    if not isinstance(meta, dict):
        raise ValueError("no track_metadata")
    if listen.get("listened_at") in (None, ""):
        return Skip(Reason.NO_TIME)
    played_at = _epoch(listen["listened_at"])
    info = _object(meta.get("additional_info"))
    own = info.get("musichub")
    if isinstance(own, dict) and own.get("source") in Source.values:
        return _musichub_row(meta, played_at, own)
    title, artist = _text(meta.get("track_name")), _text(meta.get("artist_name"))
    if not title or not artist:
        return Skip(Reason.NO_TITLE_OR_ARTIST)
    mapping = _object(meta.get("mbid_mapping"))
    artist_mbids = info.get("artist_mbids") or mapping.get("artist_mbids") or []
    kept = {key: value for key, value in info.items() if key not in _MSID_KEYS}
    return ListenRow(
        title=title,
        artist=artist,
        album=_text(meta.get("release_name")),
        played_at=played_at,
        source=Source.LISTENBRAINZ_EXPORT,
        track_url=_text(info.get("origin_url") or info.get("spotify_id"))[:500],
        duration_ms=_ms(info.get("duration_ms") or (_ms(info.get("duration")) * 1000)),
        track_mbid=_mbid(info.get("recording_mbid") or mapping.get("recording_mbid")),
        artist_mbid=_mbid(artist_mbids[0]) if isinstance(artist_mbids, list) and artist_mbids else None,
        album_mbid=_mbid(info.get("release_mbid") or mapping.get("release_mbid")),
        client=_text(info.get("submission_client")),
        additional_info=kept or None,
    )


# The columns MusicHub's own export keeps in additional_info.musichub, read back as they were.
OWN_COLUMNS = (
    "source",
    "track_url",
    "artists_url",
    "duration_ms",
    "album_thumbnail",
    "artist_lastfm_url",
    "track_mbid",
    "artist_mbid",
    "album_mbid",
    "loved",
    "streamable",
    "album_thumbnail_small",
    "album_thumbnail_medium",
    "album_thumbnail_large",
    "album_thumbnail_extralarge",
    "client",
    "additional_info",
)

_OWN_LIMITS = {"track_mbid": 36, "artist_mbid": 36, "album_mbid": 36, "artists_url": 1000, "client": 255}


def _musichub_row(meta: dict, played_at: datetime, own: dict) -> ListenRow | Skip:
    title, artist = _text(meta.get("track_name")), _text(meta.get("artist_name"))
    if not title or not artist:
        return Skip(Reason.NO_TITLE_OR_ARTIST)
    exact = own.get("played_at")
    if isinstance(exact, str):
        try:
            moment = datetime.fromisoformat(exact)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None and abs((moment - played_at).total_seconds()) < 1:
            played_at = moment  # the file's `listened_at` is whole seconds; the column is not
    defaults = ListenRow(title=title, artist=artist, album="", played_at=played_at, source=own["source"])
    values: dict[str, Any] = {"source": own["source"]}
    for column in OWN_COLUMNS:
        if column == "source" or column not in own:
            continue
        value, default = own[column], getattr(defaults, column)
        if column == "additional_info":
            fits = value is None or isinstance(value, dict)
        elif default is None:  # a nullable text column
            fits = value is None or isinstance(value, str)
        elif isinstance(default, bool):
            fits = isinstance(value, bool)
        elif isinstance(default, int):
            fits = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31
        else:
            fits = isinstance(value, str)
        if fits:
            values[column] = value[: _OWN_LIMITS.get(column, 500)] if isinstance(value, str) else value
    return ListenRow(
        title=title, artist=artist, album=_text(meta.get("release_name")), played_at=played_at, **values
    )


# --- streams -----------------------------------------------------------------------------------------------


def _guarded(convert: Callable[[Any], ListenRow | Skip], value: Any, where: str) -> Parsed:
    if not isinstance(value, dict):
        return Bad(where, "not an object")
    try:
        return convert(value)
    except (KeyError, ValueError, TypeError, OverflowError, OSError) as exc:
        return Bad(where, f"{type(exc).__name__}: {exc}"[:300])


def _json_items(stream: Stream, prefix: str) -> Iterator[Any]:
    try:
        yield from ijson.items(stream, prefix, use_float=True)
    except ijson.common.JSONError as exc:
        raise FormatError(f"malformed JSON: {exc}") from exc


def _ghan_pages(stream: Stream) -> Iterator[Parsed]:
    """An array of pages, one page, or {"recenttracks": page}; a page's `track` may be one object."""
    head = stream.read(1)
    while head.isspace():
        head = stream.read(1)
    body = _Prepend(head, stream)
    if head == b"[":
        pages: Iterator[Any] = _json_items(body, "item")
    else:
        pages = iter([next(_json_items(body, ""), {})])
    number = 0
    for page in pages:
        if isinstance(page, dict) and "recenttracks" in page:
            page = page["recenttracks"]
        tracks = page.get("track", []) if isinstance(page, dict) else []
        for track in [tracks] if isinstance(tracks, dict) else tracks:
            number += 1
            yield _guarded(_lastfm_track, track, f"track {number}")


def _jsonl(stream: Stream) -> Iterator[Parsed]:
    text = io.TextIOWrapper(cast(IO[bytes], stream), encoding="utf-8-sig", errors="replace", newline="")
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            listen = json.loads(line)
        except ValueError as exc:
            yield Bad(f"line {number}", f"not JSON: {exc}"[:300])
            continue
        yield _guarded(_listenbrainz, listen, f"line {number}")


def _csv_rows(stream: Stream, *, header: bool) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(cast(IO[bytes], stream), encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        for cells in reader:
            if cells and any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as exc:
        raise FormatError(f"malformed CSV at line {reader.line_num}: {exc}") from exc


def _ghan_csv_stream(stream: Stream) -> Iterator[Parsed]:
    rows = _csv_rows(stream, header=True)
    first = next(rows, None)
    if first is None:
        return
    names = [cell.strip().lower() for cell in first[1]]
    for line, cells in rows:
        yield _guarded(_ghan_csv, dict(zip(names, cells, strict=False)), f"line {line}")


def _benjaminbenben_stream(stream: Stream) -> Iterator[Parsed]:
    for line, cells in _csv_rows(stream, header=False):
        if line == 1 and [cell.strip().lower() for cell in cells] == ["artist", "album", "name", "date"]:
            continue
        try:
            yield _benjaminbenben(cells)
        except ValueError as exc:
            yield Bad(f"line {line}", f"{exc}"[:300])


def _array(convert: Callable[[Any], ListenRow | Skip]) -> Callable[[Stream], Iterator[Parsed]]:
    def parse(stream: Stream) -> Iterator[Parsed]:
        for number, value in enumerate(_json_items(stream, "item"), start=1):
            yield _guarded(convert, value, f"item {number}")

    return parse


PARSERS: dict[Format, Callable[[Stream], Iterator[Parsed]]] = {
    Format.SPOTIFY_EXTENDED: _array(lambda row: _spotify_extended(row, video=False)),
    Format.SPOTIFY_VIDEO: _array(lambda row: _spotify_extended(row, video=True)),
    Format.SPOTIFY_ACCOUNT: _array(_spotify_account),
    Format.SPOTIFY_ACCOUNT_PODCAST: _array(lambda row: Skip(Reason.PODCAST)),
    Format.LASTFM_GHAN_JSON: _ghan_pages,
    Format.LASTFM_GHAN_CSV: _ghan_csv_stream,
    Format.LASTFM_BENJAMINBENBEN_CSV: _benjaminbenben_stream,
    Format.LISTENBRAINZ_JSONL: _jsonl,
    Format.LISTENBRAINZ_JSON: _array(_listenbrainz),
}


def parse(stream: Stream, format: Format) -> Iterator[Parsed]:
    """Every row of the stream, in order (a `FormatError` where the stream stops being its format)."""
    return PARSERS[format](stream)


class _Prepend(io.RawIOBase):
    """A stream with a few bytes already read put back in front."""

    def __init__(self, head: bytes, rest: Stream) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head and size != 0:
            head, self._head = self._head, b""
            if size < 0:
                return head + self._rest.read()
            return head + (self._rest.read(size - len(head)) if size > len(head) else b"")
        return self._rest.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
