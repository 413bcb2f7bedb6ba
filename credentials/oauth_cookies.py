"""The cookie that binds a Spotify authorization to the browser that started it.

It is set on the response that hands out the authorization URL (GET /spotify/get-auth-url, the web's
"Connect Spotify" buttons, the admin's "Start OAuth Flow") and read by the callback Spotify sends that
browser back to; only a digest of its random value is stored with the state. A callback from any other
browser (an attacker's link opened by a victim, say) finds no matching cookie and is refused.

One cookie per state (its name carries a digest of the state), so two flows started in two tabs do not
undo each other. HttpOnly; Secure unless DEBUG; SameSite=Lax, which still sends it on Spotify's
top-level redirect back; it lives as long as the state; its path is the redirect URI's.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from credentials.models import OAuthState
from credentials.spotify_oauth import OAuthStart

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)  # a page's HttpResponse or DRF's Response

USER_CONNECT = "mh_spotify_oauth"
ADMIN_CREDENTIAL = "mh_spotify_admin_oauth"


def _name(prefix: str, state: str) -> str:
    return f"{prefix}_{hashlib.sha256(state.encode()).hexdigest()[:16]}"


def _path(redirect_uri: str) -> str:
    return urlsplit(redirect_uri).path or "/"


def oauth_cookie_set(response: ResponseT, *, prefix: str, start: OAuthStart) -> ResponseT:
    """Gives the browser that receives `response` the secret its callback must bring back."""
    response.set_cookie(
        _name(prefix, start.state),
        start.browser_secret,
        max_age=int(OAuthState.LIFETIME.total_seconds()),
        path=_path(start.redirect_uri),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )
    return response


def oauth_cookie_read(request: HttpRequest, *, prefix: str, state: str) -> str:
    """The secret this browser holds for `state` ("" when it has none)."""
    return request.COOKIES.get(_name(prefix, state), "") if state else ""


def oauth_cookie_clear(response: HttpResponseBase, *, prefix: str, state: str, redirect_uri: str) -> None:
    """Forgets the secret of a flow that is over."""
    response.delete_cookie(_name(prefix, state), path=_path(redirect_uri), samesite="Lax")
