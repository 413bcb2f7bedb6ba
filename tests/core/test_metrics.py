"""/metrics: closed (the 404 of an unknown path) unless the address or the token is allowed; then the
request counter by view and status, task outcomes, queue lengths and sync jobs by status."""

from __future__ import annotations

import re

import pytest

from config.celery import app as celery_app
from core.metrics import CELERY_TASKS, ScrapeTimeCollector, broker_queue_names
from core.tasks import ping
from listening.models import SyncJob

pytestmark = pytest.mark.django_db

TOKEN = "t" * 20 + "0123456789abcdef"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name{labels}` in a Prometheus text page, or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match[3])
    return None


def test_metrics_is_a_404_when_nothing_is_configured(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics")

    assert response.status_code == 404
    assert response.content == client.get("/no-such-page").content  # says nothing about itself


def test_metrics_refuses_an_address_that_is_not_allowed(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404


def test_a_forwarded_address_is_believed_only_as_far_as_num_proxies(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.NUM_PROXIES = 0

    forged = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forged.status_code == 404

    settings.NUM_PROXIES = 1
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert proxied.status_code == 200


def test_metrics_refuses_a_wrong_or_missing_token(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}x").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_counts_requests_by_view_and_status_and_jobs_by_status(client, settings, user):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
    SyncJob.objects.create(user=user, source="spotify", kind="sync", status="running")
    SyncJob.objects.create(user=user, source="lastfm", kind="backfill", status="failed")
    SyncJob.objects.create(user=user, source="lastfm", kind="sync", status="failed")
    before = client.get("/metrics").content.decode()
    count_before = sample(
        before, "django_http_responses_total_by_status_view_method_total", view="health", status="200"
    )

    client.get("/health/")
    client.get("/health/")
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    count = sample(
        text, "django_http_responses_total_by_status_view_method_total", view="health", status="200"
    )
    assert count == (count_before or 0) + 2
    assert sample(text, "django_http_requests_latency_seconds_by_view_method_count", view="health") >= 2
    assert sample(text, "musichub_sync_jobs", status="running") == 1
    assert sample(text, "musichub_sync_jobs", status="failed") == 2
    assert sample(text, "musichub_sync_jobs", status="done") == 0


def test_task_outcomes_are_counted(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    before = CELERY_TASKS.labels(task="core.ping", outcome="success")._value.get()

    ping.delay("x")

    text = client.get("/metrics").content.decode()
    assert sample(text, "musichub_celery_tasks_total", task="core.ping", outcome="success") == before + 1


def test_a_failing_scrape_time_source_leaves_the_rest(monkeypatch, user):
    def broken(self):
        raise ConnectionError("redis is gone")
        yield

    monkeypatch.setattr(ScrapeTimeCollector, "_queue_lengths", broken)

    names = [family.name for family in ScrapeTimeCollector().collect()]

    assert "musichub_sync_jobs" in names


def test_the_queue_length_is_read_from_the_broker_under_its_key_prefix(settings):
    """With Redis: LLEN of `<global_keyprefix><queue>`, where kombu keeps the waiting messages."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the queue length is read from Redis)")
    import redis

    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    key = f"{prefix}{broker_queue_names()[0]}"
    client.delete(key)
    celery_app.conf.task_always_eager = False  # the autouse _isolated fixture restores it
    try:
        ping.delay("queued")
        ping.delay("queued")
        families = {family.name: family for family in ScrapeTimeCollector().collect()}
        queued = {s.labels["queue"]: s.value for s in families["musichub_celery_queue_length"].samples}
        assert queued[broker_queue_names()[0]] == 2
    finally:
        client.delete(key)


def test_database_connections_are_counted_on_postgresql(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_stat_activity is PostgreSQL's")
    families = {family.name: family for family in ScrapeTimeCollector().collect()}
    assert sum(s.value for s in families["musichub_database_connections"].samples) >= 1
