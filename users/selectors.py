from __future__ import annotations

from django.db.models import QuerySet

from users.models import User


def user_list_others(*, user: User) -> QuerySet[User]:
    """Every active account except the requester's, by name."""
    return User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("full_name", "id")


def user_list_active() -> QuerySet[User]:
    return User.objects.filter(is_active=True)
