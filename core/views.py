"""Health check and the JSON error pages for paths under /api/."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.error_codes import ErrorCode

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/users/", "/music/", "/spotify/")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 `{"status": "ok", "database": "ok", "cache": "ok"}`, or 503 naming what is down."""
    body = {"status": "ok"}
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        try:
            check()
            body[name] = "ok"
        except Exception as exc:  # any failure of a dependency is a 503, with the reason logged
            logger.warning("Health check: %s is down: %s", name, exc)
            body[name] = "unavailable"
            body["status"] = "unavailable"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)


def _check_redis() -> None:
    from core.metrics import _redis_client

    client = _redis_client(settings.REDIS_URL)
    try:
        client.ping()
    finally:
        client.close()


def _check_worker() -> str:
    """ "ok", "stale" (no heartbeat within WORKER_HEARTBEAT_MAX_AGE seconds) or "unavailable"."""
    from core.heartbeat import heartbeat_age

    age = heartbeat_age()
    if age is None:
        return "unavailable"
    return "ok" if age <= settings.WORKER_HEARTBEAT_MAX_AGE else "stale"


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, Redis and a Celery worker answer; else 503 naming what is down.

    Without REDIS_URL there is no Redis and no worker (tasks run in-process): both say "off".
    """
    body = {"status": "ok"}
    try:
        _check_database()
        body["database"] = "ok"
    except Exception as exc:  # any failure of a dependency is a 503, with the reason logged
        logger.warning("Readiness: database is down: %s", exc)
        body["database"] = "unavailable"
    if not settings.REDIS_URL:
        body["redis"] = body["worker"] = "off"
    else:
        try:
            _check_redis()
            body["redis"] = "ok"
        except Exception as exc:  # as above
            logger.warning("Readiness: redis is down: %s", exc)
            body["redis"] = "unavailable"
        try:
            body["worker"] = _check_worker() if body["redis"] == "ok" else "unknown"
        except Exception as exc:  # as above
            logger.warning("Readiness: worker heartbeat unreadable: %s", exc)
            body["worker"] = "unavailable"
    down = [name for name, state in body.items() if name != "status" and state not in ("ok", "off")]
    if down:
        body["status"] = "unavailable"
        logger.warning("Readiness: not ready, down: %s", ", ".join(down))
    return JsonResponse(body, status=503 if down else 200)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


# CSRF-exempt: it changes nothing, and as the catch-all view of /api/ a POST without a CSRF token
# would otherwise get Django's HTML "CSRF verification failed" page instead of this JSON 404.
@csrf_exempt
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The JSON 404 for API paths (the catch-all of /api/ and `handler404`); HTML elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found.", "code": ErrorCode.NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Internal server error.", "code": ErrorCode.SERVER_ERROR}, status=500)
    return defaults.server_error(request)
