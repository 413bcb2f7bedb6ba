"""Spotify's JSON answers read into `providers.spotify.types`; a body missing what we need is
`ProviderBadResponse` (through `parsed`), never a KeyError."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from providers.base import ProviderBadResponse
from providers.spotify.types import (
    PROVIDER,
    PlaybackContext,
    PlaybackState,
    PlayedTrack,
    RecentlyPlayedPage,
    SpotifyAlbum,
    SpotifyArtist,
    SpotifyDevice,
    SpotifyImage,
    SpotifyProfile,
    SpotifyTrack,
)

T = TypeVar("T")


def parse_played_at(value: str) -> datetime:
    """Spotify's ISO-8601 timestamp, with or without fractional seconds; naive means UTC."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _url(data: dict[str, Any]) -> str | None:
    return (data.get("external_urls") or {}).get("spotify")


def _images(items: Iterable[dict[str, Any]] | None) -> tuple[SpotifyImage, ...]:
    return tuple(SpotifyImage(image["url"], image.get("width"), image.get("height")) for image in items or ())


def _artist(data: dict[str, Any]) -> SpotifyArtist:
    return SpotifyArtist(id=data.get("id"), name=data["name"], uri=data.get("uri"), url=_url(data))


def _album(data: dict[str, Any]) -> SpotifyAlbum:
    return SpotifyAlbum(
        id=data.get("id"),
        name=data["name"],
        uri=data.get("uri"),
        url=_url(data),
        images=_images(data.get("images")),
        release_date=data.get("release_date"),
        release_date_precision=data.get("release_date_precision"),
        album_type=data.get("album_type"),
    )


def parse_track(data: dict[str, Any]) -> SpotifyTrack:
    return SpotifyTrack(
        id=data.get("id"),
        name=data["name"],
        uri=data.get("uri"),
        duration_ms=int(data["duration_ms"]),
        artists=tuple(_artist(artist) for artist in data.get("artists") or ()),
        album=_album(data["album"]) if data.get("album") else None,
        explicit=bool(data.get("explicit", False)),
        url=_url(data),
        isrc=(data.get("external_ids") or {}).get("isrc"),
        popularity=data.get("popularity"),
        is_local=bool(data.get("is_local", False)),
    )


def _context(data: dict[str, Any] | None) -> PlaybackContext | None:
    if not data or not data.get("uri"):
        return None
    return PlaybackContext(
        type=data.get("type") or data["uri"].split(":")[1], uri=data["uri"], url=_url(data)
    )


def _cursor(cursors: dict[str, Any] | None, name: str) -> int | None:
    value = (cursors or {}).get(name)
    return int(value) if value not in (None, "") else None


def parse_recently_played(data: dict[str, Any]) -> RecentlyPlayedPage:
    items = tuple(
        PlayedTrack(
            played_at=parse_played_at(item["played_at"]),
            track=parse_track(item["track"]),
            context=_context(item.get("context")),
        )
        for item in data["items"]
    )
    return RecentlyPlayedPage(
        items=items,
        limit=int(data.get("limit") or len(items)),
        cursor_after=_cursor(data.get("cursors"), "after"),
        cursor_before=_cursor(data.get("cursors"), "before"),
        next=data.get("next"),
    )


def _device(data: dict[str, Any]) -> SpotifyDevice:
    return SpotifyDevice(
        id=data.get("id"),
        name=data.get("name") or "",
        type=data.get("type") or "Unknown",
        is_active=bool(data.get("is_active")),
        is_private_session=bool(data.get("is_private_session")),
        is_restricted=bool(data.get("is_restricted")),
        volume_percent=data.get("volume_percent"),
        supports_volume=bool(data.get("supports_volume")),
    )


def parse_playback_state(data: dict[str, Any]) -> PlaybackState:
    kind = data.get("currently_playing_type") or "unknown"
    item = data.get("item")
    actions = data.get("actions") or {}
    # the real answer nests {"disallows": {...}}; the spec inlines it: accept both
    disallows = actions.get("disallows", actions) if isinstance(actions, dict) else {}
    timestamp = data.get("timestamp")
    return PlaybackState(
        is_playing=bool(data.get("is_playing")),
        currently_playing_type=kind,
        item=parse_track(item) if item and item.get("type", "track") == "track" else None,
        progress_ms=data.get("progress_ms"),
        timestamp=datetime.fromtimestamp(timestamp / 1000, tz=UTC) if timestamp else None,
        context=_context(data.get("context")),
        device=_device(data["device"]) if data.get("device") else None,
        repeat_state=data.get("repeat_state"),
        shuffle_state=data.get("shuffle_state"),
        disallows=frozenset(name for name, refused in disallows.items() if refused is True),
    )


def parse_profile(data: dict[str, Any]) -> SpotifyProfile:
    images = _images(data.get("images"))
    return SpotifyProfile(
        id=data["id"],
        account_id=data.get("account_id"),
        display_name=data.get("display_name"),
        email=data.get("email"),
        country=data.get("country"),
        product=data.get("product"),
        image_url=max(images, key=lambda image: image.width or 0).url if images else None,
        uri=data.get("uri"),
        url=_url(data),
    )


def parsed(parse: Callable[[Any], T], data: Any, what: str) -> T:
    """Runs a parser; a body missing what we need becomes `ProviderBadResponse`, never a KeyError."""
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ProviderBadResponse(f"unexpected {what} answer ({exc!r})", provider=PROVIDER) from exc
