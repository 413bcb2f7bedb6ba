"""The Celery app. Tasks are `DjangoTask`s, so `task.delay_on_commit()` enqueues after commit.

Without REDIS_URL, settings make every task run in-process (CELERY_TASK_ALWAYS_EAGER).
The beat schedule lives here and nowhere else.
"""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("musichub", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect(weak=False)
def use_django_logging(**kwargs) -> None:
    """The worker and beat log through Django's LOGGING, like the web processes: LOG_FORMAT, the
    request id (core/request_id.py) and the secret redaction, instead of Celery's own handlers."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@app.on_after_configure.connect
def schedule_periodic_tasks(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    if settings.LISTENING_SYNC_MINUTES:
        # Every connected user's new Spotify and Last.fm plays (Spotify keeps only the last 50).
        sender.add_periodic_task(
            settings.LISTENING_SYNC_MINUTES * 60,
            sender.signature("listening.sync_all"),
            name="listening sync",
        )
    if settings.SYNC_WATCHDOG_SECONDS:
        # Sync jobs whose worker died (no heartbeat for SYNC_JOB_DEAD_SECONDS) resume where they stopped.
        sender.add_periodic_task(
            settings.SYNC_WATCHDOG_SECONDS,
            sender.signature("listening.resume_dead_sync_jobs"),
            name="listening sync watchdog",
        )
        # Import jobs likewise (listening/import_jobs.py): re-queued at their saved place.
        sender.add_periodic_task(
            settings.SYNC_WATCHDOG_SECONDS,
            sender.signature("listening.resume_dead_import_jobs"),
            name="listening import watchdog",
        )
    if settings.WORKER_HEARTBEAT_SECONDS:
        # A worker's sign of life for the readiness check (core/heartbeat.py); an old one is dropped.
        sender.add_periodic_task(
            settings.WORKER_HEARTBEAT_SECONDS,
            sender.signature("core.worker_heartbeat", options={"expires": settings.WORKER_HEARTBEAT_SECONDS}),
            name="worker heartbeat",
        )
