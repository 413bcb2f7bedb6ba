"""What the Spotify calls return: frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PROVIDER = "Spotify"


@dataclass(frozen=True)
class SpotifyImage:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class SpotifyArtist:
    id: str | None
    name: str
    uri: str | None = None
    url: str | None = None  # open.spotify.com page


@dataclass(frozen=True)
class SpotifyAlbum:
    id: str | None
    name: str
    uri: str | None = None
    url: str | None = None
    images: tuple[SpotifyImage, ...] = ()
    release_date: str | None = None  # "2019", "2019-05" or "2019-05-10", see release_date_precision
    release_date_precision: str | None = None
    album_type: str | None = None

    @property
    def image_url(self) -> str | None:
        """The largest cover (Spotify lists them widest first, but do not rely on it)."""
        if not self.images:
            return None
        return max(self.images, key=lambda image: image.width or 0).url


@dataclass(frozen=True)
class SpotifyTrack:
    id: str | None  # None for local files
    name: str
    uri: str | None
    duration_ms: int
    artists: tuple[SpotifyArtist, ...] = ()
    album: SpotifyAlbum | None = None
    explicit: bool = False
    url: str | None = None
    isrc: str | None = None
    popularity: int | None = None  # deprecated in the spec, often missing
    is_local: bool = False

    @property
    def artist_names(self) -> tuple[str, ...]:
        return tuple(artist.name for artist in self.artists)

    @property
    def artist(self) -> str:
        """All artists, comma-separated, as a one-line credit."""
        return ", ".join(self.artist_names)

    @property
    def image_url(self) -> str | None:
        return self.album.image_url if self.album else None


@dataclass(frozen=True)
class PlaybackContext:
    type: str  # album, playlist, artist, show, collection …
    uri: str
    url: str | None = None


@dataclass(frozen=True)
class PlayedTrack:
    """One recently-played row. `played_at` is when the play ended (aware, UTC)."""

    played_at: datetime
    track: SpotifyTrack
    context: PlaybackContext | None = None

    @property
    def played_at_ms(self) -> int:
        return round(self.played_at.timestamp() * 1000)


@dataclass(frozen=True)
class RecentlyPlayedPage:
    """Newest first. Cursors are epoch milliseconds; both are None on an empty page (`cursors: null`)."""

    items: tuple[PlayedTrack, ...]
    limit: int
    cursor_after: int | None = None  # the newest item's played_at: poll with `after=` this next time
    cursor_before: int | None = None  # the oldest item's: page backwards with `before=` this
    next: str | None = None


@dataclass(frozen=True)
class SpotifyDevice:
    id: str | None  # may be null
    name: str
    type: str
    is_active: bool
    is_private_session: bool = False
    is_restricted: bool = False
    volume_percent: int | None = None
    supports_volume: bool = False


@dataclass(frozen=True)
class PlaybackState:
    """`/me/player/currently-playing` (no device) or `/me/player` (with device, repeat, shuffle).

    `item` is None for ads, for episodes (we do not ask for them) and for unknown content.
    """

    is_playing: bool
    currently_playing_type: str  # track, episode, ad, unknown
    item: SpotifyTrack | None
    progress_ms: int | None = None
    timestamp: datetime | None = None
    context: PlaybackContext | None = None
    device: SpotifyDevice | None = None
    repeat_state: str | None = None
    shuffle_state: bool | None = None
    disallows: frozenset[str] = (
        frozenset()
    )  # actions the player refuses now: pausing, resuming, skipping_next…


@dataclass(frozen=True)
class SpotifyProfile:
    """`/me`. Development-mode apps get no email, country or product: those are None then.

    Link accounts on `account_id` (immutable) when present, else on `id`.
    """

    id: str
    account_id: str | None = None
    display_name: str | None = None
    email: str | None = None
    country: str | None = None
    product: str | None = None  # premium, free, open (= free)
    image_url: str | None = None
    uri: str | None = None
    url: str | None = None

    @property
    def is_premium(self) -> bool | None:
        return None if self.product is None else self.product == "premium"
