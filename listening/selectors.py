from __future__ import annotations

from django.db.models import QuerySet

from listening.models import Listen, SyncJob
from users.models import User


def listen_list(*, user: User) -> QuerySet[Listen]:
    """The user's listens, newest first (the index `listen_user_recent` serves it)."""
    return Listen.objects.filter(user=user).order_by("-played_at", "-id")


def sync_job_list(*, user: User, limit: int = 20) -> QuerySet[SyncJob]:
    return SyncJob.objects.filter(user=user).order_by("-created_at")[:limit]
