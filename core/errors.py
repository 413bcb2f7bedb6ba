"""AppError: the one exception a service raises for anything the client should be told.

Each error has a stable machine-readable `code`, an HTTP `status` and a message that says what
went wrong and how to fix it. `core.exception_handler` renders every one of them the same way:
`{"detail": message, "code": code}`, or `{field: [message], "code": code}` when a field is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.error_codes import ErrorCode


class AppError(Exception):
    status: int = 400
    code: str = "error"
    default_message: str = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.code
        self.status = status or self.status
        self.field = field
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.message)

    def as_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {self.field: [self.message]} if self.field else {"detail": self.message}
        body["code"] = self.code
        body.update(self.extra)
        return body


class InvalidInput(AppError):
    status = 400
    code = ErrorCode.INVALID
    default_message = "The request is not valid."


class NotFound(AppError):
    status = 404
    code = ErrorCode.NOT_FOUND
    default_message = "Not found."


class PermissionDenied(AppError):
    status = 403
    code = ErrorCode.PERMISSION_DENIED
    default_message = "You do not have permission to perform this action."


class Conflict(AppError):
    status = 409
    code = ErrorCode.CONFLICT
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(AppError):
    """The request body (or its number of fields or files) is over a limit the operator set."""

    status = 413
    code = ErrorCode.REQUEST_TOO_LARGE
    default_message = "The request body is too large."


class RateLimited(AppError):
    status = 429
    code = ErrorCode.RATE_LIMITED
    default_message = "Too many requests; try again later."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers.setdefault("Retry-After", str(int(retry_after)))


class UpstreamUnavailable(AppError):
    """An external service failed (5xx, timeout): our 502, never our 500."""

    status = 502
    code = ErrorCode.UPSTREAM_UNAVAILABLE
    default_message = "An external service is unavailable; try again later."


class ServerBusy(AppError):
    """No database connection came free in time (core/db_busy.py): busy, not broken."""

    status = 503
    code = ErrorCode.SERVER_BUSY
    default_message = "The server is busy; try again in a moment."
