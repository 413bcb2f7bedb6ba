"""Every service whose key a user can keep in the vault: what it needs and how to check it live.

Seed 004's table (spotify, lastfm, trakt_client_id, trakt_client_secret, steam, psn, xbox,
retroachievements) plus the music platforms. Adding a service is one entry here (and, to check it
live, a provider client in `providers/`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from providers.types import CredentialCheck

# A live check gets the decrypted key and the service user id, and raises a ProviderError when
# the service refuses them.
Checker = Callable[[str, str | None], CredentialCheck]

# A public Steam profile (Valve's own documentation uses it), for checking a key without an id.
STEAM_PUBLIC_ID = "76561197960287930"


@dataclass(frozen=True)
class VaultService:
    name: str
    display_name: str
    key_label: str
    service_user_id_label: str | None = None
    needs_service_user_id_to_check: bool = False
    category: str = "music"
    check: Checker | None = None
    check_unavailable_reason: str = ""


def _spotify(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.spotify import SpotifyClient

    profile = SpotifyClient(api_url=settings.SPOTIFY_API_URL, access_token=key).me()
    return CredentialCheck(account=profile.display_name or profile.id, detail="Spotify answered /me.")


def _lastfm(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.lastfm import LastfmClient

    return LastfmClient(api_url=settings.LASTFM_API_URL, api_key=key).check_credentials(service_user_id or "")


def _trakt(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.trakt import TraktClient

    return TraktClient(api_url=settings.TRAKT_API_URL, client_id=key).check_credentials()


def _steam(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.steam import SteamClient

    return SteamClient(api_url=settings.STEAM_API_URL, api_key=key).check_credentials(
        service_user_id or STEAM_PUBLIC_ID
    )


class CheckUnavailable(Exception):
    """This server cannot ask the service (it is not configured for it): the key is neither good nor bad."""


def _psn(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.psn import PsnClient

    if not (settings.PSN_CLIENT_ID and settings.PSN_CLIENT_SECRET and settings.PSN_REDIRECT_URI):
        raise CheckUnavailable(
            "PlayStation keys cannot be checked on this server: its operator has not set "
            "PSN_CLIENT_ID, PSN_CLIENT_SECRET and PSN_REDIRECT_URI."
        )
    client = PsnClient(
        auth_url=settings.PSN_AUTH_URL,
        api_url=settings.PSN_API_URL,
        client_id=settings.PSN_CLIENT_ID,
        client_secret=settings.PSN_CLIENT_SECRET,
        redirect_uri=settings.PSN_REDIRECT_URI,
    )
    return client.check_credentials(key)


def _xbox(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.xbox import XboxClient

    return XboxClient(api_url=settings.XBOX_API_URL, api_key=key).check_credentials()


def _retroachievements(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.retroachievements import RetroAchievementsClient

    client = RetroAchievementsClient(api_url=settings.RETROACHIEVEMENTS_API_URL, api_key=key)
    return client.check_credentials(service_user_id or "")


def _youtube(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.youtube import YouTubeClient

    return YouTubeClient(api_url=settings.YOUTUBE_API_URL, api_key=key).check_credentials()


def _deezer(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.deezer import DeezerClient

    return DeezerClient(api_url=settings.DEEZER_API_URL, access_token=key).check_credentials()


def _apple_music(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.apple_music import AppleMusicClient

    return AppleMusicClient(api_url=settings.APPLE_MUSIC_API_URL, developer_token=key).check_credentials()


def _tidal(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.tidal import TidalClient

    client = TidalClient(
        api_url=settings.TIDAL_API_URL,
        auth_url=settings.TIDAL_AUTH_URL,
        client_id=service_user_id or "",
        client_secret=key,
    )
    return client.check_credentials()


def _spotify_app(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.spotify import SpotifyAccounts

    return SpotifyAccounts(
        settings.SPOTIFY_ACCOUNTS_URL, client_id=service_user_id or "", client_secret=key
    ).check_credentials()


def _amazon_music(key: str, service_user_id: str | None) -> CredentialCheck:
    from providers.amazon_music import AmazonMusicClient

    client = AmazonMusicClient(auth_url=settings.AMAZON_AUTH_URL, api_url=settings.AMAZON_MUSIC_API_URL)
    return client.check_credentials(key)


SPOTIFY_APP = "spotify_app"

SERVICES: dict[str, VaultService] = {
    service.name: service
    for service in (
        VaultService("spotify", "Spotify", "Access token", check=_spotify),
        # A user's own Spotify app (past the server app's five users): Connect Spotify uses it.
        VaultService(
            SPOTIFY_APP,
            "Your Spotify app",
            "Client secret",
            "Client ID",
            needs_service_user_id_to_check=True,
            check=_spotify_app,
        ),
        VaultService(
            "lastfm", "Last.fm", "API key", "Username", needs_service_user_id_to_check=True, check=_lastfm
        ),
        VaultService("trakt_client_id", "Trakt Client ID", "Client ID", category="video", check=_trakt),
        VaultService(
            "trakt_client_secret",
            "Trakt Client Secret",
            "Client secret",
            category="video",
            check_unavailable_reason="Trakt checks a client secret only during an OAuth sign-in.",
        ),
        VaultService("steam", "Steam", "API key", "Steam ID", category="gaming", check=_steam),
        VaultService("psn", "PlayStation", "NPSSO token", "PSN user ID", category="gaming", check=_psn),
        VaultService("xbox", "Xbox", "OpenXBL API key", "XUID", category="gaming", check=_xbox),
        VaultService(
            "retroachievements",
            "RetroAchievements",
            "API key",
            "Username",
            needs_service_user_id_to_check=True,
            category="gaming",
            check=_retroachievements,
        ),
        VaultService("youtube_music", "YouTube Music", "YouTube Data API key", check=_youtube),
        VaultService("deezer", "Deezer", "Access token", "Deezer user ID", check=_deezer),
        VaultService("apple_music", "Apple Music", "Developer token", check=_apple_music),
        VaultService(
            "tidal", "Tidal", "Client secret", "Client ID", needs_service_user_id_to_check=True, check=_tidal
        ),
        VaultService("amazon_music", "Amazon Music", "Login with Amazon access token", check=_amazon_music),
    )
}


def vault_service(name: str) -> VaultService | None:
    return SERVICES.get(name)


def supported_names() -> list[str]:
    return list(SERVICES)
