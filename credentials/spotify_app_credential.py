"""The Spotify app's own credential (seed 000): an admin runs its OAuth flow once, and the app's
token is renewed under a row lock whenever it has expired or Spotify refused it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from core.errors import AppError, InvalidInput
from credentials.models import OAuthState, SpotifyCredential
from credentials.spotify_oauth import (
    AppClient,
    OAuthStart,
    SpotifyAuthorizationDenied,
    SpotifyReconnectRequired,
    browser_digest,
    call_renewing_once,
    oauth_state_consume,
    spotify_accounts,
)
from providers import base as provider_errors
from providers.spotify import SCOPES, SpotifyClient
from providers.types import OAuthTokens
from users.provider_errors import app_error_from

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _expires_at(tokens: OAuthTokens) -> datetime | None:
    return tokens.expires_at


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
