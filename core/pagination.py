"""Pagination for every list: page numbers for small lists, cursors for long histories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import ForeignObjectRel, Model
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound

from core.error_codes import ErrorCode
from core.errors import InvalidInput


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=50` → `{"count", "next", "previous", "results"}`; at most 100 a page."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors: page 1,000 costs what page 1 costs. Newest first by default.

    A cursor comes back from the client, so it is checked like any input: one that does not decode,
    or whose position is not a value of the ordering field (`p=garbage`, a date that does not
    exist, a number out of range), is a 400 naming `cursor`. DRF would answer 404 for the first
    kind and hand the second to the database: a 500.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # DRF takes one field or a sequence of them; its stubs say `str` only.
    ordering: str | Sequence[str] = "-created_at"  # type: ignore[assignment]

    _model: type[Model] | None = None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list | None:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Any) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise self._invalid() from exc
        if cursor is None or cursor.position is None:
            return cursor
        return cursor._replace(position=self._checked_position(cursor.position))

    def _invalid(self) -> InvalidInput:
        return InvalidInput(
            "This cursor is not one this list gave out; follow the `next` link, or start without it.",
            field=self.cursor_query_param,
            code=ErrorCode.INVALID_CURSOR,
        )

    def _checked_position(self, position: str | int) -> Any:
        """The position as a value of the first ordering field, or a 400."""
        if self._model is None:
            return position
        first = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        name = first.lstrip("-")
        try:
            field = self._model._meta.get_field(name)
        except FieldDoesNotExist:
            return position  # an annotation: the database compares it as it is
        if isinstance(field, ForeignObjectRel):
            return position  # a reverse relation is no ordering column: nothing to check
        try:
            value = field.to_python(position)
            field.run_validators(value)  # integer fields: within the column's range
            if isinstance(value, datetime):
                value = timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
                value.astimezone(UTC)  # year 1 at +14:00 does not exist in UTC
        except (ValidationError, ValueError, TypeError, OverflowError) as exc:
            raise self._invalid() from exc
        if value is None:
            raise self._invalid()
        return value
