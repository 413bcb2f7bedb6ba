from __future__ import annotations

from django.db.models import QuerySet

from users.models import User, UserApiKey


def user_list_others(*, user: User) -> QuerySet[User]:
    """Every active account except the requester's, by name."""
    return User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("full_name", "id")


def user_list_active() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def api_key_list(*, user: User) -> QuerySet[UserApiKey]:
    return UserApiKey.objects.filter(user=user).order_by("service_name")


def api_key_service_names(*, user: User) -> list[str]:
    return list(api_key_list(user=user).values_list("service_name", flat=True))
