"""/music/…: seed 001's endpoints, plus background sync."""

from __future__ import annotations

import re

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from core.errors import AppError
from core.pagination import CursorPagination
from core.schema import PROVIDER_ERRORS
from listening import export, import_jobs, selectors, services, sync
from listening.api.serializers import (
    ExportQuerySerializer,
    ImportJobSerializer,
    ImportStartSerializer,
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


class ImportListView(APIView):
    """Import an export file (Spotify, Last.fm, ListenBrainz) in the background, and list your imports."""

    parser_classes = (MultiPartParser,)
    error_statuses = (400, 413)

    def initialize_request(self, request: HttpRequest, *args, **kwargs) -> Request:
        # Before anything reads the body (the CSRF check reads request.POST): the upload goes to a
        # temporary file whatever its size, never into memory.
        request.upload_handlers = [TemporaryFileUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportStartSerializer}, responses={202: ImportJobSerializer}
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = ImportStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = import_jobs.import_start(user=request.user, upload=data["file"], dry_run=data["dry_run"])
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="music_imports_list",
        responses=inline_serializer("ImportList", {"jobs": ImportJobSerializer(many=True)}),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        jobs = selectors.import_job_list(user=request.user)
        return Response({"jobs": ImportJobSerializer(jobs, many=True).data})


class ImportDetailView(APIView):
    """One of your imports (GET), or cancel it while it runs (DELETE); another user's is a 404."""

    error_statuses = (404, 409)

    @extend_schema(responses=ImportJobSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        job = import_jobs.import_job_get(user=request.user, job_id=pk)
        return Response(ImportJobSerializer(job).data)

    @extend_schema(responses=ImportJobSerializer)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        job = import_jobs.import_cancel(user=request.user, job_id=pk)
        return Response(ImportJobSerializer(job).data)


class ImportConfirmView(APIView):
    """Import for real the file a finished dry run read, without uploading it again (202, a new job)."""

    error_statuses = (404, 409)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        job = import_jobs.import_confirm(user=request.user, job_id=pk)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportView(APIView):
    """Your listens as a ZIP in ListenBrainz's export layout (`format=listenbrainz`) or a CSV, streamed."""

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request: AuthenticatedRequest) -> StreamingHttpResponse:
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind = query.validated_data["format"]
        if kind == "csv":
            chunks, content_type, suffix = export.listens_export_csv(user=request.user), "text/csv", "csv"
        else:
            chunks, content_type, suffix = (
                export.listens_export_listenbrainz(user=request.user),
                "application/zip",
                "zip",
            )
        body = export.AsyncChunks(chunks) if isinstance(request._request, ASGIRequest) else chunks
        response = StreamingHttpResponse(body, content_type=content_type)
        who = re.sub(r"[^A-Za-z0-9._-]", "_", request.user.get_username())[:60]
        name = f"musichub_{who}_{int(timezone.now().timestamp())}.{suffix}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # `?format=` names the export, not a DRF renderer: errors are JSON.
        return JSONRenderer(), JSONRenderer.media_type


class ListenDetailView(APIView):
    """One of your listens. DELETE removes it from your history and from your stats."""

    error_statuses = (404,)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        if not services.listen_delete(user=request.user, listen_id=pk):
            raise NotFound("No such listen.")
        return Response(status=status.HTTP_204_NO_CONTENT)
