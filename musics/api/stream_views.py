"""`GET /api/songs/{id}/stream/`: a song's audio with HTTP Range, for anyone signed in."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.error_codes import ErrorCode
from musics.models import Song
from musics.selectors import song_for_stream
from musics.served_ranges import answered_range, play_id_valid, served_range_record
from musics.services import song_play_record
from musics.stream_links import stream_token_user_id
from musics.streaming import song_stream_response

PLAY_PARAMETER = (
    "The player's id for this play of the song (8 to 64 letters, digits, - or _), the same on every "
    "range of the play: the bytes served are kept so that POST /api/songs/{id}/played/ can be checked."
)
BAD_PLAY_ID = "The play id must be 8 to 64 letters, digits, - or _."


class _AnyAccept(BaseContentNegotiation):
    """The body is audio whatever the client accepts (`<audio>` sends `Accept: audio/*`); errors
    are rendered with the first renderer (JSON), instead of failing the request with a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class SongStreamView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = _AnyAccept

    @extend_schema(
        parameters=[
            OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER, description="bytes=a-b"),
            OpenApiParameter("play", OpenApiTypes.STR, description=PLAY_PARAMETER),
        ],
        responses={
            (200, "audio/*"): OpenApiTypes.BINARY,
            (206, "audio/*"): OpenApiTypes.BINARY,
            416: None,
        },
        description="The song's audio. Supports Range (206), If-Range, ETag/If-None-Match (304). "
        "A play is counted once per listen; with `play`, the bytes served are kept for the play's report.",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
        play = request.query_params.get("play")
        if play is not None and not play_id_valid(play):
            raise ValidationError({"play": [BAD_PLAY_ID]})
        song = song_for_stream(pk)
        if song is None:
            raise NotFound()
        response = song_stream_response(request=request._request, song=song)
        if request.method == "GET" and response.status_code in (200, 206):
            song_play_record(song=song, user=request.user, range_header=request.headers.get("Range"))
            if play is not None:
                _served_remember(
                    request._request, response, song=song, user_id=int(request.user.pk), play=play
                )
        return _database_released(response)


_authenticated_view = SongStreamView.as_view()


@require_safe
def song_stream(request: HttpRequest, pk: int) -> HttpResponseBase:
    """With `?token=` (the signed `stream_url`): served without a credential lookup (and usually
    before the URL is even resolved: musics.stream_fast_path). Without it: the API view, with the
    usual authentication."""
    token = request.GET.get("token")
    if token is None:
        return _authenticated_view(request, pk=pk)
    return signed_song_stream(request, pk=pk, token=token)


def signed_song_stream(request: HttpRequest, *, pk: int, token: str) -> HttpResponseBase:
    """A song through its signed link: the token is the only credential."""
    user_id = stream_token_user_id(token, song_id=pk)
    if user_id is None:
        return JsonResponse(
            {
                "detail": "This stream link is invalid or has expired; get the song again.",
                "code": ErrorCode.BAD_STREAM_LINK,
            },
            status=403,
        )
    play = request.GET.get("play")
    if play is not None and not play_id_valid(play):
        return JsonResponse({"play": [BAD_PLAY_ID], "code": ErrorCode.INVALID}, status=400)
    song = song_for_stream(pk)
    if song is None:
        return JsonResponse({"detail": "Not found.", "code": ErrorCode.NOT_FOUND}, status=404)
    response = song_stream_response(request=request, song=song)
    if request.method == "GET" and response.status_code in (200, 206):
        listener = SimpleNamespace(pk=user_id, is_authenticated=True)
        song_play_record(song=song, user=listener, range_header=request.headers.get("Range"))
        if play is not None:
            _served_remember(request, response, song=song, user_id=user_id, play=play)
    return _database_released(response)


def _served_remember(
    request: HttpRequest, response: HttpResponseBase, *, song: Song, user_id: int, play: str
) -> None:
    """Notes the bytes this response answered for the play (musics.served_ranges): one round trip."""
    answered = answered_range(response, range_header=request.headers.get("Range"), size=song.audio_size)
    if answered is not None:
        first, last, size = answered
        served_range_record(user_id=user_id, song_id=song.pk, play=play, first=first, last=last, size=size)


def _database_released(response: HttpResponseBase) -> HttpResponseBase:
    """A song's body can take minutes to send; Django would keep the request's database connection
    until the last byte. The view is done with it: back to the pool now, as Django would at the end
    of the request (a persistent connection, CONN_MAX_AGE > 0 without a pool, stays open; nothing
    happens inside a transaction, which tests wrap each request in)."""
    if response.streaming and not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()
    return response
