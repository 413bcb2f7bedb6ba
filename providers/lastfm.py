"""Last.fm API client: a user's scrobbles (`user.getRecentTracks`) and profile (`user.getInfo`).

Every call is `GET <api_url>?method=…&api_key=…&format=json`. What the wire looks like, and the
quirks handled here (PROVIDERS.md §3):
- errors are `{"error": <int>, "message": …}`, sometimes with HTTP 200, so the `error` key is
  checked on every answer and the code (not the HTTP status, not the text) decides the class;
- every scalar is a string, and a missing MBID or image URL is `""`;
- a page holding exactly one track gives `track` as an object instead of a list;
- the now-playing row has `@attr.nowplaying` and no `date`, and comes on top of `limit`;
- `extended=1` moves the artist's name from `#text` to `name` and adds `loved`.

`date.uts` is when the play *started* (Spotify's `played_at` is when it ended).

Rate limit: Last.fm asks for at most ~5 requests a second per key. The client calls the optional
`limiter()` before each request; `core.ratelimit.RateLimiter` is the shared implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
    parse_retry_after,
    raise_for_transport_status,
    utc_from_timestamp,
)
from providers.client import ProviderClient
from providers.types import CredentialCheck

PROVIDER = "lastfm"
MAX_LIMIT = 200  # the documented maximum; the server accepts up to 1000, importers use 200
IMAGE_SIZES = ("small", "medium", "large", "extralarge")  # 34px, 64px, 174px, 300px

# Last.fm error codes (PROVIDERS.md §3.1).
INVALID_PARAMETERS = 6  # also "User not found"
OPERATION_FAILED = 8
INVALID_API_KEY = 10
SERVICE_OFFLINE = 11
TEMPORARY_ERROR = 16
LOGIN_REQUIRED = 17  # the user hides their recent listening
SUSPENDED_API_KEY = 26
RATE_LIMIT_EXCEEDED = 29

Limiter = Callable[[], None]


@dataclass(frozen=True)
class Scrobble:
    """One row of `user.getRecentTracks`: a play, or the track playing now (`now_playing`)."""

    title: str
    artist: str
    album: str | None
    played_at: datetime | None  # aware UTC, the START of the play; None only for the now-playing row
    url: str  # the track's Last.fm page
    artist_url: str | None = None  # the artist's Last.fm page (extended answers only)
    track_mbid: str | None = None
    artist_mbid: str | None = None
    album_mbid: str | None = None
    loved: bool = False  # only known from extended answers; False otherwise
    streamable: bool = False
    images: dict[str, str] = field(default_factory=dict, hash=False)  # album art: size → URL
    now_playing: bool = False

    @property
    def image_url(self) -> str | None:
        """The largest album-art URL there is (the seed's `album_thumbnail`)."""
        for size in reversed(IMAGE_SIZES):
            if size in self.images:
                return self.images[size]
        return None


@dataclass(frozen=True)
class RecentTracksPage:
    user: str
    scrobbles: tuple[Scrobble, ...]  # newest first; the now-playing row is not among them
    now_playing: Scrobble | None
    page: int
    per_page: int
    total_pages: int
    total: int

    @property
    def has_older(self) -> bool:
        """Whether a higher page number (older plays) exists."""
        return self.page < self.total_pages


@dataclass(frozen=True)
class LastfmUser:
    name: str
    realname: str | None
    url: str
    country: str | None
    playcount: int
    registered_at: datetime | None
    subscriber: bool = False
    images: dict[str, str] = field(default_factory=dict, hash=False)


class LastfmClient(ProviderClient):
    provider = PROVIDER

    def __init__(
        self,
        api_url: str,
        api_key: str,
        client: httpx.Client | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        super().__init__(api_url, client=client)
        self.api_url = api_url  # every call goes to this very URL (Last.fm's ends in "/2.0/")
        self._api_key = api_key
        self._limiter = limiter

    # --- calls ---------------------------------------------------------------------------

    def recent_tracks(
        self,
        user: str,
        *,
        page: int = 1,
        limit: int = MAX_LIMIT,
        from_ts: int | datetime | None = None,
        to_ts: int | datetime | None = None,
        extended: bool = True,
    ) -> RecentTracksPage:
        """One page of `user`'s scrobbles, newest first. `from_ts`/`to_ts` bound `date.uts` (seconds).

        Page 1 may also carry the track playing now, as `now_playing`, on top of `limit`.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        if page < 1:
            raise ValueError(f"page must be 1 or more, not {page}")
        params: dict[str, str | int] = {
            "method": "user.getrecenttracks",
            "user": user,
            "page": page,
            "limit": limit,
        }
        if from_ts is not None:
            params["from"] = _epoch_seconds(from_ts)
        if to_ts is not None:
            params["to"] = _epoch_seconds(to_ts)
        if extended:
            params["extended"] = 1
        body = self._get(params, user=user)
        try:
            return _parse_recent_tracks(body["recenttracks"], extended=extended)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponse(f"unexpected recenttracks answer ({exc!r})", provider=PROVIDER) from exc

    def user_info(self, user: str) -> LastfmUser:
        body = self._get({"method": "user.getinfo", "user": user}, user=user)
        try:
            return _parse_user(body["user"])
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponse(f"unexpected user answer ({exc!r})", provider=PROVIDER) from exc

    def check_credentials(self, user: str) -> CredentialCheck:
        """Proves the API key works and `user` exists (`user.getInfo`, the cheapest call)."""
        info = self.user_info(user)
        since = f" since {info.registered_at:%Y-%m-%d}" if info.registered_at else ""
        return CredentialCheck(
            account=info.name,
            detail=f"{info.playcount} scrobbles{since}",
            extra={"url": info.url, "playcount": str(info.playcount)},
        )

    # --- transport and errors ------------------------------------------------------------

    def _get(self, params: Mapping[str, str | int], *, user: str) -> dict[str, Any]:
        if self._limiter is not None:
            self._limiter()
        response = self._send(
            "GET", self.api_url, params={**params, "api_key": self._api_key, "format": "json"}
        )
        try:
            body = self._json(response)
        except ProviderBadResponse:
            if response.status_code in (403, 429) or response.status_code >= 500:
                _raise_for_status(response, user=user)  # the status alone says enough
            raise
        if isinstance(body, dict) and "error" in body:
            raise _error_from_body(body, response, user=user)
        _raise_for_status(response, user=user)
        if not isinstance(body, dict):
            raise ProviderBadResponse(
                f"expected a JSON object, got {type(body).__name__}", provider=PROVIDER, status=200
            )
        return body


def _private_history(
    user: str, provider_message: str | None, *, status: int, reason: str | None
) -> ProviderForbidden:
    said = f" (Last.fm: {provider_message})" if provider_message else ""
    return ProviderForbidden(
        f"{user}'s listening history on Last.fm is private: they can make it public in their "
        f'Last.fm privacy settings ("Hide recent listening information"){said}',
        provider=PROVIDER,
        status=status,
        reason=reason,
    )


def _raise_for_status(response: httpx.Response, *, user: str) -> None:
    """Errors told by the HTTP status alone, for answers without a Last.fm error code."""
    status = response.status_code
    if status == 403:
        raise _private_history(user, None, status=status, reason=None)
    raise_for_transport_status(response, provider=PROVIDER)
    if status >= 400:
        raise ProviderError(f"HTTP {status} without an error code", provider=PROVIDER, status=status)


def _error_from_body(body: dict[str, Any], response: httpx.Response, *, user: str) -> ProviderError:
    """Maps `{"error": <code>, "message": …}` by its code; the HTTP status (even 200) is only kept."""
    raw_code: Any = body.get("error")  # a number, or a string of one, in practice
    reason = str(raw_code)
    message = str(body.get("message") or f"Last.fm error {reason}")
    status = response.status_code
    try:
        code = int(raw_code)
    except (TypeError, ValueError):
        code = None
    if code == INVALID_PARAMETERS:
        return ProviderNotFound(message, provider=PROVIDER, status=status, reason=reason)
    if code in (INVALID_API_KEY, SUSPENDED_API_KEY):
        return ProviderAuthError(message, provider=PROVIDER, status=status, reason=reason)
    if code == LOGIN_REQUIRED:
        return _private_history(user, message, status=status, reason=reason)
    if code == RATE_LIMIT_EXCEEDED:
        return ProviderRateLimited(
            message,
            provider=PROVIDER,
            status=status,
            reason=reason,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if code in (OPERATION_FAILED, SERVICE_OFFLINE, TEMPORARY_ERROR):
        return ProviderUnavailable(message, provider=PROVIDER, status=status, reason=reason)
    return ProviderError(message, provider=PROVIDER, status=status, reason=reason)


# --- parsing -----------------------------------------------------------------------------------


def _epoch_seconds(value: int | datetime) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("from_ts/to_ts datetimes must be timezone-aware")
        return int(value.timestamp())
    return int(value)


def _as_list(value: Any) -> list[Any]:
    """`track` (and friends) as a list: Last.fm sends a lone item as an object, and none as []."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A string field that may come bare or wrapped as `{"#text": …}`."""
    if isinstance(value, dict):
        value = value.get("#text", "")
    return "" if value is None else str(value)


def _optional(value: Any) -> str | None:
    text = _text(value).strip()
    return text or None


def _flag(value: Any) -> bool:
    return _text(value).strip() in ("1", "true")


def _images(value: Any) -> dict[str, str]:
    """`[{"size": "small", "#text": url}, …]` → {"small": url, …}, dropping empty URLs."""
    images: dict[str, str] = {}
    for image in _as_list(value):
        if isinstance(image, dict) and image.get("#text") and image.get("size"):
            images[str(image["size"])] = str(image["#text"])
    return images


def _parse_scrobble(track: dict[str, Any], *, extended: bool) -> Scrobble:
    artist = track["artist"]
    album = track.get("album") or {}
    now_playing = _flag((track.get("@attr") or {}).get("nowplaying"))
    date = track.get("date")
    played_at = utc_from_timestamp(int(date["uts"])) if date else None
    if isinstance(artist, dict):
        artist_name = _text(artist.get("name") if "name" in artist else artist)
        artist_mbid, artist_url = artist.get("mbid"), artist.get("url")
    else:
        artist_name, artist_mbid, artist_url = _text(artist), None, None
    title = _text(track["name"])
    if not title or not artist_name:
        raise ValueError(f"a track without a title or artist: {track!r:.200}")
    return Scrobble(
        title=title,
        artist=artist_name,
        album=_optional(album),
        played_at=played_at,
        url=_text(track.get("url")),
        artist_url=_optional(artist_url),
        track_mbid=_optional(track.get("mbid")),
        artist_mbid=_optional(artist_mbid),
        album_mbid=_optional(album.get("mbid") if isinstance(album, dict) else None),
        loved=extended and _flag(track.get("loved")),
        streamable=_flag(track.get("streamable")),
        images=_images(track.get("image")),
        now_playing=now_playing,
    )


def _parse_recent_tracks(recent: dict[str, Any], *, extended: bool) -> RecentTracksPage:
    attr = recent.get("@attr") or {}
    scrobbles: list[Scrobble] = []
    now_playing: Scrobble | None = None
    for track in _as_list(recent.get("track")):
        scrobble = _parse_scrobble(track, extended=extended)
        if scrobble.now_playing:
            now_playing = scrobble
        elif scrobble.played_at is not None:  # importers skip any other dateless row too
            scrobbles.append(scrobble)
    return RecentTracksPage(
        user=str(attr.get("user", "")),
        scrobbles=tuple(scrobbles),
        now_playing=now_playing,
        page=int(attr.get("page") or 1),
        per_page=int(attr.get("perPage") or 0),
        total_pages=int(attr.get("totalPages") or 0),
        total=int(attr.get("total") or 0),
    )


def _parse_user(user: dict[str, Any]) -> LastfmUser:
    registered = user.get("registered")
    # `unixtime` is a string but `#text` a number (PROVIDERS.md §3.3); either will do.
    unixtime = (
        (registered.get("unixtime") or registered.get("#text")) if isinstance(registered, dict) else None
    )
    country = _optional(user.get("country"))
    return LastfmUser(
        name=_text(user["name"]),
        realname=_optional(user.get("realname")),
        url=_text(user.get("url")),
        country=None if country == "None" else country,  # Last.fm writes an unset country as "None"
        playcount=int(_text(user.get("playcount")) or 0),
        registered_at=utc_from_timestamp(int(unixtime)) if unixtime else None,
        subscriber=_flag(user.get("subscriber")),
        images=_images(user.get("image")),
    )
