"""Spotify is read as often as each user's listening needs: no play falls out of the last 50, and
idle users do not spend the app's quota."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from listening.importers import ListenRow
from listening.models import SyncJob
from listening.selectors import spotify_poll_interval
from listening.store import listens_store
from listening.sync import _spotify_due
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHORTEST, LONGEST = timedelta(minutes=20), timedelta(hours=2)


def plays(user, count: int, every: timedelta, source: str = "spotify") -> None:
    newest = datetime(2026, 6, 1, 12, tzinfo=UTC)
    rows = [
        ListenRow(title=f"T{n}", artist="A", album="", played_at=newest - n * every, source=source)
        for n in range(count)
    ]
    with transaction.atomic():
        listens_store(user_id=user.pk, rows=rows)


def interval(user) -> timedelta:
    return spotify_poll_interval(user=user, shortest=SHORTEST, longest=LONGEST)


def test_the_interval_is_half_the_time_the_last_50_plays_took_within_bounds():
    all_day, binge, idle, new, few = (UserFactory() for _ in range(5))
    plays(all_day, 60, timedelta(minutes=3))  # 49 gaps of 3 min: 147 min, half is 73.5
    plays(binge, 50, timedelta(seconds=30))  # faster than the sweep: the sweep
    plays(idle, 50, timedelta(days=2))  # weeks: the longest, in case they start again
    plays(few, 10, timedelta(days=1), source="spotify")
    plays(new, 80, timedelta(minutes=1), source="lastfm")  # Last.fm plays do not count

    assert interval(all_day) == timedelta(minutes=73, seconds=30)
    assert interval(binge) == SHORTEST
    assert interval(idle) == LONGEST
    assert interval(few) == LONGEST
    assert interval(new) == SHORTEST


def test_a_user_is_due_when_their_interval_has_passed_since_the_last_sync(settings):
    settings.LISTENING_SYNC_MINUTES, settings.SPOTIFY_POLL_MAX_MINUTES = 20, 120
    idle = UserFactory()
    plays(idle, 50, timedelta(days=2))
    assert _spotify_due(idle)  # never synced

    job = SyncJob.objects.create(user=idle, source="spotify", status=SyncJob.Status.DONE)
    SyncJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(minutes=40))
    assert not _spotify_due(idle)  # two hours for an idle user

    SyncJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(minutes=115))
    assert _spotify_due(idle)  # due before the next sweep: read now
