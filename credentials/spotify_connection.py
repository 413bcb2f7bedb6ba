"""Every user's own Spotify (seed 002).

A user's tokens live in their `spotify` vault key: the access token as the key, the rest (refresh
token, expiry, scopes, the app's client id) in its encrypted grant (users.oauth_grant.OAuthGrant).
`spotify_access_token_for()` is the one way later features get a user's token: it refreshes once,
under a row lock, when it has expired or Spotify refused it, and `spotify_call()` is the way to
call Spotify with it (a 401 renews it once).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.error_codes import ErrorCode
from core.errors import AppError, Conflict, InvalidInput, PermissionDenied
from core.quota_pause import quota_pause, quota_paused_until
from credentials.models import OAuthState, SpotifyCredential
from credentials.spotify_oauth import (
    EXPIRY_MARGIN,
    AppClient,
    OAuthStart,
    OAuthStateInvalid,
    SpotifyAuthorizationDenied,
    SpotifyNotConfigured,
    SpotifyReconnectRequired,
    browser_digest,
    call_renewing_once,
    oauth_state_consume,
    spotify_accounts,
    spotify_app_client,
)
from providers import base as provider_errors
from providers.spotify import SCOPES, SpotifyClient
from users import vault
from users.models import User, UserApiKey
from users.oauth_grant import OAuthGrant
from users.provider_errors import app_error_from
from users.vault_registry import SPOTIFY_APP

logger = logging.getLogger(__name__)

T = TypeVar("T")

OWN_APP_HELP = (
    "Bring your own Spotify app: create one at developer.spotify.com (add yourself as its user, and "
    "the redirect URI shown on the Connections page), then enter its client ID and secret under "
    "“Your Spotify app” on the Connections page and press Connect Spotify again."
)


class SpotifyAppFull(Conflict):
    code = ErrorCode.SPOTIFY_APP_FULL
    default_message = (
        "This server's Spotify app already serves as many people as Spotify allows. " + OWN_APP_HELP
    )


class SpotifyUserNotRegistered(PermissionDenied):
    code = ErrorCode.SPOTIFY_USER_NOT_REGISTERED
    default_message = (
        "Spotify refused your account: the Spotify app you connected through does not list you as one of "
        "its users (an app in development mode serves at most 5). " + OWN_APP_HELP
    )


@dataclass(frozen=True)
class ServerAppSeats:
    """How many people the server's Spotify app serves, of how many it may."""

    client_id: str
    used: int
    limit: int

    @property
    def full(self) -> bool:
        return self.used >= self.limit


def spotify_user_app(*, user: User) -> AppClient | None:
    """The user's own Spotify app (the vault's `spotify_app` key: client id and secret), if any."""
    row = UserApiKey.objects.filter(user=user, service_name=SPOTIFY_APP).first()
    if row is None or not row.service_user_id:
        return None
    return AppClient(row.service_user_id, row.get_key())


@dataclass(frozen=True)
class UserAppStatus:
    """What the Connections page and `/users/spotify-app/` show about a user's Spotify app."""

    client_id: str | None  # the user's own app; None: the server's app serves them
    redirect_uri: str  # to register in the app's settings on developer.spotify.com
    server_app: ServerAppSeats | None  # None when the server has no Spotify app configured


def spotify_user_app_status(*, user: User) -> UserAppStatus:
    own = spotify_user_app(user=user)
    try:
        seats: ServerAppSeats | None = spotify_server_app_seats()
    except SpotifyNotConfigured:
        seats = None
    return UserAppStatus(
        client_id=own.client_id if own else None, redirect_uri=settings.SPOTIFY_REDIRECT_URI, server_app=seats
    )


