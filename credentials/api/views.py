"""Seed 002's Spotify endpoints, made multi-user: every signed-in user connects their own Spotify."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.errors import AppError
from credentials import spotify_connection
from credentials.oauth_cookies import USER_CONNECT, oauth_cookie_clear, oauth_cookie_read, oauth_cookie_set


class AuthURLView(APIView):
    """`{"url": …}`: where to send the user to connect their Spotify (state + PKCE kept server-side).

    The response also sets a cookie that the callback requires: the browser that asked for the URL
    must be the one that opens it and comes back.
    """

    @extend_schema(responses=inline_serializer("SpotifyAuthURL", {"url": serializers.URLField()}))
    def get(self, request: AuthenticatedRequest) -> Response:
        start = spotify_connection.spotify_connect_start(user=request.user)
        return oauth_cookie_set(Response({"url": start.url}), prefix=USER_CONNECT, start=start)


class IsAuthenticatedView(APIView):
    """`{"status": true|false}`: whether the user's Spotify works (an expired token is refreshed first)."""

    @extend_schema(
        responses=inline_serializer("SpotifyIsAuthenticated", {"status": serializers.BooleanField()})
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response({"status": spotify_connection.spotify_is_authenticated(user=request.user)})


class DisconnectView(APIView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Spotify disconnected")})
    def post(self, request: AuthenticatedRequest) -> Response:
        spotify_connection.spotify_disconnect(user=request.user)
        return Response(status=204)


class RedirectView(APIView):
    """Spotify sends the browser back here. Answers with a redirect to SPOTIFY_CONNECT_DONE_URL,
    with `?spotify=connected`, or `?spotify=error&reason=<code>&message=<text>` (`reason=wrong_browser`
    when this browser is not the one that asked for the URL: nothing is connected)."""

    # The state identifies the user who started, and the cookie set with it the browser they used.
    permission_classes = [AllowAny]

    @extend_schema(responses={302: OpenApiResponse(description="Back to the front end")})
    def get(self, request: Request) -> HttpResponseRedirect:
        signed_in = request.user if request.user.is_authenticated else None
        state = request.query_params.get("state", "")
        try:
            spotify_connection.spotify_connect_finish(
                state=state,
                code=request.query_params.get("code"),
                error=request.query_params.get("error"),
                signed_in_user=signed_in,
                browser_secret=oauth_cookie_read(request, prefix=USER_CONNECT, state=state),
            )
        except AppError as exc:
            response = _back({"spotify": "error", "reason": exc.code, "message": exc.message})
        else:
            response = _back({"spotify": "connected"})
        if state:
            oauth_cookie_clear(
                response, prefix=USER_CONNECT, state=state, redirect_uri=settings.SPOTIFY_REDIRECT_URI
            )
        return response


def _back(params: dict[str, str]) -> HttpResponseRedirect:
    target = settings.SPOTIFY_CONNECT_DONE_URL
    separator = "&" if "?" in target else "?"
    return HttpResponseRedirect(f"{target}{separator}{urlencode(params)}")


class SpotifyAppSerializer(serializers.Serializer):
    client_id = serializers.CharField(max_length=100)
    client_secret = serializers.CharField(max_length=100, write_only=True)


def _app_status(status: spotify_connection.UserAppStatus) -> dict:
    seats = status.server_app
    return {
        "configured": status.client_id is not None,
        "client_id": status.client_id,
        "redirect_uri": status.redirect_uri,
        "server_app": (
            {"users": seats.used, "max_users": seats.limit, "full": seats.full} if seats is not None else None
        ),
    }


SPOTIFY_APP_STATUS = inline_serializer(
    "SpotifyAppStatus",
    {
        "configured": serializers.BooleanField(),
        "client_id": serializers.CharField(allow_null=True),
        "redirect_uri": serializers.CharField(),
        "server_app": inline_serializer(
            "SpotifyServerAppSeats",
            {
                "users": serializers.IntegerField(),
                "max_users": serializers.IntegerField(),
                "full": serializers.BooleanField(),
            },
            allow_null=True,
        ),
    },
)


class SpotifyAppView(APIView):
    """Your own Spotify app (client id and secret, kept in your vault, the secret never shown): past the
    five users a Spotify app in development mode may serve, Connect Spotify, refresh, sync and rooms use
    it for you. Changing or removing it ends your Spotify connection: connect again."""

    @extend_schema(responses=SPOTIFY_APP_STATUS)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(_app_status(spotify_connection.spotify_user_app_status(user=request.user)))

    @extend_schema(request=SpotifyAppSerializer, responses=SPOTIFY_APP_STATUS)
    def put(self, request: AuthenticatedRequest) -> Response:
        serializer = SpotifyAppSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        status = spotify_connection.spotify_user_app_set(user=request.user, **serializer.validated_data)
        return Response(_app_status(status))

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest) -> Response:
        spotify_connection.spotify_user_app_remove(user=request.user)
        return Response(status=204)
