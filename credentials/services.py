"""Validation of the app-level platform credentials (seed 000), through the provider clients.

Each platform has one check: the cheapest call that proves its credentials work. A refusal is
recorded on the credential (`validation_error`, `last_validated`); a provider that is down or rate
limiting says so in the error too, since the credential could not be confirmed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from core.errors import AppError
from credentials.models import (
    AbstractMusicPlatform,
    AmazonMusicCredential,
    AppleMusicCredential,
    DeezerCredential,
    SpotifyCredential,
    TidalCredential,
    YouTubeMusicCredential,
)
from credentials.spotify_app_credential import spotify_credential_call
from providers import base as provider_errors
from providers.amazon_music import AmazonMusicClient
from providers.apple_music import AppleMusicClient, InvalidDeveloperKey, make_developer_token
from providers.deezer import DeezerClient
from providers.spotify import SpotifyAccounts, SpotifyClient
from providers.tidal import TidalClient
from providers.types import CredentialCheck
from providers.youtube import YouTubeClient

logger = logging.getLogger(__name__)


class CredentialIncomplete(Exception):
    """A field the check needs is empty; the message names it."""


@dataclass(frozen=True)
class ValidationResult:
    valid: bool
    error: str = ""
    account: str | None = None
    checked: bool = True  # False: the platform could not answer (down, rate limited), nothing is known


def _require(credential: AbstractMusicPlatform, *fields: str) -> None:
    for field in fields:
        if not getattr(credential, field, ""):
            label = str(getattr(credential._meta.get_field(field), "verbose_name", field))
            raise CredentialIncomplete(f"{label.capitalize()} is required.")


def _check_spotify(credential: SpotifyCredential) -> CredentialCheck:
    _require(credential, "client_id", "client_secret")
    accounts = SpotifyAccounts(settings.SPOTIFY_ACCOUNTS_URL, credential.client_id, credential.client_secret)
    check = accounts.check_credentials()
    if credential.access_token:
        # The app works; the account it authorised must too (a stored token is renewed when it has
        # expired or Spotify refuses it).
        if credential.pk:
            profile = spotify_credential_call(credential=credential, call=lambda client: client.me())
        else:
            profile = SpotifyClient(settings.SPOTIFY_API_URL, credential.access_token).me()
        return CredentialCheck(account=profile.display_name or profile.id, detail="App and account work.")
    return check


def _check_youtube(credential: YouTubeMusicCredential) -> CredentialCheck:
    # Seed 000's four steps: the key is present, a test search runs, its errors are mapped
    # (quota, invalid key, API disabled), and the caller saves the status.
    _require(credential, "api_key")
    return YouTubeClient(settings.YOUTUBE_API_URL, credential.api_key).check_credentials()


def _check_amazon(credential: AmazonMusicCredential) -> CredentialCheck:
    _require(credential, "client_id", "client_secret")
    client = AmazonMusicClient(
        settings.AMAZON_AUTH_URL,
        settings.AMAZON_MUSIC_API_URL,
        client_id=credential.client_id,
        client_secret=credential.client_secret,
    )
    if credential.access_token:
        return client.check_credentials(credential.access_token)
    if credential.refresh_token:
        tokens = client.refresh(refresh_token=credential.refresh_token)
        return client.check_credentials(tokens.access_token)
    raise CredentialIncomplete("An access or refresh token from Login with Amazon is required to check it.")


def _check_apple(credential: AppleMusicCredential) -> CredentialCheck:
    _require(credential, "team_id", "key_id", "private_key")
    try:
        token = make_developer_token(
            team_id=credential.team_id, key_id=credential.key_id, private_key_pem=credential.private_key
        )
    except InvalidDeveloperKey as exc:
        raise CredentialIncomplete(str(exc)) from exc
    client = AppleMusicClient(settings.APPLE_MUSIC_API_URL, token, credential.music_user_token or None)
    return client.check_credentials()


def _check_deezer(credential: DeezerCredential) -> CredentialCheck:
    _require(credential, "app_id", "secret")
    if not credential.access_token:
        raise CredentialIncomplete("No access token yet: authorise the Deezer app first.")
    return DeezerClient(settings.DEEZER_API_URL, credential.access_token).check_credentials()


def _check_tidal(credential: TidalCredential) -> CredentialCheck:
    _require(credential, "client_id", "client_secret")
    client = TidalClient(
        settings.TIDAL_API_URL, settings.TIDAL_AUTH_URL, credential.client_id, credential.client_secret
    )
    return client.check_credentials()


CHECKS: dict[type[AbstractMusicPlatform], Callable[..., CredentialCheck]] = {
    SpotifyCredential: _check_spotify,
    YouTubeMusicCredential: _check_youtube,
    AmazonMusicCredential: _check_amazon,
    AppleMusicCredential: _check_apple,
    DeezerCredential: _check_deezer,
    TidalCredential: _check_tidal,
}


# The platform did not say whether the credential is good: "could not check", not "invalid".
UNCHECKED = (
    provider_errors.ProviderUnavailable,
    provider_errors.ProviderBadResponse,
    provider_errors.ProviderRateLimited,
    provider_errors.ProviderQuotaExceeded,
)


def _describe(exc: provider_errors.ProviderError) -> str:
    if isinstance(exc, provider_errors.ProviderQuotaExceeded):
        return f"Quota exceeded: {exc.message} (resets in {exc.retry_after or 0} s)."
    if isinstance(exc, provider_errors.ProviderRateLimited):
        return f"Rate limited: {exc.message}; try again later."
    if isinstance(exc, provider_errors.ProviderUnavailable | provider_errors.ProviderBadResponse):
        return f"Could not check: {exc.provider} is unavailable ({exc.message})."
    if isinstance(exc, provider_errors.ProviderAuthError):
        return f"Invalid credentials: {exc.message}"
    return exc.message


def credential_check(*, credential: AbstractMusicPlatform) -> ValidationResult:
    """Runs the platform's check without recording anything."""
    check = CHECKS[type(credential)]
    try:
        result = check(credential)
    except CredentialIncomplete as exc:
        return ValidationResult(valid=False, error=str(exc))
    except provider_errors.ProviderError as exc:
        return ValidationResult(valid=False, error=_describe(exc), checked=not isinstance(exc, UNCHECKED))
    except AppError as exc:  # e.g. the Spotify account behind the credential must be authorised again
        return ValidationResult(valid=False, error=exc.message)
    return ValidationResult(valid=True, account=result.account)


def credential_validate(*, credential: AbstractMusicPlatform) -> ValidationResult:
    """Seed 000's `validate_credentials()`: check, then save `last_validated` / `validation_error`."""
    result = credential_check(credential=credential)
    credential.record_validation(error=result.error)
    logger.info(
        "%s credential %s: %s",
        credential.get_name_display(),
        credential.pk,
        "valid" if result.valid else "invalid",
    )
    return result
