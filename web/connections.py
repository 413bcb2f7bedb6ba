"""Connections: every vault service with its state; add, replace, delete and check a key; Spotify's OAuth;
and the listening-history sync with a progress bar that moves while it runs.

Each service card and the sync panel are htmx targets: a form posted from one of them gets that card back
(with its message or field errors inside it). Without htmx the same forms redirect back to the page with a
flash message, or re-render it with the errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.authenticated import AuthenticatedHttpRequest
from core.errors import AppError
from credentials.oauth_cookies import USER_CONNECT, oauth_cookie_set
from credentials.spotify_connection import spotify_connect_start, spotify_disconnect, spotify_user_app_status
from listening.models import Source, SyncJob
from listening.selectors import sync_job_list
from listening.sync import sync_job_get, sync_start
from users import vault
from users.models import User
from users.selectors import Connection, api_key_list, connection_list
from users.vault_registry import SERVICES, SPOTIFY_APP, VaultService, vault_service
from web.imports import import_panel
from web.scrobbling import listenbrainz_panel
from web.time_zone import user_timezone

SYNC_JOBS_SHOWN = 5
CATEGORIES = (("music", "Music"), ("video", "Video"), ("gaming", "Gaming"))
Notice = tuple[str, str]  # (level: "success" | "warning" | "error", text)
_LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}


class KeyForm(forms.Form):
    api_key = forms.CharField(max_length=8192, required=False)
    service_user_id = forms.CharField(max_length=100, required=False)


@dataclass(frozen=True)
class JobProgress:
    job: SyncJob
    percent: int | None  # None while the total is unknown (a Spotify sync, a backfill's first call)


def job_progress(job: SyncJob) -> JobProgress:
    if job.status == SyncJob.Status.DONE:
        return JobProgress(job, 100)
    if not job.pages_total:
        return JobProgress(job, None)
    return JobProgress(job, min(100, round(100 * job.pages_done / job.pages_total)))


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Renders with times in the user's zone (web.time_zone)."""
    with timezone.override(user_timezone(request)):
        return render(request, template, context, status=status)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _service_or_404(name: str) -> VaultService:
    spec = vault_service(name)
    if spec is None:
        raise Http404("No such service.")
    return spec


def _card(
    user: User, spec: VaultService, conn: Connection | None, form: KeyForm | None, notice: Notice | None
) -> dict:
    card: dict[str, Any] = {
        "service": spec,
        "conn": conn,
        "form": form or KeyForm(),
        "notice": notice,
        "can_check": spec.check is not None,  # (a template would call the checker itself)
    }
    if spec.name == SPOTIFY_APP:  # the redirect URI to register, and how full the server's app is
        card["spotify_app"] = spotify_user_app_status(user=user)
    return card


def _connections_by_name(user: User) -> dict[str, Connection]:
    return {conn.service_name: conn for conn in connection_list(user=user)}


def _sync_context(user: User, connections: dict[str, Connection], notice: Notice | None = None) -> dict:
    return {
        "jobs": [job_progress(job) for job in sync_job_list(user=user, limit=SYNC_JOBS_SHOWN)],
        "spotify_ready": "spotify" in connections and connections["spotify"].state == "connected",
        "lastfm_ready": "lastfm" in connections and bool(connections["lastfm"].service_user_id),
        "sync_notice": notice,
    }


def _spotify_flash(request: HttpRequest) -> Notice | None:
    """The OAuth callback lands here with `?spotify=connected` or `?spotify=error&message=…`."""
    outcome = request.GET.get("spotify")
    if outcome == "connected":
        return ("success", "Spotify is connected. Sync your recent plays below, or open a room.")
    if outcome == "error":
        message = request.GET.get("message", "")[:300] or "Spotify could not be connected."
        return ("error", f"{message} Try “Connect Spotify” again.")
    return None


def _page(
    request: AuthenticatedHttpRequest,
    *,
    card: dict | None = None,
    sync_notice: Notice | None = None,
    status: int = 200,
    listenbrainz: dict | None = None,
) -> HttpResponse:
    connections = _connections_by_name(request.user)
    cards = {
        name: _card(request.user, spec, connections.get(name), None, None) for name, spec in SERVICES.items()
    }
    if card is not None:
        cards[card["service"].name] = card
    groups = [
        (label, [cards[name] for name, spec in SERVICES.items() if spec.category == category])
        for category, label in CATEGORIES
    ]
    context = {
        "section": "connections",
        "groups": [(label, items) for label, items in groups if items],
        "spotify_flash": _spotify_flash(request),
        **_sync_context(request.user, connections, sync_notice),
        "listenbrainz": listenbrainz or listenbrainz_panel(request, request.user),
        **import_panel(request.user),
    }
    return _render(request, "web/connections.html", context, status=status)


def connections_page(request: AuthenticatedHttpRequest, *, listenbrainz: dict | None = None) -> HttpResponse:
    """The whole page, with the ListenBrainz panel as given (web/scrobbling.py)."""
    return _page(request, listenbrainz=listenbrainz)


