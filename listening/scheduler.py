"""Without Redis (the embedded default) there is no Celery beat: a thread in the development server
runs the same periodic sync and sync watchdog. With REDIS_URL, `celery beat` does it (config/celery.py)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)
_started = threading.Event()


def start_in_process_scheduler_if_wanted() -> None:
    serving = "runserver" in sys.argv[1:2] and os.environ.get("RUN_MAIN") == "true"
    wanted = settings.LISTENING_SYNC_MINUTES or settings.SYNC_WATCHDOG_SECONDS
    if settings.REDIS_URL or not serving or not wanted or _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="listening-sync-scheduler", daemon=True).start()
    logger.info("Syncing listening history in-process every %s minutes", settings.LISTENING_SYNC_MINUTES)


def _run(work: Callable[[], object], what: str) -> None:
    try:
        work()
    except Exception:  # the loop must outlive one bad round; the error is logged
        logger.exception("The in-process %s failed", what)


def _loop() -> None:
    """The periodic sync, and the watchdog that resumes jobs a restart left behind (config/celery.py)."""
    from listening.import_jobs import import_resume_dead
    from listening.sync import sync_enqueue_due, sync_resume_dead

    time.sleep(10)  # let the server finish starting
    next_sync = time.monotonic()
    while True:
        if settings.SYNC_WATCHDOG_SECONDS:
            _run(sync_resume_dead, "sync watchdog")
            _run(import_resume_dead, "import watchdog")
        if settings.LISTENING_SYNC_MINUTES and time.monotonic() >= next_sync:
            _run(sync_enqueue_due, "listening sync")
            next_sync = time.monotonic() + settings.LISTENING_SYNC_MINUTES * 60
        time.sleep(settings.SYNC_WATCHDOG_SECONDS or settings.LISTENING_SYNC_MINUTES * 60)
