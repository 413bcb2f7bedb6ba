"""/api/rooms/…: seed 002's rooms as JSON. Signed-in users and anonymous guests (by session)."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.error_codes import ErrorCode
from core.errors import NotFound, PermissionDenied
from core.schema import PROVIDER_ERRORS
from rooms import services
from rooms.api.serializers import (
    CurrentSongSerializer,
    RoomCreateSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
    SkipSerializer,
)
from rooms.models import Room


def identity(request: Request) -> services.Identity:
    """The signed-in user, or the anonymous guest's session (created on first use)."""
    if request.user.is_authenticated:
        return services.Identity(user=request.user, session_key="")
    session = request._request.session
    if not session.session_key:
        session.save()
    assert session.session_key  # save() gave the new session its key
    return services.Identity(user=None, session_key=session.session_key)


def _view_not_called(request: HttpRequest) -> HttpResponse:
    """The view the CSRF check is told about (it only looks for `csrf_exempt` on it)."""
    return HttpResponse(status=204)


def _guest_csrf(request: Request) -> None:
    """A guest is known by a cookie, so their changes need the CSRF token a page gives them."""
    if request.user.is_authenticated or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    check = CsrfViewMiddleware(_view_not_called)
    check.process_request(request._request)
    refused = check.process_view(request._request, _view_not_called, (), {})
    if refused is not None:
        raise PermissionDenied(
            "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken.", code=ErrorCode.CSRF
        )


def room_data(room: Room, who: services.Identity) -> dict:
    return {
        "code": room.code,
        "guest_can_pause": room.guest_can_pause,
        "votes_to_skip": room.votes_to_skip,
        "is_host": services.is_host(room, who),
        "is_member": services.member_of(room, who) is not None,
        "members": services.room_members(room),
    }


class RoomBaseView(APIView):
    permission_classes = [AllowAny]
    # The host's Spotify answers for the room (its player, its rate limit); conflicts are 409 too.
    error_statuses = PROVIDER_ERRORS

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        _guest_csrf(request)

    def room(self, code: str) -> Room:
        return services.room_get(code=code)


class RoomCreateView(RoomBaseView):
    """Opens your room (or updates it): you need Spotify connected; guests join with its code."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        form = RoomCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        room = services.room_create(host=request.user, **form.validated_data)
        return Response(room_data(room, identity(request)), status=status.HTTP_201_CREATED)


class MyRoomView(RoomBaseView):
    """The room you are in."""

    @extend_schema(responses={200: RoomSerializer, 404: OpenApiResponse(description="Not in a room")})
    def get(self, request: Request) -> Response:
        who = identity(request)
        room = services.room_of(who=who)
        if room is None:
            raise NotFound("You are not in a room.", code=ErrorCode.NOT_IN_ROOM)
        return Response(room_data(room, who))


class RoomDetailView(RoomBaseView):
    @extend_schema(responses=RoomSerializer)
    def get(self, request: Request, code: str) -> Response:
        return Response(room_data(self.room(code), identity(request)))

    @extend_schema(request=RoomUpdateSerializer, responses=RoomSerializer)
    def patch(self, request: Request, code: str) -> Response:
        form = RoomUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        who = identity(request)
        room = services.room_update(room=self.room(code), by=who, **form.validated_data)
        return Response(room_data(room, who))


class RoomJoinView(RoomBaseView):
    @extend_schema(request=None, responses=RoomSerializer)
    def post(self, request: Request, code: str) -> Response:
        who = identity(request)
        room = self.room(code)
        services.room_join(room=room, who=who)
        return Response(room_data(room, who))


class RoomLeaveView(RoomBaseView):
    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Left (or closed, for the host)")}
    )
    def post(self, request: Request, code: str) -> Response:
        services.room_leave(room=self.room(code), who=identity(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurrentSongView(RoomBaseView):
    """What the host's Spotify plays; 204 when nothing does."""

    @extend_schema(responses={200: CurrentSongSerializer, 204: OpenApiResponse(description="Nothing plays")})
    def get(self, request: Request, code: str) -> Response:
        room = self.room(code)
        if services.member_of(room, identity(request)) is None:
            raise PermissionDenied("Join the room first.", code=ErrorCode.NOT_A_MEMBER)
        song = services.room_current_song(room=room)
        if song is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(asdict(song))


class PauseView(RoomBaseView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Paused")})
    def put(self, request: Request, code: str) -> Response:
        services.room_pause(room=self.room(code), who=identity(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlayView(RoomBaseView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Playing")})
    def put(self, request: Request, code: str) -> Response:
        services.room_play(room=self.room(code), who=identity(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SkipView(RoomBaseView):
    """The host skips at once; a guest votes (once a song); enough votes skip."""

    @extend_schema(request=None, responses=SkipSerializer)
    def post(self, request: Request, code: str) -> Response:
        result = services.room_vote_skip(room=self.room(code), who=identity(request))
        return Response(asdict(result))
