from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from core.quota_pause import quota_paused_until
from users.models import ApiToken, User, UserApiKey
from users.oauth_grant import OAuthGrant
from users.time_zones import time_zone_is_known
from users.tokens import password_fingerprint_matches
from users.vault_registry import vault_service


def user_zone(user: User) -> ZoneInfo:
    """The zone the user counts days in: their chosen one, UTC while none is chosen (or one that
    this machine's zone database does not know)."""
    name = getattr(user, "time_zone", "")  # an AnonymousUser has none
    return ZoneInfo(name if name and time_zone_is_known(name) else "UTC")


def user_list_others(*, user: User, name_contains: str = "") -> QuerySet[User]:
    """Every active account except the requester's, by name; `name_contains` narrows it."""
    people = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("full_name", "id")
    return people.filter(full_name__icontains=name_contains) if name_contains else people


def user_list_active() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def api_key_list(*, user: User) -> QuerySet[UserApiKey]:
    return UserApiKey.objects.filter(user=user).order_by("service_name")


def api_key_service_names(*, user: User) -> list[str]:
    return list(api_key_list(user=user).values_list("service_name", flat=True))


@dataclass(frozen=True)
class Connection:
    """What a user can see about one connected service (never a key or token)."""

    id: int
    service_name: str
    display_name: str
    state: str  # "connected", "expired" or "needs_reconnect"
    source: str  # "oauth" (renews itself) or "key" (pasted by the user)
    service_user_id: str | None
    expires_at: datetime | None
    needs_reconnect: bool
    last_error: str
    last_verified_at: datetime | None
    updated_at: datetime
    quota_paused_until: datetime | None = None  # the app's provider quota is spent until then


def connection_list(*, user: User) -> list[Connection]:
    connections = []
    now = timezone.now()
    for row in api_key_list(user=user):
        grant = OAuthGrant.from_metadata(row.get_metadata())
        spec = vault_service(row.service_name)
        connections.append(
            Connection(
                id=row.id,
                service_name=row.service_name,
                display_name=spec.display_name if spec else row.service_name,
                state=grant.state(now=now),
                source=grant.source,
                service_user_id=row.service_user_id,
                expires_at=grant.expires_at,
                needs_reconnect=grant.needs_reconnect,
                last_error=row.last_error,
                last_verified_at=row.last_verified_at,
                updated_at=row.updated_at,
                quota_paused_until=quota_paused_until(provider=row.service_name, app_id=grant.client_id),
            )
        )
    return connections


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The live token a presented key belongs to: looked up by its digest (the key is not stored),
    for an active user whose password has not changed since it was issued."""
    try:  # `digest` is unique: no ORDER BY, as `.first()` would add, on every API request
        token = ApiToken.objects.select_related("user").get(digest=ApiToken.digest_of(key))
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    if not password_fingerprint_matches(token.user, token.fingerprint):
        return None
    return token
