"""Rebuilding a user's summary tables in their zone, and the hooks that ask for it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from core.tasks import enqueue_on_commit
from listening.models import StatsZone
from listening.stats.tally import stats_fold, stats_listens_added, stats_rebuild
from users.models import User
from users.selectors import user_zone


def stats_rebuild_user(user_id: int) -> int:
    """Recounts the user's tables in the zone of their profile; returns the plays counted."""
    user = User.objects.filter(pk=user_id).first()
    try:
        return 0 if user is None else stats_rebuild(user_id=user_id, zone=user_zone(user).key)
    finally:
        cache.delete(f"stats-rebuild:{user_id}")


def on_user_saved(sender: type, instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new account has no listens: its (empty) tables are built, in its zone, from the start."""
    if created and not raw:
        StatsZone.objects.get_or_create(user_id=instance.pk, defaults={"zone": user_zone(instance).key})


def on_time_zone_changed(sender: type, user: User, **kwargs: Any) -> None:
    from listening.tasks import rebuild_stats

    enqueue_on_commit(rebuild_stats, user.pk)


def on_listen_saved(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A listen created through the ORM (the store writes in SQL and logs its own rows)."""
    if created and not raw:
        stats_listens_added(instance.user_id, [instance.pk])


def stats_fold_user(user_id: int) -> bool:
    """The fold task. Its queue key stays until it expires, so a stream of writes (an import's pages)
    queues at most one fold per FOLD_QUEUE_SECONDS and each fold counts a big batch at once."""
    return stats_fold(user_id)
