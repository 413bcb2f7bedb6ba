"""Signed stream links, answered before the session, page and sign-in middleware.

A player fetches a song as many Range requests, each on the signed `stream_url`, whose token is
the only credential. Sessions, CSRF, messages, allauth, the sign-in budget and URL resolution have
nothing to add to such a request, and skipping them is most of Django's cost per range
(benchmarks/stream.py). The middleware sits after the ones that set security and CORS headers, so
the answer carries the same headers as any other; everything else goes down the stack as usual.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from django.core.signals import setting_changed
from django.db import OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django_prometheus.middleware import PrometheusAfterMiddleware
from psycopg_pool import PoolTimeout

from core.db_busy import server_busy_response
from musics.api.stream_views import signed_song_stream

URL_NAME = "song-stream"


@receiver(setting_changed)
def _forget_stream_path(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":  # tests mount the view on their own URLconf
        _stream_path.cache_clear()


@cache
def _stream_path() -> re.Pattern[str] | None:
    """The stream route as a pattern, from the URLconf itself (`/api/songs/<pk>/stream/`); None
    when the URLconf has no such route (a test's own)."""
    try:
        example = reverse(URL_NAME, args=[1])
    except NoReverseMatch:
        return None
    before, _, after = example.rpartition("/1/")
    return re.compile(f"^{re.escape(before)}/(?P<pk>[0-9]{{1,18}})/{re.escape(after)}$")


class _StreamMetrics:
    """What the last middleware (django-prometheus) would count for the view: responses by status,
    view and method, and latency by view. The series are bound once: `labels()` costs more than
    the count."""

    def __init__(self) -> None:
        self._metrics = PrometheusAfterMiddleware.metrics_cls.get_instance()
        self._series: dict[tuple[int, str], tuple[Any, Any]] = {}

    def record(self, *, status: int, method: str, seconds: float) -> None:
        series = self._series.get((status, method))
        if series is None:
            labels = {"view": URL_NAME, "method": method}
            series = self._series[(status, method)] = (
                self._metrics.responses_by_status_view_method.labels(status=str(status), **labels),
                self._metrics.requests_latency_by_view_method.labels(**labels),
            )
        responses, latency = series
        responses.inc()
        latency.observe(seconds)


class SignedStreamMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.metrics = _StreamMetrics()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pattern = _stream_path()
        match = pattern.match(request.path_info) if pattern else None
        if match is None or request.method not in ("GET", "HEAD") or "token" not in request.GET:
            return self.get_response(request)
        started = time.perf_counter()
        try:
            response = signed_song_stream(request, pk=int(match["pk"]), token=request.GET["token"])
        except (OperationalError, PoolTimeout) as exc:
            busy = server_busy_response(exc)
            if busy is None:
                raise
            response = busy
        self.metrics.record(
            status=response.status_code, method=request.method, seconds=time.perf_counter() - started
        )
        return response
