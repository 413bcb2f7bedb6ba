"""A sync job whose worker died is noticed from its heartbeat and resumed: by the scheduler's watchdog
within a minute, and by `POST /music/sync/` at once. (The real Celery worker, killed mid-job, is in
test_sync_worker.py.)"""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from config.celery import app as celery_app
from listening import sync, tasks
from listening.models import Listen, SyncJob
from tests.factories import UserFactory
from tests.listening.conftest import connect_lastfm

WIZ_SCROBBLES = 3000
SYNC = "/music/sync/"


def half_done_backfill(client, user) -> SyncJob:
    """A backfill whose worker stored four pages, then died (the task never ran again)."""
    client.post(SYNC, {"source": "lastfm", "kind": "backfill"}, format="json")  # queued; no worker runs it
    job = SyncJob.objects.get(user=user)
    for _ in range(5):  # the discovery call and four pages
        sync.sync_step(job.pk)
    job.refresh_from_db()
    assert (job.status, job.pages_done, Listen.objects.count()) == ("running", 4, 800)
    return job


def silent_for(job: SyncJob, seconds: float) -> None:
    SyncJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db
def test_post_resumes_a_job_whose_heartbeat_stopped_at_once(
    sandbox, auth_client, lastfm_user, django_capture_on_commit_callbacks
):
    job = half_done_backfill(auth_client, lastfm_user)
    silent_for(job, settings.SYNC_JOB_DEAD_SECONDS + 1)  # well under the old 5 minutes

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(SYNC, {"source": "lastfm", "kind": "backfill"}, format="json")

    assert response.status_code == 202, response.json()
    assert response.json()["id"] == job.pk  # the same job, from where it stopped
    job.refresh_from_db()
    assert (job.status, job.imported, job.pages_done) == ("done", WIZ_SCROBBLES, 15)
    assert Listen.objects.count() == WIZ_SCROBBLES


@pytest.mark.django_db
def test_a_job_that_beats_is_still_in_progress(sandbox, auth_client, lastfm_user):
    job = half_done_backfill(auth_client, lastfm_user)
    silent_for(job, settings.SYNC_JOB_DEAD_SECONDS - 5)

    response = auth_client.post(SYNC, {"source": "lastfm", "kind": "backfill"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "sync_in_progress"


@pytest.mark.django_db
def test_the_watchdog_resumes_a_dead_job_where_it_stopped(
    sandbox, auth_client, lastfm_user, django_capture_on_commit_callbacks
):
    job = half_done_backfill(auth_client, lastfm_user)
    silent_for(job, settings.SYNC_JOB_DEAD_SECONDS + 1)
    lastfm_calls = len(sandbox.calls("lastfm"))

    with django_capture_on_commit_callbacks(execute=True):
        resumed = tasks.resume_dead_sync_jobs()

    assert resumed == 1
    job.refresh_from_db()
    assert (job.status, job.imported, job.pages_done) == ("done", WIZ_SCROBBLES, 15)
    assert Listen.objects.count() == WIZ_SCROBBLES
    assert len(sandbox.calls("lastfm")) - lastfm_calls == 11  # the eleven pages left, none twice


@pytest.mark.django_db
def test_the_watchdog_leaves_live_and_sleeping_jobs_alone(monkeypatch):
    dead_after = settings.SYNC_JOB_DEAD_SECONDS
    now = timezone.now()
    jobs = {}
    for name, status, beat, retry in [
        ("beating", "running", dead_after - 5, None),
        ("rate_limited", "waiting", dead_after + 60, -120),  # retry_at two minutes ahead
        ("queued_now", "queued", 1, None),
        ("finished", "done", dead_after + 600, None),
        ("dead", "running", dead_after + 1, None),
        ("dead_queued", "queued", dead_after + 1, None),  # its message was lost with the worker
        ("overslept", "waiting", dead_after + 600, dead_after + 1),
    ]:
        jobs[name] = SyncJob.objects.create(
            user=UserFactory(),
            source="lastfm",
            kind="sync",
            status=status,
            heartbeat_at=now - timedelta(seconds=beat),
            retry_at=None if retry is None else now - timedelta(seconds=retry),
        )
    enqueued = []
    monkeypatch.setattr(sync, "enqueue_on_commit", lambda task, job_id: enqueued.append(job_id))

    resumed = sync.sync_resume_dead(now=now)

    assert (
        sorted(resumed)
        == sorted(enqueued)
        == sorted(jobs[n].pk for n in ("dead", "dead_queued", "overslept"))
    )
    for name in ("dead", "dead_queued", "overslept"):
        jobs[name].refresh_from_db()
        assert (jobs[name].status, jobs[name].heartbeat_at, jobs[name].retry_at) == ("queued", now, None)
    assert sync.sync_resume_dead(now=now) == []  # resumed once: its heartbeat is fresh again


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_resume_a_dead_job_once(monkeypatch):
    user = UserFactory()
    connect_lastfm(user)
    job = SyncJob.objects.create(
        user=user,
        source="lastfm",
        kind="backfill",
        status="running",
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SYNC_JOB_DEAD_SECONDS + 5),
    )
    enqueued = []
    monkeypatch.setattr(sync, "enqueue_on_commit", lambda task, job_id: enqueued.append(job_id))
    barrier = threading.Barrier(4)
    results = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(sync.sync_resume_dead())
        finally:
            close_old_connections()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(len(result) for result in results) == [0, 0, 0, 1]
    assert enqueued == [job.pk]
    job.refresh_from_db()
    assert job.status == "queued"


def test_the_scheduler_looks_for_dead_jobs_within_a_minute():
    watchdog = [
        entry
        for entry in celery_app.conf.beat_schedule.values()
        if entry["task"] == "listening.resume_dead_sync_jobs"
    ]

    assert len(watchdog) == 1
    interval = watchdog[0]["schedule"]
    interval = interval if isinstance(interval, (int, float)) else interval.run_every.total_seconds()
    assert interval <= 30
    assert settings.SYNC_JOB_DEAD_SECONDS + interval <= 60
