from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening history"

    def ready(self) -> None:
        from listening import scheduler

        scheduler.start_in_process_scheduler_if_wanted()
