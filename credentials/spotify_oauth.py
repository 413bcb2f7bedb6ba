"""Spotify OAuth, what both flows share: the app's own credential (credentials/spotify_app_credential.py,
seed 000) and every user's connection (credentials/spotify_connection.py, seed 002). The app a flow
runs with, single-use states bound to the browser that started the flow, the errors, and calling
Spotify with a token renewed once when it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.error_codes import ErrorCode
from core.errors import AppError, Conflict, InvalidInput
from credentials.models import OAuthState, SpotifyCredential
from providers import base as provider_errors
from providers.spotify import SpotifyAccounts, SpotifyClient

logger = logging.getLogger(__name__)

T = TypeVar("T")
EXPIRY_MARGIN = timedelta(seconds=60)


class SpotifyNotConfigured(AppError):
    status = 503
    code = ErrorCode.SPOTIFY_NOT_CONFIGURED
    default_message = (
        "Spotify is not configured: an admin must add an active Spotify credential "
        "or set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET."
    )


class SpotifyReconnectRequired(Conflict):
    code = ErrorCode.SPOTIFY_RECONNECT_REQUIRED
    default_message = (
        "Your Spotify connection has expired or was revoked. Connect Spotify again: press Connect Spotify on "
        "the Connections page."
    )


class OAuthStateInvalid(InvalidInput):
    code = ErrorCode.INVALID_STATE
    default_message = "This Spotify sign-in link is invalid, expired or already used. Start again."


class OAuthWrongBrowser(OAuthStateInvalid):
    code = ErrorCode.WRONG_BROWSER
    default_message = (
        "This Spotify sign-in was started in another browser, or this browser did not keep MusicHub's "
        "cookie, so nothing was connected. Start again from this browser: the browser that asks for the "
        "Spotify link must be the one that comes back."
    )


class SpotifyAuthorizationDenied(InvalidInput):
    code = ErrorCode.ACCESS_DENIED
    default_message = "Spotify access was not granted."


@dataclass(frozen=True)
class AppClient:
    """The Spotify app (client id and secret) a flow runs with."""

    client_id: str
    client_secret: str


@dataclass(frozen=True)
class OAuthStart:
    """A started authorization: where to send the browser, and what that browser must bring back.

    `browser_secret` goes in a cookie on the response that sends the browser to Spotify (only its
    digest is stored with the state); the callback at `redirect_uri` refuses a browser without it.
    """

    url: str
    state: str
    browser_secret: str
    redirect_uri: str


def browser_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def spotify_app_client(*, client_id: str | None = None) -> AppClient:
    """The active SpotifyCredential's app, else SPOTIFY_CLIENT_ID/SECRET.

    With `client_id` (a connection made earlier), only the app with that id will do: a refresh
    token works only with the app that issued it.
    """
    candidates = []
    credential = SpotifyCredential.get_active_credential()
    if credential and credential.client_id and credential.client_secret:
        candidates.append(AppClient(credential.client_id, credential.client_secret))
    if settings.SPOTIFY_CLIENT_ID and settings.SPOTIFY_CLIENT_SECRET:
        candidates.append(AppClient(settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET))
    for candidate in candidates:
        if client_id is None or candidate.client_id == client_id:
            return candidate
    if client_id is not None and candidates:
        raise SpotifyReconnectRequired(
            "Your Spotify connection was made with a Spotify app that is no longer configured. "
            "Press Connect Spotify on the Connections page to connect it again."
        )
    raise SpotifyNotConfigured()


def spotify_accounts(app: AppClient, redirect_uri: str | None = None) -> SpotifyAccounts:
    return SpotifyAccounts(
        accounts_url=settings.SPOTIFY_ACCOUNTS_URL,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=redirect_uri,
    )


def oauth_state_consume(
    *, state: str, purpose: str, browser_secret: str | None, credential_id: int | None = None
) -> OAuthState:
    """The pending authorization for `state`, marked used (in its own transaction, so a failed
    exchange cannot be replayed), then checked against the browser that came back.

    `browser_secret` is the cookie's value (an empty string when the browser has none); None only for
    a flow run from code, whose state no browser started. A state started by a browser accepts only
    that browser's secret, and a callback from a browser accepts only a state a browser started; a
    refused state stays used, so it cannot be tried again.
    """
    if not state:
        raise OAuthStateInvalid("The Spotify callback came back without a state: start again.")
    with transaction.atomic():
        pending = OAuthState.objects.select_for_update().filter(state=state, purpose=purpose).first()
        if pending is None or pending.used_at is not None or pending.is_expired:
            raise OAuthStateInvalid()
        if credential_id is not None and pending.credential_id != credential_id:
            raise OAuthStateInvalid()
        pending.used_at = timezone.now()
        pending.save(update_fields=["used_at"])
    if pending.browser_digest or browser_secret is not None:
        same_browser = bool(browser_secret) and hmac.compare_digest(
            pending.browser_digest, browser_digest(browser_secret or "")
        )
        if not same_browser:
            logger.info("Spotify callback for a %s state refused: another browser", purpose)
            raise OAuthWrongBrowser()
    return pending


def call_renewing_once(
    call: Callable[[SpotifyClient], T],
    token_for: Callable[[str | None], str],
    *,
    refused_again: Callable[[], AppError],
) -> T:
    """`call` with a client on `token_for(None)`; on a 401, once more on `token_for(<refused token>)`."""
    token = token_for(None)
    try:
        return call(SpotifyClient(settings.SPOTIFY_API_URL, token))
    except provider_errors.ProviderTokenExpired:
        token = token_for(token)
        try:
            return call(SpotifyClient(settings.SPOTIFY_API_URL, token))
        except provider_errors.ProviderTokenExpired as exc:
            raise refused_again() from exc
