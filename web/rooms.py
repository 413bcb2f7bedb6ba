"""Rooms (seed 002's pages): create a room, join one by code, and the room itself.

The room page is rendered once from the room's services; `room.js` then keeps it live over
`/ws/rooms/<code>/` and calls the JSON API for play, pause and skip.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.authenticated import AuthenticatedHttpRequest
from core.errors import AppError
from credentials.oauth_cookies import USER_CONNECT, oauth_cookie_set
from credentials.spotify_connection import spotify_connect_start, spotify_is_authenticated
from rooms import services
from rooms.models import CODE_LENGTH, Room


class RoomSettingsForm(forms.Form):
    guest_can_pause = forms.BooleanField(label="Guests can pause and play", required=False)
    votes_to_skip = forms.IntegerField(
        label="Votes needed to skip a song",
        min_value=1,
        max_value=100,
        initial=2,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Room code",
        max_length=CODE_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "e.g. K7QM2XPA",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


def _identity(request: HttpRequest) -> services.Identity:
    """The signed-in user, or the anonymous guest's session (created on first use)."""
    if request.user.is_authenticated:
        return services.Identity(user=request.user, session_key="")
    if not request.session.session_key:
        request.session.save()
    assert request.session.session_key  # save() gave the new session its key
    return services.Identity(user=None, session_key=request.session.session_key)


def _join_url(code: str = "") -> str:
    url = reverse("web:join")
    return f"{url}?{urlencode({'code': code})}" if code else url


def _clock(ms: int) -> str:
    seconds = max(ms, 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def _percent(song: services.CurrentSong | None) -> int:
    if song is None or not song.duration_ms:
        return 0
    return min(100, round(100 * song.progress_ms / song.duration_ms))


def _settings_form(room: Room) -> RoomSettingsForm:
    return RoomSettingsForm(
        initial={"guest_can_pause": room.guest_can_pause, "votes_to_skip": room.votes_to_skip}
    )


@login_required
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Opens the user's room (seed 002's /create); the host plays their Spotify, so it comes first."""
    hosted = Room.objects.filter(host=request.user).first()
    form = RoomSettingsForm(request.POST or None, initial={"guest_can_pause": False, "votes_to_skip": 2})
    if hosted is not None and request.method != "POST":
        form = _settings_form(hosted)
    connected = spotify_is_authenticated(user=request.user)
    if request.method == "POST" and connected and form.is_valid():
        try:
            room = services.room_create(host=request.user, **form.cleaned_data)
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("web:room", code=room.code)
    context = {"form": form, "connected": connected, "hosted": hosted, "section": "rooms"}
    return render(request, "web/room_create.html", context)


@require_POST
@login_required
def spotify_connect(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Starts Spotify's consent for the would-be host (a full navigation: Spotify's page is elsewhere),
    with the cookie that lets only this browser complete it."""
    try:
        start = spotify_connect_start(user=request.user)
        return oauth_cookie_set(redirect(start.url), prefix=USER_CONNECT, start=start)
    except AppError as exc:
        flash.error(request, exc.message)
        return redirect("web:create")


def join(request: HttpRequest) -> HttpResponse:
    """Joins a room by its code: signed-in users and anonymous guests alike."""
    if request.method == "POST":
        form = JoinForm(request.POST)
    else:
        form = JoinForm(initial={"code": request.GET.get("code", "").strip().upper()})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_get(code=form.cleaned_data["code"])
            services.room_join(room=room, who=_identity(request))
        except AppError as exc:
            form.add_error("code", exc.message)
            status = exc.status
        else:
            return redirect("web:room", code=room.code)
    current = None
    if request.user.is_authenticated or request.session.session_key:
        current = services.room_of(who=_identity(request))
    context = {"form": form, "current": current, "section": "rooms"}
    return render(request, "web/room_join.html", context, status=status)


def room(request: HttpRequest, code: str) -> HttpResponse:
    """The room: the host's current song, the controls its rules allow, the members, live."""
    try:
        room = services.room_get(code=code)
    except AppError:
        form = JoinForm(initial={"code": code.upper()})
        form.errors["code"] = form.error_class(["Room not found: check the code, or ask the host for it."])
        return render(request, "web/room_join.html", {"form": form, "section": "rooms"}, status=404)
    who = _identity(request)
    if services.member_of(room, who) is None:
        return redirect(_join_url(room.code))
    host = services.is_host(room, who)
    song, song_error = None, None
    try:
        song = services.room_current_song(room=room)
    except AppError as exc:
        song_error = {"code": exc.code, "message": exc.message}
    context = {
        "room": room,
        "is_host": host,
        "can_control": host or room.guest_can_pause,
        "members": services.room_members(room),
        "song": song,
        "progress_percent": _percent(song),
        "elapsed": _clock(song.progress_ms) if song else "",
        "duration": _clock(song.duration_ms) if song else "",
        "song_error": song_error,
        "settings_form": _settings_form(room) if host else None,
        "section": "rooms",
    }
    return render(request, "web/room.html", context)


@require_POST
def room_settings(request: HttpRequest, code: str) -> HttpResponse:
    """The host changes the rules; everyone in the room sees them change."""
    try:
        room = services.room_get(code=code)
    except AppError as exc:
        flash.error(request, exc.message)
        return redirect("web:join")
    form = RoomSettingsForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Votes to skip must be a whole number from 1 to 100.")
        return redirect("web:room", code=room.code)
    try:
        services.room_update(room=room, by=_identity(request), **form.cleaned_data)
    except AppError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, "Room settings saved.")
    return redirect("web:room", code=room.code)


@require_POST
def room_leave(request: HttpRequest, code: str) -> HttpResponse:
    """Leaves the room; the host leaving closes it for everyone."""
    try:
        room = services.room_get(code=code)
    except AppError:
        return redirect("web:join")
    closed = services.room_leave(room=room, who=_identity(request))
    flash.success(request, "You closed the room." if closed else f"You left room {code.upper()}.")
    return redirect("web:home" if request.user.is_authenticated else "web:join")


urlpatterns = [
    path("create", create, name="create"),
    path("create/connect-spotify", spotify_connect, name="room-connect-spotify"),
    path("join", join, name="join"),
    path("room/<str:code>", room, name="room"),
    path("room/<str:code>/settings", room_settings, name="room-settings"),
    path("room/<str:code>/leave", room_leave, name="room-leave"),
]
