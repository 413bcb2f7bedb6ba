from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings

        # Their Celery signal handlers (request id into task headers, task outcome counters, the
        # worker's heartbeat at start) connect on import, in web processes and workers alike.
        from core import heartbeat, metrics, request_id  # noqa: F401
        from core.log_redaction import attach_redaction
        from core.reason_phrases import reason_phrases_complete

        reason_phrases_complete()  # daphne: "429 Too Many Requests", not "429 Unknown Status"

        # The servers set up their access loggers before Django starts; this only adds a filter.
        attach_redaction(settings.LOG_REDACTED_LOGGERS)