def spotify_user_app_set(*, user: User, client_id: str, client_secret: str) -> UserAppStatus:
    """Brings (or changes) the user's own Spotify app. A connection made with another app ends
    (users.vault: a connection belongs to the app that made it): the user connects again."""
    client_id, client_secret = client_id.strip(), client_secret.strip()
    for field, value in (("client_id", client_id), ("client_secret", client_secret)):
        if not value:
            raise InvalidInput(
                f"Enter your Spotify app's {field.replace('_', ' ')}.", field=field, code=ErrorCode.REQUIRED
            )
        if len(value) > 100 or any(character.isspace() for character in value):
            raise InvalidInput(
                f"That is not a Spotify {field.replace('_', ' ')}: it is one word of at most 100 characters.",
                field=field,
                code=ErrorCode.INVALID,
            )
    with transaction.atomic():
        row = UserApiKey.objects.select_for_update().filter(user=user, service_name=SPOTIFY_APP).first()
        if row is None:
            vault.api_key_create(
                user=user, service_name=SPOTIFY_APP, api_key=client_secret, service_user_id=client_id
            )
        else:
            vault.api_key_update(row=row, api_key=client_secret, service_user_id=client_id)
    return spotify_user_app_status(user=user)


def spotify_user_app_remove(*, user: User) -> bool:
    """Removes the user's own app: the server's app serves them again (after they connect again)."""
    row = UserApiKey.objects.filter(user=user, service_name=SPOTIFY_APP).first()
    if row is None:
        return False
    vault.api_key_delete(row=row)
    return True


def _app_for(user: User, *, client_id: str | None = None) -> AppClient:
    """The app a user's flow runs with: their own when they brought one, else the server's. With
    `client_id` (a connection made earlier), the app that made it."""
    own = spotify_user_app(user=user)
    if own is not None and (client_id is None or client_id == own.client_id):
        return own
    return spotify_app_client(client_id=client_id)


def spotify_server_app_seats(
    *, app: AppClient | None = None, excluding: User | None = None
) -> ServerAppSeats:
    """Users connected through the server's app (`excluding` one), against its limit: the active
    credential's `max_users`, or SPOTIFY_APP_MAX_USERS for the app of SPOTIFY_CLIENT_ID."""
    app = app or spotify_app_client()
    credential = SpotifyCredential.get_active_credential()
    limit = (
        credential.max_users
        if credential is not None and credential.client_id == app.client_id
        else settings.SPOTIFY_APP_MAX_USERS
    )
    rows = UserApiKey.objects.filter(service_name="spotify")
    if excluding is not None:
        rows = rows.exclude(user=excluding)
    used = sum(1 for row in rows.iterator() if vault.api_key_grant(row).client_id == app.client_id)
    return ServerAppSeats(client_id=app.client_id, used=used, limit=limit)


def spotify_connect_start(*, user: User) -> OAuthStart:
    """The authorization URL for this user, with a single-use state bound to them and to the browser
    that asked (see `OAuthStart`), and PKCE."""
    app = spotify_user_app(user=user)
    if app is None:
        app = spotify_app_client()
        if spotify_server_app_seats(app=app, excluding=user).full:
            raise SpotifyAppFull()
    accounts = spotify_accounts(app, settings.SPOTIFY_REDIRECT_URI)
    request = accounts.authorization_url(scopes=SCOPES)
    secret = secrets.token_urlsafe(32)
    OAuthState.objects.create(
        state=request.state,
        purpose=OAuthState.USER_CONNECT,
        user=user,
        client_id=app.client_id,
        redirect_uri=settings.SPOTIFY_REDIRECT_URI,
        code_verifier=request.code_verifier or "",
        browser_digest=browser_digest(secret),
    )
    return OAuthStart(
        url=request.url,
        state=request.state,
        browser_secret=secret,
        redirect_uri=settings.SPOTIFY_REDIRECT_URI,
    )


