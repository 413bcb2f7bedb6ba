"""Enqueue-after-commit: a task sees the rows that were committed when it was queued.

Every task is a `celery.contrib.django.task.DjangoTask` (config/celery.py), so
`enqueue_on_commit(task, *args)` waits for the surrounding transaction to commit, and is dropped
if it rolls back. Without REDIS_URL the task then runs in-process.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask


def enqueue_on_commit(task: DjangoTask, *args: Any, **kwargs: Any) -> None:
    task.delay_on_commit(*args, **kwargs)


@shared_task(name="core.ping")
def ping(value: str = "pong") -> str:
    """Answers its argument: used by health checks and tests that a worker is consuming."""
    return value
