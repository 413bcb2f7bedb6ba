"""Provider answers → rows of the listens table (the seed's field names)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from providers.lastfm import Scrobble
from providers.spotify import PlayedTrack

TEXT_LIMIT = 255  # title / artist / album columns (they are part of a unique index)


def _text(value: str | None) -> str:
    return (value or "").strip()[:TEXT_LIMIT]


@dataclass(frozen=True)
class ListenRow:
    title: str
    artist: str
    album: str
    played_at: datetime
    source: str
    track_url: str = ""
    artists_url: str = ""
    duration_ms: int = 0
    album_thumbnail: str = ""
    artist_lastfm_url: str | None = None
    track_mbid: str | None = None
    artist_mbid: str | None = None
    album_mbid: str | None = None
    loved: bool = False
    streamable: bool = False
    album_thumbnail_small: str | None = None
    album_thumbnail_medium: str | None = None
    album_thumbnail_large: str | None = None
    album_thumbnail_extralarge: str | None = None
    client: str = ""
    additional_info: dict[str, Any] | None = None  # stored whole, as JSON (ListenBrainz submissions)

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.title, self.artist, self.played_at)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def from_spotify(played: PlayedTrack) -> ListenRow:
    track = played.track
    return ListenRow(
        title=_text(track.name),
        artist=_text(track.artist),
        album=_text(track.album.name if track.album else ""),
        played_at=played.played_at,
        source="spotify",
        track_url=track.url or "",
        artists_url=",".join(artist.url for artist in track.artists if artist.url)[:1000],
        duration_ms=max(0, track.duration_ms or 0),
        album_thumbnail=track.image_url or "",
    )


def from_lastfm(scrobble: Scrobble) -> ListenRow:
    if scrobble.played_at is None:  # RecentTracksPage.scrobbles holds dated plays only
        raise ValueError("the now-playing row is not a listen")
    images = scrobble.images
    return ListenRow(
        title=_text(scrobble.title),
        artist=_text(scrobble.artist),
        album=_text(scrobble.album),
        played_at=scrobble.played_at,
        source="lastfm",
        track_url=scrobble.url or "",
        album_thumbnail=scrobble.image_url or "",
        artist_lastfm_url=scrobble.artist_url,
        track_mbid=scrobble.track_mbid,
        artist_mbid=scrobble.artist_mbid,
        album_mbid=scrobble.album_mbid,
        loved=scrobble.loved,
        streamable=scrobble.streamable,
        album_thumbnail_small=images.get("small"),
        album_thumbnail_medium=images.get("medium"),
        album_thumbnail_large=images.get("large"),
        album_thumbnail_extralarge=images.get("extralarge"),
    )
