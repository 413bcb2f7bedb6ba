"""Spotify OAuth: the app's own credential (admin, seed 000), and what every user's connection
(credentials/spotify_connection.py) shares with it: the app a flow runs with, single-use states
bound to the browser that started the flow, the errors, and calling Spotify with a token renewed
once when it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.error_codes import ErrorCode
from core.errors import AppError, Conflict, InvalidInput
from credentials.models import OAuthState, SpotifyCredential
from providers import base as provider_errors
from providers.spotify import SCOPES, SpotifyAccounts, SpotifyClient
from providers.types import OAuthTokens
from users.provider_errors import app_error_from

logger = logging.getLogger(__name__)

T = TypeVar("T")
EXPIRY_MARGIN = timedelta(seconds=60)
CONNECT_URL = "/spotify/get-auth-url"


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
        f"Your Spotify connection has expired or was revoked. Connect Spotify again ({CONNECT_URL})."
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
            f"Connect Spotify again ({CONNECT_URL})."
        )
    raise SpotifyNotConfigured()


def spotify_accounts(app: AppClient, redirect_uri: str | None = None) -> SpotifyAccounts:
    return SpotifyAccounts(
        accounts_url=settings.SPOTIFY_ACCOUNTS_URL,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=redirect_uri,
    )


def _expires_at(tokens: OAuthTokens) -> datetime | None:
    return tokens.expires_at


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


# --- the app's own credential (admin) -----------------------------------------------------------------


def _credential_state_create(
    *,
    credential: SpotifyCredential,
    redirect_uri: str | None,
    scopes: str | None,
    state: str | None,
    browser_digest: str,
) -> tuple[str, str, str]:
    """Saves a pending admin authorization; its URL, state and redirect URI."""
    redirect_uri = redirect_uri or credential.redirect_uri
    if not redirect_uri:
        raise InvalidInput("Set this credential's redirect URI first.", field="redirect_uri")
    if not credential.pk:
        credential.save()
    accounts = spotify_accounts(AppClient(credential.client_id, credential.client_secret), redirect_uri)
    request = accounts.authorization_url(
        scopes=(scopes or credential.scopes or " ".join(SCOPES)).split(), state=state
    )
    OAuthState.objects.create(
        state=request.state,
        purpose=OAuthState.ADMIN_CREDENTIAL,
        credential_id=credential.pk,
        client_id=credential.client_id,
        redirect_uri=redirect_uri,
        code_verifier=request.code_verifier or "",
        browser_digest=browser_digest,
    )
    return request.url, request.state, redirect_uri


def spotify_credential_authorization_url(
    *,
    credential: SpotifyCredential,
    redirect_uri: str | None = None,
    scopes: str | None = None,
    state: str | None = None,
) -> str:
    """Seed 000's authorization URL for a flow run from code (no browser cookie; the admin's button
    uses `spotify_credential_oauth_start`, whose callback only the same browser can complete)."""
    url, _, _ = _credential_state_create(
        credential=credential, redirect_uri=redirect_uri, scopes=scopes, state=state, browser_digest=""
    )
    return url


def spotify_credential_oauth_start(*, credential: SpotifyCredential, redirect_uri: str) -> OAuthStart:
    """The admin's "Start OAuth Flow": a state bound to the admin's browser (see `OAuthStart`)."""
    secret = secrets.token_urlsafe(32)
    url, state, redirect_uri = _credential_state_create(
        credential=credential,
        redirect_uri=redirect_uri,
        scopes=None,
        state=None,
        browser_digest=browser_digest(secret),
    )
    return OAuthStart(url=url, state=state, browser_secret=secret, redirect_uri=redirect_uri)


def _latest_pending_state(credential: SpotifyCredential) -> str | None:
    pending = (
        OAuthState.objects.filter(
            purpose=OAuthState.ADMIN_CREDENTIAL, credential_id=credential.pk, used_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    return pending.state if pending else None


def _save_credential_tokens(credential: SpotifyCredential, tokens: OAuthTokens) -> dict[str, Any]:
    credential.access_token = tokens.access_token
    if tokens.refresh_token:
        credential.refresh_token = tokens.refresh_token
    credential.token_expiry = _expires_at(tokens)
    if tokens.scope:
        credential.scopes = " ".join(tokens.scope)
    credential.validation_error = ""
    credential.save()
    return {
        "token_type": tokens.token_type,
        "expires_in": tokens.expires_in,
        "scope": " ".join(tokens.scope),
        "token_expiry": credential.token_expiry.isoformat() if credential.token_expiry else None,
    }


def _credential_exchange(
    credential: SpotifyCredential, pending: OAuthState, code: str, redirect_uri: str | None
) -> dict[str, Any]:
    accounts = spotify_accounts(
        AppClient(credential.client_id, credential.client_secret), redirect_uri or pending.redirect_uri
    )
    try:
        tokens = accounts.exchange_code(code=code, code_verifier=pending.code_verifier or None)
    except provider_errors.ProviderError as exc:
        credential.record_validation(error=exc.message)
        raise app_error_from(exc) from None
    info = _save_credential_tokens(credential, tokens)
    logger.info("Spotify credential %s authorised", credential.pk)
    return info


def spotify_credential_exchange_code(
    *,
    credential: SpotifyCredential,
    code: str,
    redirect_uri: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """Seed 000's code exchange, for a flow run from code: saves the tokens (the returned dict holds
    none). A state that a browser started can only be completed by that browser's callback."""
    state = state or _latest_pending_state(credential)
    pending = oauth_state_consume(
        state=state or "",
        purpose=OAuthState.ADMIN_CREDENTIAL,
        credential_id=credential.pk,
        browser_secret=None,
    )
    return _credential_exchange(credential, pending, code, redirect_uri)


