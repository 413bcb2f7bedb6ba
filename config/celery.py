"""The Celery app. Tasks are `DjangoTask`s, so `task.delay_on_commit()` enqueues after commit.

Without REDIS_URL, settings make every task run in-process (CELERY_TASK_ALWAYS_EAGER).
The beat schedule, when there is one, lives here and nowhere else.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("musichub", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {}
