"""/api/songs/, /api/albums/, discovery and /api/stats/ (seed 003). Anyone signed in reads;
admins write. Writes go through `musics.services`, which checks every upload by its content."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.parsers import UPLOAD_PARSERS
from musics import selectors, services
from musics.api.serializers import (
    AlbumDetailSerializer,
    AlbumSerializer,
    AlbumWriteSerializer,
    LibraryListenSerializer,
    SongPlayedSerializer,
    SongSerializer,
    SongWriteSerializer,
    StatsSerializer,
)
from musics.listen_reports import song_listen_report
from musics.models import Album, Song
from users.permissions import IsAdmin, IsAdminOrReadOnly

PARSERS = UPLOAD_PARSERS


class SongListView(generics.ListCreateAPIView):
    """Every song (paginated; `?search=` matches title and artist). Admins upload with POST (multipart)."""

    permission_classes = [IsAdminOrReadOnly]
    parser_classes = PARSERS
    serializer_class = SongSerializer
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["title", "artist", "album__title"]
    ordering_fields = ["created_at", "title", "artist", "duration"]
    queryset = Song.objects.none()

    def get_queryset(self):
        return selectors.song_list()

    @extend_schema(request=SongWriteSerializer, responses={201: SongSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = SongWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        song = services.song_create(
            audio=form.validated_data["audio_file"],
            title=form.validated_data.get("title") or None,
            artist=form.validated_data.get("artist") or None,
            album=form.validated_data.get("album"),
            image=form.validated_data.get("image"),
        )
        return Response(
            SongSerializer(song, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class SongDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAdminOrReadOnly]
    parser_classes = PARSERS
    serializer_class = SongSerializer
    queryset = Song.objects.none()

    def get_queryset(self):
        return selectors.song_list()

    @extend_schema(request=SongWriteSerializer, responses=SongSerializer)
    def put(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=SongWriteSerializer, responses=SongSerializer)
    def patch(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    def delete(self, request: Request, *args, **kwargs) -> Response:
        services.song_delete(song=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, *, partial: bool) -> Response:
        song = self.get_object()
        form = SongWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if not partial:
            for field in ("title", "artist"):
                changes.setdefault(field, getattr(song, field))
        if "audio_file" in changes:
            changes["audio"] = changes.pop("audio_file")
        song = services.song_update(song=song, **changes)
        return Response(SongSerializer(song, context={"request": request}).data)


class SongPlayedView(APIView):
    """The player says a play of the song went past half its length or 4 minutes: once the server's
    record of the play (the bytes streamed with `?play=`, the time since) backs it, the play is a
    listen with source `library` (201; 200 when this play was reported before)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=SongPlayedSerializer, responses={201: LibraryListenSerializer, 200: LibraryListenSerializer}
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        form = SongPlayedSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        listen = song_listen_report(user=request.user, song_id=pk, **form.validated_data)
        return Response(
            LibraryListenSerializer(listen).data,
            status=status.HTTP_201_CREATED if listen.new else status.HTTP_200_OK,
        )


class AlbumListView(generics.ListCreateAPIView):
    """Every album with its song count (paginated; `?search=`). Admins create with POST."""

    permission_classes = [IsAdminOrReadOnly]
    parser_classes = PARSERS
    serializer_class = AlbumSerializer
    filter_backends = [filters.SearchFilter]
    search_fields = ["title", "artist"]
    queryset = Album.objects.none()

    def get_queryset(self):
        return selectors.album_list()

    @extend_schema(request=AlbumWriteSerializer, responses={201: AlbumDetailSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = AlbumWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        album = services.album_create(**form.validated_data)
        album = selectors.album_with_songs().get(pk=album.pk)
        return Response(
            AlbumDetailSerializer(album, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class AlbumDetailView(generics.RetrieveAPIView):
    """One album with all its songs. Deleting it deletes its songs and their files."""

    permission_classes = [IsAdminOrReadOnly]
    parser_classes = PARSERS
    serializer_class = AlbumDetailSerializer
    queryset = Album.objects.none()

    def get_queryset(self):
        return selectors.album_with_songs()

    @extend_schema(request=AlbumWriteSerializer, responses=AlbumDetailSerializer)
    def put(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=AlbumWriteSerializer, responses=AlbumDetailSerializer)
    def patch(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    def delete(self, request: Request, *args, **kwargs) -> Response:
        services.album_delete(album=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, *, partial: bool) -> Response:
        album = self.get_object()
        form = AlbumWriteSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        album = services.album_update(album=album, **form.validated_data)
        album = selectors.album_with_songs().get(pk=album.pk)
        return Response(AlbumDetailSerializer(album, context={"request": request}).data)


class _DiscoveryView(APIView):
    """A short list of songs chosen by `songs()` (each subclass says how)."""

    @extend_schema(responses=SongSerializer(many=True))
    def get(self, request: Request) -> Response:
        songs = self.songs(request)  # type: ignore[attr-defined]
        return Response(SongSerializer(songs, many=True, context={"request": request}).data)


class FeaturedSongsView(_DiscoveryView):
    """Six featured songs (a new selection every day)."""

    def songs(self, request: Request) -> list[Song]:
        return selectors.featured_songs()


class MadeForYouView(_DiscoveryView):
    """Four songs by the artists you listen to most (your imported history and your plays here)."""

    def songs(self, request: Request) -> list[Song]:
        return selectors.made_for_you_songs(user=request.user)


class TrendingSongsView(_DiscoveryView):
    """The four most played songs of the last seven days."""

    def songs(self, request: Request) -> list[Song]:
        return selectors.trending_songs()


class StatsView(APIView):
    """Platform figures, for admins."""

    permission_classes = [IsAdmin]

    @extend_schema(responses=StatsSerializer)
    def get(self, request: Request) -> Response:
        return Response(selectors.platform_stats())
