"""The one DRF exception handler: every API error has the same shape and a stable `code`.

- single errors: `{"detail": "...", "code": "..."}` (DRF's own `detail`, kept word for word);
- validation errors: `{"field": ["..."], ..., "code": "invalid"}`;
- anything unexpected is logged with its traceback and answered as a JSON 500, never HTML.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (  # Django's refusals of a request body
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.db_busy import is_pool_timeout, server_busy
from core.error_codes import ErrorCode
from core.errors import AppError, InvalidInput, PayloadTooLarge

logger = logging.getLogger(__name__)


def _first_code(codes: Any) -> str | None:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        for value in codes.values():
            if found := _first_code(value):
                return found
    if isinstance(codes, list):
        for value in codes:
            if found := _first_code(value):
                return found
    return None


def _suspicious_request_error(exc: SuspiciousOperation) -> AppError:
    """Django refuses a body it will not parse (over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields
    or files, a broken multipart) with SuspiciousOperation; DRF would let it through as a 500."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(
            "The request's form fields are larger than the server accepts "
            f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes); send files as file fields."
        )
    if isinstance(exc, TooManyFieldsSent):
        return PayloadTooLarge(
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.",
            code=ErrorCode.TOO_MANY_FIELDS,
        )
    if isinstance(exc, TooManyFilesSent):
        return PayloadTooLarge(
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.",
            code=ErrorCode.TOO_MANY_FILES,
        )
    return InvalidInput("The request body could not be read.", code=ErrorCode.BAD_REQUEST)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, SuspiciousOperation):
        exc = _suspicious_request_error(exc)
    elif is_pool_timeout(exc):
        exc = server_busy()
    if isinstance(exc, AppError):
        return Response(exc.as_body(), status=exc.status, headers=exc.headers)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "API view", exc_info=exc)
        return Response(
            {"detail": "Internal server error.", "code": ErrorCode.SERVER_ERROR},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    assert isinstance(exc, exceptions.APIException)
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if not isinstance(data, dict):
            data = {"non_field_errors": data}
        data = {**data, "code": ErrorCode.INVALID}
    elif isinstance(data, dict):
        code = data.get("code") or _first_code(exc.get_codes()) or exc.default_code
        data = {**data, "code": code}
    response.data = data
    return response
