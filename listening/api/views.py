"""/music/…: seed 001's endpoints, plus background sync."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.errors import AppError
from core.pagination import CursorPagination
from core.schema import PROVIDER_ERRORS
from listening import selectors, services, sync
from listening.api.serializers import (
    LastfmFetchQuerySerializer,
    LastfmFetchResponseSerializer,
    LastfmListenSerializer,
    SpotifyFetchResponseSerializer,
    SpotifyListenSerializer,
    StoredListenSerializer,
    SyncJobSerializer,
    SyncStartSerializer,
)
from listening.filters import ListenFilter
from listening.models import Listen


class SeedErrorsMixin:
    """Errors also carry seed 001/004's `{"error": "<message>"}`, beside `detail` and `code`."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, AppError) and "error" not in exc.extra:
            exc.extra = {**exc.extra, "error": exc.message}
        return super().handle_exception(exc)  # type: ignore[misc]


class FetchRecentlyPlayedView(SeedErrorsMixin, APIView):
    """The last 50 Spotify plays, stored and returned."""

    error_statuses = (400, *PROVIDER_ERRORS)  # 400: no key, or Spotify refused it (the seed's words)

    @extend_schema(responses=SpotifyFetchResponseSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        rows = services.spotify_fetch_recent(user=request.user)
        return Response(
            {
                "message": "Recently played songs fetched and stored successfully.",
                "data": SpotifyListenSerializer(rows, many=True).data,
            }
        )


class FetchLastfmRecentView(SeedErrorsMixin, APIView):
    """The latest Last.fm scrobbles (`?limit=`, 1 to 200, default 50), stored and returned."""

    error_statuses = PROVIDER_ERRORS

    @extend_schema(parameters=[LastfmFetchQuerySerializer], responses=LastfmFetchResponseSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        query = LastfmFetchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows, username = services.lastfm_fetch_recent(user=request.user, limit=query.validated_data["limit"])
        return Response(
            {
                "message": f"Last.fm recent tracks fetched and stored successfully for user '{username}'.",
                "data": LastfmListenSerializer(rows, many=True).data,
                "count": len(rows),
            }
        )


class StoredListenPagination(CursorPagination):
    page_size = 50
    ordering = ("-played_at", "-id")


class StoredSongsView(SeedErrorsMixin, generics.ListAPIView):
    """Your stored listens, newest first, with cursor pages; filter by source, artist, album, text,
    dates (`since`, `until`, ISO 8601) and `loved`."""

    serializer_class = StoredListenSerializer
    pagination_class = StoredListenPagination
    filterset_class = ListenFilter

    queryset = Listen.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        # Rows, not model instances: the page is read-only and building 50 Listens costs more
        # than the query (benchmarks/load.py).
        return selectors.listen_list(user=self.request.user).values(*StoredListenSerializer.Meta.fields)


class SyncView(SeedErrorsMixin, APIView):
    """Starts a sync (new plays) or a Last.fm backfill (the whole history) in the background."""

    error_statuses = (404, 409)  # no key for that source; a job already running

    @extend_schema(request=SyncStartSerializer, responses={202: SyncJobSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = SyncStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = sync.sync_start(user=request.user, **serializer.validated_data)
        job.refresh_from_db()
        return Response(SyncJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SyncStatusView(APIView):
    """Your sync jobs, newest first: state, pages done of total, listens imported, last error."""

    @extend_schema(
        parameters=[OpenApiParameter("source", str, enum=["spotify", "lastfm"], required=False)],
        responses=inline_serializer("SyncStatus", {"jobs": SyncJobSerializer(many=True)}),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        jobs = list(selectors.sync_job_list(user=request.user))
        source = request.query_params.get("source")
        if source:
            jobs = [job for job in jobs if job.source == source]
        return Response({"jobs": SyncJobSerializer(jobs, many=True).data})
