"""Links that keep a page's query string (filters, ranges) and change a few of its parameters."""

from __future__ import annotations

from django.http import QueryDict


def url_with(params: QueryDict, **changes: str | None) -> str:
    """`?…` with `changes` applied to `params`: a value sets the parameter, None removes it."""
    query = params.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
