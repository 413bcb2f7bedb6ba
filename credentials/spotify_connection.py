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
from dataclasses import replace
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import AppError, InvalidInput
from credentials.models import OAuthState
from credentials.spotify_oauth import (
    CONNECT_URL,
    EXPIRY_MARGIN,
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

logger = logging.getLogger(__name__)

T = TypeVar("T")


def spotify_connect_start(*, user: User) -> OAuthStart:
    """The authorization URL for this user, with a single-use state bound to them and to the browser
    that asked (see `OAuthStart`), and PKCE."""
    app = spotify_app_client()
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
    app = spotify_app_client(client_id=pending.client_id)
    try:
        tokens = spotify_accounts(app, pending.redirect_uri).exchange_code(
            code=code, code_verifier=pending.code_verifier or None
        )
    except provider_errors.ProviderError as exc:
        raise app_error_from(exc) from None
    spotify_user_id = None
    try:
        spotify_user_id = SpotifyClient(settings.SPOTIFY_API_URL, tokens.access_token).me().id
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
                "Spotify refused the pasted access token (they expire after an hour). Connect Spotify "
                f"with {CONNECT_URL} instead, so MusicHub can renew it for you."
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
            app = spotify_app_client(client_id=grant.client_id)
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
    """Seed 002: true when the user has a usable Spotify connection (refreshing it first)."""
    try:
        spotify_access_token_for(user=user)
    except (vault.ApiKeyMissing, SpotifyReconnectRequired, SpotifyNotConfigured):
        return False
    return True


def spotify_call(*, user: User, call: Callable[[SpotifyClient], T]) -> T:
    """Runs `call` with a client for the user's Spotify; a 401 renews the token once and retries.

    Only the first caller to see the refused token refreshes it; the others retry with the token it
    got (`spotify_access_token_for(rejected_token=…)`). Provider errors other than an expired token
    reach the caller as they are.
    """
    return call_renewing_once(
        call,
        lambda rejected: spotify_access_token_for(user=user, rejected_token=rejected),
        refused_again=SpotifyReconnectRequired,
    )
