"""The Celery worker's sign of life, read by the readiness check (/health/ready/).

The worker writes the time into the cache (Redis, shared by every machine) when it starts
(`worker_ready`) and from a beat-scheduled task every WORKER_HEARTBEAT_SECONDS (config/celery.py).
Coming from beat through the queue, a fresh heartbeat says that beat runs, the broker delivers
and a worker consumes.
"""

from __future__ import annotations

import time
from typing import Any

from celery.signals import worker_ready
from django.core.cache import cache

HEARTBEAT_KEY = "celery:worker-heartbeat"


def heartbeat_touch() -> None:
    """Records that a worker is alive now."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def heartbeat_age() -> float | None:
    """Seconds since a worker last wrote its heartbeat, or None if none ever did."""
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        return None
    return max(0.0, time.time() - float(beat))


@worker_ready.connect(weak=False, dispatch_uid="core.heartbeat.worker_ready")
def _worker_started(**kwargs: Any) -> None:
    heartbeat_touch()
