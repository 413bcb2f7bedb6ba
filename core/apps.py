from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings

        from core.log_redaction import attach_redaction

        # The servers set up their access loggers before Django starts; this only adds a filter.
        attach_redaction(settings.LOG_REDACTED_LOGGERS)