def spotify_connect_finish(
    *,
    state: str,
    code: str | None,
    error: str | None,
    signed_in_user: User | None,
    browser_secret: str,
) -> User:
    """The callback: checks the state (this user's, from this browser: `browser_secret` is the value of
    the cookie set when the flow started), exchanges the code, stores the tokens in the user's vault."""
    pending = oauth_state_consume(state=state, purpose=OAuthState.USER_CONNECT, browser_secret=browser_secret)
    user = pending.user
    if user is None or (signed_in_user is not None and signed_in_user.pk != user.pk):
        raise OAuthStateInvalid("This Spotify sign-in was started by another account.")
    if error:
        raise SpotifyAuthorizationDenied(
            "You did not allow MusicHub to use your Spotify."
            if error == "access_denied"
            else f"Spotify said: {error}"
        )
    if not code:
        raise InvalidInput("The Spotify callback came back without a code.", field="code")
    app = _app_for(user, client_id=pending.client_id)
    try:
        tokens = spotify_accounts(app, pending.redirect_uri).exchange_code(
            code=code, code_verifier=pending.code_verifier or None
        )
    except provider_errors.ProviderError as exc:
        raise app_error_from(exc) from None
    spotify_user_id = None
    try:
        spotify_user_id = SpotifyClient(settings.SPOTIFY_API_URL, tokens.access_token).me().id
    except provider_errors.ProviderForbidden as exc:
        if exc.reason == "user_not_registered":  # the app's development-mode list lacks them
            logger.info("Spotify refused user %s: not on app %s's list", user.pk, app.client_id)
            raise SpotifyUserNotRegistered() from None
        logger.info("Spotify /me failed after connecting user %s: %s", user.pk, exc.message)
    except provider_errors.ProviderError as exc:  # the connection works without knowing the id
        logger.info("Spotify /me failed after connecting user %s: %s", user.pk, exc.message)
    grant = OAuthGrant(
        source="oauth",
        client_id=app.client_id,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        scopes=tuple(tokens.scope),
        connected_at=timezone.now(),
    )
    vault.api_key_store(
        user=user,
        service_name="spotify",
        api_key=tokens.access_token,
        service_user_id=spotify_user_id,
        metadata=grant.as_metadata(),
    )
    logger.info("User %s connected Spotify", user.pk)
    return user


def spotify_disconnect(*, user: User) -> bool:
    deleted, _ = UserApiKey.objects.filter(user=user, service_name="spotify").delete()
    return bool(deleted)


def _token_needing_no_refresh(row: UserApiKey, rejected_token: str | None) -> str | None:
    """The stored access token when it can be used as it is; None when it must be refreshed."""
    grant = vault.api_key_grant(row)
    if grant.needs_reconnect:
        raise SpotifyReconnectRequired()
    stored = row.get_key()
    refused = rejected_token is not None and stored == rejected_token
    if not grant.renews:
        if refused:
            raise SpotifyReconnectRequired(
                "Spotify refused the pasted access token (they expire after an hour). Press Connect Spotify "
                "on the Connections page instead, so MusicHub can renew it for you."
            )
        return stored
    if refused or grant.expires_within(EXPIRY_MARGIN, now=timezone.now()):
        return None
    return stored


def _spotify_row(user: User, *, lock: bool) -> UserApiKey:
    rows = UserApiKey.objects.filter(user=user, service_name="spotify")
    row = (rows.select_for_update() if lock else rows).first()
    if row is None:
        raise vault.ApiKeyMissing("No Spotify API key found")
    return row


