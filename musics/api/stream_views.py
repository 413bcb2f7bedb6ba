"""`GET /api/songs/{id}/stream/`: a song's audio with HTTP Range, for anyone signed in."""

from __future__ import annotations

from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from musics.models import Song
from musics.services import song_play_record
from musics.streaming import song_stream_response


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
        ],
        responses={
            (200, "audio/*"): OpenApiTypes.BINARY,
            (206, "audio/*"): OpenApiTypes.BINARY,
            416: None,
        },
        description="The song's audio. Supports Range (206), If-Range, ETag/If-None-Match (304). "
        "A play is counted once per listen.",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        song = get_object_or_404(Song, pk=pk)
        response = song_stream_response(request=request._request, song=song)
        if request.method == "GET" and response.status_code in (200, 206):
            song_play_record(song=song, user=request.user, range_header=request.headers.get("Range"))
        return response
