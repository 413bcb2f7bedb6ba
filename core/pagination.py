"""Pagination for every list: page numbers for small lists, cursors for long histories."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=50` → `{"count", "next", "previous", "results"}`; at most 100 a page."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors: page 1,000 costs what page 1 costs. Newest first by default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"