def spotify_access_token_for(*, user: User, rejected_token: str | None = None) -> str:
    """A valid Spotify access token for the user.

    Refreshes once, under a lock on the user's key, when the token has expired, or when Spotify
    refused `rejected_token` and it is still the stored one. A caller whose refused token another
    caller has already replaced uses the new one instead: refresh tokens may rotate, so a second
    refresh would be wasted or, with the old refresh token, refused (`invalid_grant`) and wrongly
    end the connection. `invalid_grant` marks the connection as needing a reconnect. A hand-pasted
    token (no refresh token) is used as it is until Spotify refuses it.
    """
    token = _token_needing_no_refresh(_spotify_row(user, lock=False), rejected_token)
    if token is not None:
        return token
    failure: AppError | None = None
    with transaction.atomic():
        row = _spotify_row(user, lock=True)
        token = _token_needing_no_refresh(row, rejected_token)  # another caller may have refreshed it
        if token is not None:
            return token
        grant = vault.api_key_grant(row)
        try:
            app = _app_for(user, client_id=grant.client_id)
            tokens = spotify_accounts(app).refresh(refresh_token=grant.refresh_token or "")
        except provider_errors.ProviderAuthError as exc:
            vault.api_key_grant_set(row, replace(grant, needs_reconnect=True))
            row.mark_failed(f"Spotify refused the refresh ({exc.reason or 'auth'}): {exc.message}")
            row.save(update_fields=["metadata", "last_error", "updated_at"])
            logger.info("User %s's Spotify connection needs a reconnect (%s)", user.pk, exc.reason)
            failure = SpotifyReconnectRequired()
        except SpotifyReconnectRequired as exc:
            failure = exc
        except provider_errors.ProviderError as exc:
            raise app_error_from(exc) from None
        else:
            row.set_key(tokens.access_token)
            vault.api_key_grant_set(
                row,
                grant.refreshed(
                    refresh_token=tokens.refresh_token,
                    expires_at=tokens.expires_at,
                    scopes=tuple(tokens.scope),
                    now=timezone.now(),
                ),
            )
            row.last_error = ""
            row.save()
            return tokens.access_token
    raise failure


def spotify_is_authenticated(*, user: User) -> bool:
    """Seed 002: true when the user's Spotify connection works: Spotify answers with it (the token
    renewed once if refused). Tokens Spotify no longer knows (revoked; a sandbox restarted without its
    state) are false, and the connection is marked to reconnect; Spotify not answering (down, rate
    limited, quota paused) does not make a stored connection false."""
    try:
        spotify_call(user=user, call=lambda client: client.me())
    except (
        vault.ApiKeyMissing,
        SpotifyReconnectRequired,
        SpotifyNotConfigured,
        provider_errors.ProviderAuthError,
    ):
        return False
    except (provider_errors.ProviderError, AppError):
        return True
    return True


def spotify_call(*, user: User, call: Callable[[SpotifyClient], T]) -> T:
    """Runs `call` with a client for the user's Spotify; a 401 renews the token once and retries.

    Only the first caller to see the refused token refreshes it; the others retry with the token it
    got (`spotify_access_token_for(rejected_token=…)`). When Spotify says the app's quota is spent,
    every user of that app waits SPOTIFY_QUOTA_PAUSE_SECONDS without calling (`ProviderQuotaExceeded`
    with the seconds left); other apps' users go on. Other provider errors reach the caller as they are.
    """
    app_id = _connection_app_id(user)
    paused = quota_paused_until(provider="spotify", app_id=app_id)
    if paused is not None:
        raise _quota_spent(paused)
    try:
        return call_renewing_once(
            call,
            lambda rejected: spotify_access_token_for(user=user, rejected_token=rejected),
            refused_again=SpotifyReconnectRequired,
        )
    except provider_errors.ProviderForbidden as exc:
        if exc.reason == "user_not_registered":  # taken off the app's list since connecting
            raise SpotifyUserNotRegistered() from None
        raise
    except provider_errors.ProviderQuotaExceeded:
        if app_id is None:
            raise
        logger.warning("Spotify app %s's quota is spent: its users wait", app_id)
        raise _quota_spent(
            quota_pause(provider="spotify", app_id=app_id, seconds=settings.SPOTIFY_QUOTA_PAUSE_SECONDS)
        ) from None


def _connection_app_id(user: User) -> str | None:
    row = UserApiKey.objects.filter(user=user, service_name="spotify").first()
    return vault.api_key_grant(row).client_id if row is not None else None


def _quota_spent(until: datetime) -> provider_errors.ProviderQuotaExceeded:
    seconds = max(1, int((until - timezone.now()).total_seconds()))
    return provider_errors.ProviderQuotaExceeded(
        f"Spotify's quota for this app is spent; MusicHub asks again in {seconds // 60 + 1} minutes.",
        provider="Spotify",
        status=429,
        reason="QUOTA_EXCEEDED",
        retry_after=seconds,
    )
