"""Owner scoping: a view sees only the requester's rows, so anyone else's id is simply a 404."""

from __future__ import annotations

from django.db.models import QuerySet


class OwnerScopedMixin:
    """For DRF generic views: `get_queryset()` keeps the rows whose `owner_field` is the requester.

    Set `queryset` (or override `get_base_queryset`) and, when the owner is not `user`, `owner_field`.
    """

    owner_field: str = "user"

    def get_base_queryset(self) -> QuerySet:
        return super().get_queryset()  # type: ignore[misc]

    def get_queryset(self) -> QuerySet:
        user = self.request.user  # type: ignore[attr-defined]
        if not user.is_authenticated:
            return self.get_base_queryset().none()
        return self.get_base_queryset().filter(**{self.owner_field: user})
