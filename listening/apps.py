from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening history"

    def ready(self) -> None:
        from core.metrics import scrape_gauge
        from listening import scheduler
        from listening.metrics import sync_jobs_gauge

        scrape_gauge(sync_jobs_gauge)
        self._count_stats()
        scheduler.start_in_process_scheduler_if_wanted()

    @staticmethod
    def _count_stats() -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from listening.models import Listen
        from listening.stats import rebuild
        from users.signals import time_zone_changed

        post_save.connect(rebuild.on_user_saved, sender=get_user_model(), dispatch_uid="stats-user-created")
        post_save.connect(rebuild.on_listen_saved, sender=Listen, dispatch_uid="stats-listen-created")
        time_zone_changed.connect(rebuild.on_time_zone_changed, dispatch_uid="stats-zone-changed")
