import os
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

from config.celery import app as celery_app
from core.tasks import enqueue_on_commit

REDIS_URL = os.environ.get("REDIS_URL", "")


@shared_task(name="tests.remember")
def remember(key: str, value: str) -> None:
    cache.set(key, value, timeout=60)


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_only_after_its_transaction_commits():
    key = f"task:{uuid.uuid4().hex}"
    with transaction.atomic():
        enqueue_on_commit(remember, key, "done")
        assert cache.get(key) is None

    assert cache.get(key) == "done"


@pytest.mark.django_db(transaction=True)
def test_a_task_is_dropped_when_its_transaction_rolls_back():
    key = f"task:{uuid.uuid4().hex}"

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue_on_commit(remember, key, "done")
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()

    assert cache.get(key) is None


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL: a Celery worker consuming from Redis")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_tasks_from_redis():
    celery_app.conf.task_always_eager = False
    key = f"task:{uuid.uuid4().hex}"
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            enqueue_on_commit(remember, key, "from-worker")
        deadline = time.monotonic() + 15
        while cache.get(key) is None and time.monotonic() < deadline:
            time.sleep(0.05)

    assert cache.get(key) == "from-worker"


def test_the_channel_layer_delivers_messages():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()

    async_to_sync(layer.send)(channel, {"type": "hello", "text": "hi"})

    assert async_to_sync(layer.receive)(channel) == {"type": "hello", "text": "hi"}
