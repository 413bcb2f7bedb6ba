"""Spotify OAuth: the app's own credential (admin, seed 000) and every user's connection (seed 002).

A user's tokens live in their `spotify` vault key (access token as the key; refresh token, expiry,
scopes and the app's client id in the encrypted metadata). `spotify_access_token_for()` is the one
way later features get a user's token: it refreshes once, under a row lock, when it has expired or
Spotify refused it, and `spotify_call()` is the way to call Spotify with it (a 401 renews it once).
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
from users import vault
from users.models import User, UserApiKey
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


def _browser_digest(secret: str) -> str:
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


def _accounts(app: AppClient, redirect_uri: str | None = None) -> SpotifyAccounts:
    return SpotifyAccounts(
        accounts_url=settings.SPOTIFY_ACCOUNTS_URL,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=redirect_uri,
    )


def _expires_at(tokens: OAuthTokens) -> datetime | None:
    return tokens.expires_at


def _consume_state(
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
            pending.browser_digest, _browser_digest(browser_secret or "")
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
    accounts = _accounts(AppClient(credential.client_id, credential.client_secret), redirect_uri)
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
        browser_digest=_browser_digest(secret),
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
    accounts = _accounts(
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
    pending = _consume_state(
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
    pending = _consume_state(
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
        tokens = _accounts(AppClient(locked.client_id, locked.client_secret)).refresh(
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
    return _call_renewing_once(
        call,
        lambda rejected: spotify_credential_access_token(credential=credential, rejected_token=rejected),
        refused_again=lambda: SpotifyReconnectRequired(
            "Spotify refused the app's own token right after renewing it: run the credential's "
            "OAuth flow again in the admin."
        ),
    )


def _call_renewing_once(
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


# --- every user's own Spotify (seed 002) ---------------------------------------------------------------


def spotify_connect_start(*, user: User) -> OAuthStart:
    """The authorization URL for this user, with a single-use state bound to them and to the browser
    that asked (see `OAuthStart`), and PKCE."""
    app = spotify_app_client()
    accounts = _accounts(app, settings.SPOTIFY_REDIRECT_URI)
    request = accounts.authorization_url(scopes=SCOPES)
    secret = secrets.token_urlsafe(32)
    OAuthState.objects.create(
        state=request.state,
        purpose=OAuthState.USER_CONNECT,
        user=user,
        client_id=app.client_id,
        redirect_uri=settings.SPOTIFY_REDIRECT_URI,
        code_verifier=request.code_verifier or "",
        browser_digest=_browser_digest(secret),
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
    pending = _consume_state(state=state, purpose=OAuthState.USER_CONNECT, browser_secret=browser_secret)
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
        tokens = _accounts(app, pending.redirect_uri).exchange_code(
            code=code, code_verifier=pending.code_verifier or None
        )
    except provider_errors.ProviderError as exc:
        raise app_error_from(exc) from None
    spotify_user_id = None
    try:
        spotify_user_id = SpotifyClient(settings.SPOTIFY_API_URL, tokens.access_token).me().id
    except provider_errors.ProviderError as exc:  # the connection works without knowing the id
        logger.info("Spotify /me failed after connecting user %s: %s", user.pk, exc.message)
    now = timezone.now()
    vault.api_key_store(
        user=user,
        service_name="spotify",
        api_key=tokens.access_token,
        service_user_id=spotify_user_id,
        metadata={
            "source": "oauth",
            "client_id": app.client_id,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
            "scopes": list(tokens.scope),
            "connected_at": now.isoformat(),
        },
    )
    logger.info("User %s connected Spotify", user.pk)
    return user


def spotify_disconnect(*, user: User) -> bool:
    deleted, _ = UserApiKey.objects.filter(user=user, service_name="spotify").delete()
    return bool(deleted)


def _is_expired(metadata: dict[str, Any]) -> bool:
    expires_at = metadata.get("expires_at")
    if not expires_at:
        return False
    return datetime.fromisoformat(expires_at) <= timezone.now() + EXPIRY_MARGIN


def _token_needing_no_refresh(row: UserApiKey, rejected_token: str | None) -> str | None:
    """The stored access token when it can be used as it is; None when it must be refreshed."""
    metadata = row.get_metadata()
    if metadata.get("needs_reconnect"):
        raise SpotifyReconnectRequired()
    stored = row.get_key()
    refused = rejected_token is not None and stored == rejected_token
    if not metadata.get("refresh_token"):
        if refused:
            raise SpotifyReconnectRequired(
                "Spotify refused the pasted access token (they expire after an hour). Connect Spotify "
                f"with {CONNECT_URL} instead, so MusicHub can renew it for you."
            )
        return stored
    if refused or _is_expired(metadata):
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
        metadata = row.get_metadata()
        refresh_token = metadata["refresh_token"]
        try:
            app = spotify_app_client(client_id=metadata.get("client_id"))
            tokens = _accounts(app).refresh(refresh_token=refresh_token)
        except provider_errors.ProviderAuthError as exc:
            metadata["needs_reconnect"] = True
            row.set_metadata(metadata)
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
            metadata.update(
                refresh_token=tokens.refresh_token or refresh_token,
                expires_at=tokens.expires_at.isoformat() if tokens.expires_at else None,
                scopes=list(tokens.scope) or metadata.get("scopes", []),
                refreshed_at=timezone.now().isoformat(),
            )
            row.set_metadata(metadata)
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
    return _call_renewing_once(
        call,
        lambda rejected: spotify_access_token_for(user=user, rejected_token=rejected),
        refused_again=SpotifyReconnectRequired,
    )
