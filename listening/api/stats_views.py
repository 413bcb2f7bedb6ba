"""/music/stats/…: the signed-in user's stats over any range, in their zone (listening.stats)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authenticated import AuthenticatedRequest
from listening.api.stats_serializers import (
    ActivityQuerySerializer,
    ActivitySerializer,
    SummarySerializer,
    TopItemSerializer,
    TopQuerySerializer,
    YearReviewSerializer,
)
from listening.models import Source
from listening.stats.params import EARLIEST, LATEST, RANGES, check_bucket, stats_query
from listening.stats.query import StatsQuery
from listening.stats.selectors import stats_activity, stats_summary, stats_top, stats_year

RANGE_PARAMETERS = [
    OpenApiParameter(
        "range", str, enum=list(RANGES), description="A calendar period in your zone (default all_time)."
    ),
    OpenApiParameter("offset", int, description="0 this period, -1 the previous one, …"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (inclusive), instead of range."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive); default today."),
    OpenApiParameter("source", str, many=True, enum=list(Source.values), description="Repeatable."),
    OpenApiParameter("collapse", bool, description="A play seen by Spotify and Last.fm counted once."),
    OpenApiParameter("tz", str, description="An IANA zone for this request (default: your profile's)."),
]


def _range(q: StatsQuery) -> dict[str, Any]:
    return {
        "label": q.label,
        "time_zone": q.tz.key,
        "all_time": q.all_time,
        "start": None if q.all_time else q.first,
        "end": None if q.all_time else q.last,
    }


def _query(serializer_class: type[serializers.Serializer], request: AuthenticatedRequest) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StatsTopView(APIView):
    """Your most played artists, tracks or albums over the range, by plays or by listening time."""

    error_statuses = (400,)

    @extend_schema(parameters=[TopQuerySerializer, *RANGE_PARAMETERS], responses=TopItemSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        options = _query(TopQuerySerializer, request)
        q = stats_query(user=request.user, data=request.query_params)
        return Response(TopItemSerializer(stats_top(q, **options), many=True).data)


class StatsActivityView(APIView):
    """Plays and listening time per bucket of the range, every bucket listed (zeros included)."""

    error_statuses = (400,)

    @extend_schema(parameters=[ActivityQuerySerializer, *RANGE_PARAMETERS], responses=ActivitySerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        bucket = _query(ActivityQuerySerializer, request)["bucket"]
        q = stats_query(user=request.user, data=request.query_params)
        check_bucket(q, bucket)
        buckets = stats_activity(q, bucket=bucket)
        return Response(ActivitySerializer({"range": _range(q), "bucket": bucket, "buckets": buckets}).data)


class StatsSummaryView(APIView):
    """Plays, time, distinct artists/tracks/albums, first and last play, streaks, the busiest day and
    the artists discovered in the range."""

    error_statuses = (400,)

    @extend_schema(parameters=RANGE_PARAMETERS, responses=SummarySerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        q = stats_query(user=request.user, data=request.query_params)
        return Response(SummarySerializer({**asdict(stats_summary(q)), "range": _range(q)}).data)


class StatsYearView(APIView):
    """A year in review: the summary, the top 5 of each kind, the months and each month's artist."""

    error_statuses = (400,)

    @extend_schema(
        parameters=[p for p in RANGE_PARAMETERS if p.name in ("source", "collapse", "tz")],
        responses=YearReviewSerializer,
    )
    def get(self, request: AuthenticatedRequest, year: int) -> Response:
        if not EARLIEST.year <= year <= LATEST.year:
            raise serializers.ValidationError({"year": [f"A year from {EARLIEST.year} to {LATEST.year}."]})
        q = stats_query(user=request.user, data=request.query_params)
        review = stats_year(user=request.user, year=year, sources=q.sources, collapse=q.collapse, tz=q.tz)
        return Response(YearReviewSerializer({**asdict(review), "time_zone": q.tz.key}).data)
