"""gunicorn's settings for `make serve` (the Procfile's `web`), from config/settings.py.

Every value comes from the Django settings, so `.env` and the environment set them the same way
(WEB_BIND, WEB_WORKERS, WEB_TIMEOUT, WEB_GRACEFUL_TIMEOUT). The workers are uvicorn's, so HTTP and
WebSockets share one port; their access log goes to stdout through the `uvicorn.access` logger,
whose secret query parameters are redacted (core/log_redaction.py).
"""

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

bind = [settings.WEB_BIND]
workers = settings.WEB_WORKERS
worker_class = "core.uvicorn_worker.MusicHubUvicornWorker"
timeout = settings.WEB_TIMEOUT
graceful_timeout = settings.WEB_GRACEFUL_TIMEOUT
accesslog = "-"
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:  # gunicorn's Arbiter and Worker
    """A web worker that exits: its live gauges leave /metrics, its counters stay (prometheus_client)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


if settings.LOG_FORMAT == "json":
    # LOG_FORMAT=json: gunicorn's own lines and the access log (the uvicorn workers log through
    # gunicorn's loggers) go through the app's console handler too: JSON, with the secret redaction.
    _through_console = {"level": "INFO", "handlers": ["console"], "propagate": False}
    _logging: dict[str, Any] = settings.LOGGING
    logconfig_dict = {
        **_logging,
        "loggers": {
            **_logging["loggers"],
            "gunicorn.error": _through_console,
            "gunicorn.access": _through_console,
        },
    }
