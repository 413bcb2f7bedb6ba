"""A request that waited DATABASE_POOL_TIMEOUT for a database connection answers 503, not 500.

With the connection pool (config/settings.py), a burst bigger than the pool queues for a free
connection; one that waits too long gets psycopg_pool's PoolTimeout, which Django reports as an
OperationalError. That is the server being busy, not broken: 503 with Retry-After, so clients and
the balancer back off and retry.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from psycopg_pool import PoolTimeout

from core.errors import ServerBusy

RETRY_AFTER_SECONDS = 2


def server_busy() -> ServerBusy:
    return ServerBusy(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def is_pool_timeout(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, PoolTimeout):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class DatabaseBusyMiddleware:
    """For pages and views outside DRF (the API's exception handler does the same for API views)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return server_busy_response(exception)


def server_busy_response(exception: Exception) -> HttpResponse | None:
    """503 + Retry-After when the exception is a pool timeout; None for any other."""
    if not isinstance(exception, OperationalError | PoolTimeout) or not is_pool_timeout(exception):
        return None
    busy = server_busy()
    response = JsonResponse(busy.as_body(), status=busy.status)
    response["Retry-After"] = busy.headers["Retry-After"]
    return response