def _card_response(
    request: AuthenticatedHttpRequest,
    spec: VaultService,
    *,
    form: KeyForm | None = None,
    notice: Notice | None = None,
) -> HttpResponse:
    """The card alone for htmx; otherwise back to the page (re-rendered when a field has an error)."""
    conn = _connections_by_name(request.user).get(spec.name)
    card = _card(request.user, spec, conn, form, notice)
    if _is_htmx(request):
        response = _render(request, "web/partials/connections_service.html", card)
        if spec.name in ("spotify", "lastfm"):  # the sync buttons depend on these two
            sync = _sync_context(request.user, _connections_by_name(request.user))
            panel = render(request, "web/partials/connections_sync.html", {**sync, "oob": True})
            response.content += panel.content
        return response
    if form is not None and form.errors:
        return _page(request, card=card, status=400)
    if notice is not None:
        messages.add_message(request, _LEVELS[notice[0]], notice[1])
    return redirect("web:connections")


def _add_error(form: KeyForm, exc: AppError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- pages and forms ----------------------------------------------------------------------------------


@login_required
def connections(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def key_save(request: AuthenticatedHttpRequest, service: str) -> HttpResponse:
    """Adds the service's key, or replaces it (and/or the service user id) when one is stored."""
    spec = _service_or_404(service)
    form = KeyForm(request.POST)
    notice = None
    if form.is_valid():
        key = form.cleaned_data["api_key"]
        user_id = form.cleaned_data["service_user_id"].strip() or None
        try:
            saved = vault.api_key_save(user=request.user, service=spec, api_key=key, service_user_id=user_id)
        except AppError as exc:
            _add_error(form, exc)
        else:
            if saved.replaced is None:
                notice = (
                    "success",
                    f"{spec.display_name} key saved. Press Check to test it.",  # the name once
                )
            else:
                what = "key" if saved.replaced == "key" else spec.service_user_id_label
                notice = ("success", f"{spec.display_name} {what} replaced. Press Check to test it.")
    return _card_response(request, spec, form=form if form.errors else None, notice=notice)


@login_required
@require_POST
def key_delete(request: AuthenticatedHttpRequest, service: str) -> HttpResponse:
    spec = _service_or_404(service)
    row = api_key_list(user=request.user).filter(service_name=spec.name).first()
    if row is None:
        notice = ("warning", f"No {spec.display_name} key was stored.")
    else:
        vault.api_key_delete(row=row)
        notice = ("success", f"Your {spec.display_name} key is deleted.")
    return _card_response(request, spec, notice=notice)


@login_required
@require_POST
def key_check(request: AuthenticatedHttpRequest, service: str) -> HttpResponse:
    """Asks the service itself whether it accepts the stored key."""
    spec = _service_or_404(service)
    try:
        result = vault.api_key_verify(user=request.user, service_name=spec.name, live=True)
    except AppError as exc:
        notice = ("error", exc.message)
    else:
        if result.status == "valid":
            notice = ("success", f"{spec.display_name} accepted it. {result.message}".strip())
        elif result.status == "invalid":
            notice = ("error", f"{spec.display_name} refused it: {result.message} Paste a new one below.")
        else:
            notice = ("warning", result.message or f"{spec.display_name} cannot be checked live.")
    return _card_response(request, spec, notice=notice)


@login_required
@require_http_methods(["GET", "POST"])
def spotify_connect(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Sends the browser to Spotify's consent page (a full navigation; the callback comes back here),
    with the cookie that lets only this browser complete it."""
    try:
        start = spotify_connect_start(user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("web:connections")
    return oauth_cookie_set(redirect(start.url), prefix=USER_CONNECT, start=start)


@login_required
@require_POST
def spotify_disconnect_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if spotify_disconnect(user=request.user):
        notice = ("success", "Spotify is disconnected. Your imported plays stay in your history.")
    else:
        notice = ("warning", "Spotify was not connected.")
    return _card_response(request, SERVICES["spotify"], notice=notice)


_SYNC_NAMES: dict[tuple[str, str], str] = {
    (Source.SPOTIFY, SyncJob.Kind.SYNC): "Spotify sync",
    (Source.LASTFM, SyncJob.Kind.SYNC): "Last.fm sync",
    (Source.LASTFM, SyncJob.Kind.BACKFILL): "Import of your whole Last.fm history",
}


@login_required
@require_POST
def sync_start_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    source = request.POST.get("source", "")
    kind = request.POST.get("kind", SyncJob.Kind.SYNC)
    try:
        sync_start(user=request.user, source=source, kind=kind)
    except AppError as exc:
        notice = ("error", exc.message)
    else:
        name = _SYNC_NAMES.get((source, kind), "Sync")
        notice = ("success", f"{name} started. The bar below moves as pages come in.")
    if _is_htmx(request):
        context = _sync_context(request.user, _connections_by_name(request.user), notice)
        return _render(request, "web/partials/connections_sync.html", context)
    messages.add_message(request, _LEVELS[notice[0]], notice[1])
    return redirect("web:connections")


@login_required
def sync_job(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """One job's progress (polled every second while it runs; the finished partial stops the polling)."""
    try:
        job = sync_job_get(user=request.user, job_id=job_id)
    except AppError as exc:
        raise Http404(exc.message) from None
    return _render(request, "web/partials/connections_job.html", {"item": job_progress(job)})


urlpatterns = [
    path("connections", connections, name="connections"),
    path("connections/keys/<str:service>", key_save, name="connection_key_save"),
    path("connections/keys/<str:service>/delete", key_delete, name="connection_key_delete"),
    path("connections/keys/<str:service>/check", key_check, name="connection_key_check"),
    path("connections/spotify/connect", spotify_connect, name="spotify_connect"),
    path("connections/spotify/disconnect", spotify_disconnect_view, name="spotify_disconnect"),
    path("connections/sync", sync_start_view, name="sync_start"),
    path("connections/sync/<int:job_id>", sync_job, name="sync_job"),
]
