"""Enqueue-after-commit: a task sees the rows that were committed when it was queued.

Every task is a `celery.contrib.django.task.DjangoTask` (config/celery.py). `enqueue_on_commit`
waits for the surrounding transaction to commit, and drops the task if it rolls back. Then:
- with REDIS_URL, a Celery worker runs it;
- without (the embedded default), it runs in-process: in a background thread when
  TASKS_IN_THREADS is on (the development server), or right away in tests.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import current_app, shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)


def _run_in_thread(task: DjangoTask, args: tuple, kwargs: dict) -> None:
    def work() -> None:
        try:
            task.apply(args=args, kwargs=kwargs, throw=True)
        except Exception:  # a background failure must be logged, not lost
            logger.exception("In-process task %s failed", task.name)
        finally:
            close_old_connections()

    threading.Thread(target=work, name=f"task:{task.name}", daemon=True).start()


def enqueue_on_commit(task: DjangoTask, *args: Any, **kwargs: Any) -> None:
    if current_app.conf.task_always_eager and settings.TASKS_IN_THREADS:
        transaction.on_commit(lambda: _run_in_thread(task, args, kwargs))
        return
    task.delay_on_commit(*args, **kwargs)


@shared_task(name="core.ping")
def ping(value: str = "pong") -> str:
    """Answers its argument: used by health checks and tests that a worker is consuming."""
    return value


@shared_task(name="core.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Scheduled by beat (config/celery.py): the readiness check's proof that a worker consumes."""
    from core.heartbeat import heartbeat_touch

    heartbeat_touch()
