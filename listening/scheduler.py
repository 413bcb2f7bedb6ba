"""Without Redis (the embedded default) there is no Celery beat: a thread in the development server
runs the same periodic sync. With REDIS_URL, `celery beat` does it (config/celery.py)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)
_started = threading.Event()


def start_in_process_scheduler_if_wanted() -> None:
    serving = "runserver" in sys.argv[1:2] and os.environ.get("RUN_MAIN") == "true"
    if settings.REDIS_URL or not serving or not settings.LISTENING_SYNC_MINUTES or _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="listening-sync-scheduler", daemon=True).start()
    logger.info("Syncing listening history in-process every %s minutes", settings.LISTENING_SYNC_MINUTES)


def _loop() -> None:
    from listening.sync import sync_enqueue_due

    time.sleep(10)  # let the server finish starting
    while True:
        try:
            sync_enqueue_due()
        except Exception:  # the loop must outlive one bad round; the error is logged
            logger.exception("The in-process listening sync failed")
        time.sleep(settings.LISTENING_SYNC_MINUTES * 60)
