"""/health/ready/: 200 when the database, Redis and a Celery worker answer, else 503 naming what is down.
/health/ (liveness) keeps its shape (tests/core/test_health.py)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from core.heartbeat import HEARTBEAT_KEY, heartbeat_age, heartbeat_touch
from core.tasks import worker_heartbeat
from tests.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_redis(settings):
    """Readiness as with REDIS_URL set (the real Redis when the run has one)."""
    if not settings.REDIS_URL:
        settings.REDIS_URL = "redis://127.0.0.1:6379/8"
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError:
            pytest.skip("no Redis on 127.0.0.1:6379")
    return settings


def test_ready_when_database_redis_and_worker_answer(client, with_redis):
    heartbeat_touch()

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}


def test_not_ready_naming_the_worker_when_its_heartbeat_is_stale(client, with_redis):
    with_redis.WORKER_HEARTBEAT_MAX_AGE = 60
    cache.set(HEARTBEAT_KEY, time.time() - 61, timeout=None)

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "ok", "worker": "stale"}


def test_not_ready_naming_the_worker_when_none_ever_beat(client, with_redis):
    cache.delete(HEARTBEAT_KEY)

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["worker"] == "unavailable"


def test_not_ready_naming_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    started = time.monotonic()
    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"
    assert response.json()["status"] == "unavailable"
    assert time.monotonic() - started < 5


def test_not_ready_naming_the_database_when_it_is_down(client, with_redis, monkeypatch):
    from django.db import connection

    heartbeat_touch()

    def broken(*args, **kwargs):
        raise ConnectionError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken)

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "ok",
        "worker": "ok",
    }


def test_without_redis_there_is_no_worker_to_wait_for(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "off", "worker": "off"}


def test_the_beat_scheduled_task_writes_the_heartbeat(settings):
    cache.delete(HEARTBEAT_KEY)
    assert heartbeat_age() is None

    worker_heartbeat.delay()

    assert heartbeat_age() < 5
    schedule = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    assert schedule["core.worker_heartbeat"]["schedule"] == settings.WORKER_HEARTBEAT_SECONDS


def test_the_worker_beats_when_it_starts():
    from celery.signals import worker_ready

    cache.delete(HEARTBEAT_KEY)
    worker_ready.send(sender=None)

    assert heartbeat_age() < 5
