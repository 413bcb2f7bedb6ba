"""One id per request, on every log record of that request and of the Celery tasks it starts.

The middleware takes the id from `X-Request-ID` when it is short and made of safe characters (a
proxy in front may set it, so one id follows the request through nginx and the app), and generates
one otherwise; the response carries it back in `X-Request-ID`. The id lives in a contextvar, so it
follows the request into async code and threads started with `contextvars.copy_context()`.

Celery: `before_task_publish` copies the current id into the message headers, `task_prerun` restores
it in the worker before the task runs (and `task_postrun` clears it). In eager mode (no REDIS_URL) the
task runs in the request's own context, which already holds the id.

`RequestIdFilter` (on the console handler, LOGGING) adds `request_id` to every record: "-" outside
a request.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_HEADER = "request_id"
NO_REQUEST = "-"
# Letters, digits and `-_.:`, at most 64: a UUID, a nginx $request_id, a trace id. Anything else
# (spaces, newlines, quotes, a 4 kB header) is replaced, so nobody writes into the logs through it.
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or task) being handled, or None."""
    return request_id_var.get()


def accept_request_id(candidate: str | None) -> str:
    """`candidate` if it is a short, safe id; otherwise a fresh one."""
    if candidate and _SAFE.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for the request's duration and returns it in `X-Request-ID`."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        request_id = self._begin(request)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request_id = self._begin(request)
        response = await self.get_response(request)
        response[HEADER] = request_id
        return response

    @staticmethod
    def _begin(request: HttpRequest) -> str:
        # Not reset on the way out: Django logs a 4xx/5xx ("Not Found: …", django.request) after the
        # middleware returns, and that line needs the id too. `request_finished` clears it.
        request_id = accept_request_id(request.META.get(META_KEY))
        request.request_id = request_id  # type: ignore[attr-defined]  # our attribute, for views and tests
        request_id_var.set(request_id)
        return request_id


@receiver(request_finished, dispatch_uid="core.request_id.finished")
def _request_finished(**kwargs: Any) -> None:
    """Sent when the response is closed (after Django's own logging): the thread forgets the id."""
    request_id_var.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` (the current id, or "-") so formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or NO_REQUEST
        return True


# --- Celery -----------------------------------------------------------------------------------


@before_task_publish.connect(weak=False, dispatch_uid="core.request_id.publish")
def _put_request_id_in_headers(headers: dict | None = None, **kwargs: Any) -> None:
    """A task queued during a request carries the request's id in its message headers."""
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


@task_prerun.connect(weak=False, dispatch_uid="core.request_id.prerun")
def _restore_request_id(task: Any = None, **kwargs: Any) -> None:
    """In the worker, the task's log records carry the id of the request that queued it."""
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) if request is not None else None
    if request_id is None and request is not None:
        request_id = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    if request_id:
        request_id = accept_request_id(str(request_id))
        # Kept on the task so postrun restores what was there (an eager task runs inside a request).
        request.__dict__["_request_id_token"] = request_id_var.set(request_id)


@task_postrun.connect(weak=False, dispatch_uid="core.request_id.postrun")
def _clear_request_id(task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    token = request.__dict__.pop("_request_id_token", None) if request is not None else None
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (cannot happen with Celery's pools): just clear
            request_id_var.set(None)
