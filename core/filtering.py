"""The filter backend of every list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the query string names none of the view's filters.

    Without a filter there is nothing to do, but django-filter would still build and validate the
    FilterSet's form: on the history's first page that cost as much as the page's query
    (benchmarks/load.py). The schema and every filtered request are django-filter's, unchanged.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not _names_any(request, filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_any(request: Request, filters: dict[str, Any]) -> bool:
    """Whether a parameter is a filter's, or one of a range filter's parts (`<name>_min`…)."""
    return any(key == name or key.startswith(f"{name}_") for key in request.query_params for name in filters)
