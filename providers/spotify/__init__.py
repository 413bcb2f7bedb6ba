"""Spotify, split along its seams; every public name is importable from `providers.spotify` as before.

- `accounts`: the Accounts service (OAuth 2 authorization code with PKCE, refresh, client credentials);
- `web_api`: the Web API calls MusicHub makes (profile, listening history, playback, player commands);
- `types`: what those calls return (frozen dataclasses); `parsing`: Spotify's JSON read into them.
"""

from providers.spotify.accounts import AUTH_ERRORS, PKCE_VERIFIER_LENGTH, SCOPES, SpotifyAccounts
from providers.spotify.parsing import (
    parse_playback_state,
    parse_played_at,
    parse_profile,
    parse_recently_played,
    parse_track,
)
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
from providers.spotify.web_api import MAX_RECENTLY_PLAYED, SpotifyClient

__all__ = [
    "AUTH_ERRORS",
    "MAX_RECENTLY_PLAYED",
    "PKCE_VERIFIER_LENGTH",
    "PROVIDER",
    "SCOPES",
    "PlaybackContext",
    "PlaybackState",
    "PlayedTrack",
    "RecentlyPlayedPage",
    "SpotifyAccounts",
    "SpotifyAlbum",
    "SpotifyArtist",
    "SpotifyClient",
    "SpotifyDevice",
    "SpotifyImage",
    "SpotifyProfile",
    "SpotifyTrack",
    "parse_playback_state",
    "parse_played_at",
    "parse_profile",
    "parse_recently_played",
    "parse_track",
]
