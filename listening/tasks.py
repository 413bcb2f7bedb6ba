"""Celery tasks: ids in, the work in `listening.sync`."""

from __future__ import annotations

from celery import current_app, shared_task

from core import clock
from listening.import_jobs import import_resume_dead, import_run
from listening.models import SyncJob
from listening.sync import sync_enqueue_due, sync_resume_dead, sync_run


@shared_task(name="listening.run_sync_job", acks_late=True)
def run_sync_job(job_id: int) -> str:
    """Runs a job for a while, then hands over to a fresh run (or waits out a rate limit)."""
    while True:
        if not SyncJob.objects.filter(pk=job_id, status__in=SyncJob.ACTIVE).exists():
            return "gone"
        step = sync_run(job_id)
        if step.done:
            return "done"
        countdown = step.wait if step.wait is not None else 0
        if not current_app.conf.task_always_eager:
            run_sync_job.apply_async(args=[job_id], countdown=countdown)
            return "continued"
        clock.sleep(countdown)  # in-process mode (no broker): this already runs off the request thread


@shared_task(name="listening.sync_all")
def sync_all() -> int:
    """The periodic sync of every connected user (scheduled in config/celery.py)."""
    return sync_enqueue_due()


@shared_task(name="listening.resume_dead_sync_jobs")
def resume_dead_sync_jobs() -> int:
    """The watchdog (scheduled in config/celery.py): resumes jobs whose worker stopped beating."""
    return len(sync_resume_dead())


@shared_task(name="listening.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> str:
    """Reads an uploaded export file into the user's listens, from its saved place (import_jobs)."""
    return import_run(job_id)


@shared_task(name="listening.resume_dead_import_jobs")
def resume_dead_import_jobs() -> int:
    """The import watchdog (scheduled in config/celery.py): re-queues jobs whose worker stopped."""
    return len(import_resume_dead())


@shared_task(name="listening.rebuild_stats")
def rebuild_stats(user_id: int) -> int:
    """Recounts the user's stats tables in their current zone (after a zone change, or never built)."""
    from listening.stats.rebuild import stats_rebuild_user

    return stats_rebuild_user(user_id)


@shared_task(name="listening.fold_stats")
def fold_stats(user_id: int) -> bool:
    """Counts the user's newly stored listens into the stats tables (queued after each write)."""
    from listening.stats.rebuild import stats_fold_user

    return stats_fold_user(user_id)
