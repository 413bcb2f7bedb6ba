from __future__ import annotations

from collections import Counter

from django.db.models import Count, QuerySet

from listening.models import Listen, SyncJob
from users.models import User


def listen_list(*, user: User) -> QuerySet[Listen]:
    """The user's listens, newest first (the index `listen_user_recent` serves it)."""
    return Listen.objects.filter(user=user).order_by("-played_at", "-id")


def sync_job_list(*, user: User, limit: int = 20) -> QuerySet[SyncJob]:
    return SyncJob.objects.filter(user=user).order_by("-created_at")[:limit]


def top_artists(*, user: User, limit: int) -> list[tuple[str, int]]:
    """The user's most played artists over their whole history, names lower-cased (as SQL LOWER), with plays.

    Grouped by the stored name, which the index `listen_user_artist` answers without reading the
    table, then folded here: grouping by `LOWER(artist)` in SQL reads every row of the user's
    history (15x slower at 100,000 listens, benchmarks/load.py).
    """
    plays: Counter[str] = Counter()
    rows = Listen.objects.filter(user=user).values_list("artist").annotate(plays=Count("*")).order_by()
    for artist, count in rows:
        plays[artist.lower()] += count
    return plays.most_common(limit)