def spotify_credential_oauth_finish(
    *,
    credential: SpotifyCredential,
    state: str,
    code: str | None,
    error: str | None,
    browser_secret: str,
) -> dict[str, Any]:
    """The admin's OAuth callback: the state must be this credential's, unused, and started by this
    browser (`browser_secret`, from its cookie); then the code is exchanged and the tokens saved."""
    pending = oauth_state_consume(
        state=state,
        purpose=OAuthState.ADMIN_CREDENTIAL,
        credential_id=credential.pk,
        browser_secret=browser_secret,
    )
    if error:
        raise SpotifyAuthorizationDenied(f"Spotify did not authorise the app: {error}.")
    if not code:
        raise InvalidInput("The Spotify callback came back without a code.", field="code")
    return _credential_exchange(credential, pending, code, None)


def _refresh_locked(locked: SpotifyCredential) -> tuple[dict[str, Any] | None, AppError | None]:
    """Refreshes a credential whose row is locked; a refusal is recorded, then reported."""
    if not locked.refresh_token:
        return None, InvalidInput("No refresh token: run the OAuth flow first.", field="refresh_token")
    try:
        tokens = spotify_accounts(AppClient(locked.client_id, locked.client_secret)).refresh(
            refresh_token=locked.refresh_token
        )
    except provider_errors.ProviderAuthError as exc:
        locked.access_token = ""
        locked.validation_error = (
            f"Refresh refused ({exc.reason or 'auth'}): {exc.message}. Run the OAuth flow again."
        )
        locked.last_validated = timezone.now()
        locked.save()
        return None, SpotifyReconnectRequired(locked.validation_error)
    except provider_errors.ProviderError as exc:
        return None, app_error_from(exc)
    return _save_credential_tokens(locked, tokens), None


def spotify_credential_refresh(*, credential: SpotifyCredential) -> dict[str, Any]:
    """Refreshes the credential's access token now (under a row lock)."""
    with transaction.atomic():
        locked = SpotifyCredential.objects.select_for_update().get(pk=credential.pk)
        info, failure = _refresh_locked(locked)
    credential.refresh_from_db()
    if failure:
        raise failure
    return info or {}


def _credential_needs_refresh(credential: SpotifyCredential, rejected_token: str | None) -> bool:
    """Expired, or Spotify refused the token this credential still holds."""
    if rejected_token is not None and credential.access_token == rejected_token:
        return True
    return credential.is_token_expired()


def spotify_credential_access_token(
    *, credential: SpotifyCredential, rejected_token: str | None = None
) -> str:
    """A valid access token for the app's own account: refreshed once, under a row lock, when expired
    or when Spotify refused `rejected_token`.

    The need is checked again under the lock, so callers that waited find the token already replaced
    and use it: twenty callers cause one refresh, whether the token expired or Spotify refused it early
    (a second refresh would spend a rotated refresh token for nothing).
    """
    if not _credential_needs_refresh(credential, rejected_token):
        return credential.access_token
    with transaction.atomic():
        locked = SpotifyCredential.objects.select_for_update().get(pk=credential.pk)
        failure = None
        if _credential_needs_refresh(locked, rejected_token):
            _, failure = _refresh_locked(locked)
    credential.refresh_from_db()
    if failure:
        raise failure
    return credential.access_token


def spotify_credential_call(*, credential: SpotifyCredential, call: Callable[[SpotifyClient], T]) -> T:
    """Runs `call` as the app's own Spotify account; a 401 renews the token once and retries.

    The renewal follows `spotify_credential_access_token(rejected_token=…)`: only the first caller to
    see the refused token refreshes it; the others retry with the token it got.
    """
    return call_renewing_once(
        call,
        lambda rejected: spotify_credential_access_token(credential=credential, rejected_token=rejected),
        refused_again=lambda: SpotifyReconnectRequired(
            "Spotify refused the app's own token right after renewing it: run the credential's "
            "OAuth flow again in the admin."
        ),
    )


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
