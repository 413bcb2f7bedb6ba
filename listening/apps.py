from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening history"

    def ready(self) -> None:
        from core.metrics import scrape_gauge
        from listening import scheduler
        from listening.metrics import sync_jobs_gauge

        scrape_gauge(sync_jobs_gauge)
        scheduler.start_in_process_scheduler_if_wanted()
