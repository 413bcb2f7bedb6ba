"""Scrobbling on the web: the ListenBrainz panel of the Connections page (make, remake or revoke the
token, shown once; who may read your listens; the URLs to paste into a player) and the live
"playing now" line of the profile and History pages.

The panel is an htmx target: its forms get the panel back. Without htmx they get the whole page back
(never a redirect: the token is shown once, in that answer, and kept nowhere else).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from core.authenticated import AuthenticatedHttpRequest
from scrobbling import selectors, services
from users.models import User

Notice = tuple[str, str]


def listenbrainz_panel(
    request: HttpRequest, user: User, *, token: str | None = None, notice: Notice | None = None
) -> dict[str, Any]:
    """The panel's context (the Connections page includes it as `listenbrainz`)."""
    setup = selectors.token_setup(user=user, base_url=request.build_absolute_uri("/"), token=token)
    return {**setup, "notice": notice}


def _answer(request: AuthenticatedHttpRequest, panel: dict[str, Any]) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        response = render(request, "web/partials/connections_listenbrainz.html", {"listenbrainz": panel})
    else:
        from web.connections import connections_page

        response = connections_page(request, listenbrainz=panel)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_issue(request: AuthenticatedHttpRequest) -> HttpResponse:
    replacing = selectors.token_of(user=request.user) is not None
    token = services.listenbrainz_token_issue(user=request.user)
    words = "A new token is made: the old one no longer works." if replacing else "Your token is made."
    notice = ("success", f"{words} Copy it now: it is shown only once.")
    return _answer(request, listenbrainz_panel(request, request.user, token=token, notice=notice))


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    if services.listenbrainz_token_revoke(user=request.user):
        notice = ("success", "Your token is revoked: players using it can no longer send plays.")
    else:
        notice = ("warning", "You had no token.")
    return _answer(request, listenbrainz_panel(request, request.user, notice=notice))


@login_required
@require_POST
def scrobble_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    public = request.POST.get("public_listens") == "on"
    services.scrobble_settings_update(user=request.user, public_listens=public)
    words = "Anyone may now read your listens" if public else "Your listens now need your token to be read"
    notice = ("success", f"{words} through the ListenBrainz API.")
    return _answer(request, listenbrainz_panel(request, request.user, notice=notice))


@login_required
def playing_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "playing now" line alone, polled by the profile and History pages."""
    playing = selectors.playing_now_of(user=request.user)
    return render(request, "web/partials/playing_now.html", {"playing": playing})


urlpatterns = [
    path("connections/listenbrainz/token", token_issue, name="listenbrainz_token"),
    path("connections/listenbrainz/token/revoke", token_revoke, name="listenbrainz_token_revoke"),
    path("connections/listenbrainz/settings", scrobble_settings, name="listenbrainz_settings"),
    path("playing-now", playing_now, name="playing_now"),
]
