"""/metrics: Prometheus metrics, for the addresses or the bearer token the operator configured.

django-prometheus counts requests by view, method and status and their latency (its middleware,
first and last in MIDDLEWARE). This module adds what it cannot know:
- Celery task outcomes (`musichub_celery_tasks_total{task, outcome}`), counted by the worker from
  Celery's signals;
- read when scraped, with one cheap query each: the Celery queue lengths (Redis LLEN of each queue
  under the broker's `global_keyprefix`), sync jobs by status (one GROUP BY), the database's
  connections by state (PostgreSQL's pg_stat_activity: every process's connections, not only this
  one's), and the age of the worker's heartbeat.

Several processes (gunicorn workers, the Celery worker): as django-prometheus documents, set
PROMETHEUS_MULTIPROC_DIR to an empty directory shared by every process of the machine before they
start; each process then writes its counters there and /metrics adds them up. Without it, /metrics
shows the counters of the one process that answered.

Who may read it: a client address in METRICS_ALLOWED_IPS (core.client_ip, so NUM_PROXIES decides
which address that is), or `Authorization: Bearer <METRICS_TOKEN>`. Anyone else gets the 404 of an
unknown path: the endpoint does not reveal itself.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.client_ip import client_ip

logger = logging.getLogger(__name__)

CELERY_TASKS = Counter(
    "musichub_celery_tasks_total",
    "Celery tasks finished, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


@task_success.connect(weak=False, dispatch_uid="core.metrics.success")
def _count_success(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="success").inc()


@task_failure.connect(weak=False, dispatch_uid="core.metrics.failure")
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="failure").inc()


@task_retry.connect(weak=False, dispatch_uid="core.metrics.retry")
def _count_retry(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    # task_retry's sender is the task's Request in a worker; its name is the task's.
    name = getattr(request, "task", None) or _task_name(sender)
    CELERY_TASKS.labels(task=str(name), outcome="retry").inc()


def broker_queue_names() -> list[str]:
    """The queues workers consume: the default one and any routed to (task_routes, task_queues)."""
    from celery import current_app as app  # the project's app (config/celery.py), core names no app

    names = {app.conf.task_default_queue or "celery"}
    names.update(app.amqp.queues.keys())
    return sorted(names)


def _redis_client(url: str) -> Any:
    import redis

    # Short timeouts: a scrape or a readiness probe must answer, not hang on a dead Redis.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


GaugeSource = Callable[[], Iterator[GaugeMetricFamily]]
_app_gauges: list[GaugeSource] = []


def scrape_gauge(source: GaugeSource) -> GaugeSource:
    """Adds an app's gauges to every scrape (core imports no app: each registers its own, in ready())."""
    if source not in _app_gauges:
        _app_gauges.append(source)
    return source


class ScrapeTimeCollector(Collector):
    """Gauges computed when Prometheus scrapes; a failing one is left out (and logged), never a 500."""

    def describe(self) -> list[GaugeMetricFamily]:
        # Registering calls describe(), else collect(): nothing is read before a scrape.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gather in (*_app_gauges, self._queue_lengths, self._database_connections, self._heartbeat):
            try:
                yield from gather()
            except Exception as exc:  # one unavailable source must not cost the whole scrape
                logger.warning("Metrics: %s failed: %s", gather.__name__.strip("_"), exc)

    def _queue_lengths(self) -> Iterator[GaugeMetricFamily]:
        broker = settings.CELERY_BROKER_URL
        if not broker.startswith(("redis://", "rediss://", "unix://")):
            return  # embedded mode: tasks run in-process, there is no queue
        prefix = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("global_keyprefix", "")
        family = GaugeMetricFamily(
            "musichub_celery_queue_length", "Tasks waiting in each Celery queue (Redis).", labels=["queue"]
        )
        client = _redis_client(broker)
        try:
            for queue in broker_queue_names():
                family.add_metric([queue], client.llen(f"{prefix}{queue}"))
        finally:
            client.close()
        yield family

    def _database_connections(self) -> Iterator[GaugeMetricFamily]:
        if connection.vendor != "postgresql":
            return
        family = GaugeMetricFamily(
            "musichub_database_connections",
            "Connections to this PostgreSQL database, from every process, by state (active, idle...).",
            labels=["state"],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() GROUP BY 1"
            )
            for state, n in cursor.fetchall():
                family.add_metric([state], n)
        yield family

    def _heartbeat(self) -> Iterator[GaugeMetricFamily]:
        if not settings.REDIS_URL:
            return
        from core.heartbeat import heartbeat_age

        age = heartbeat_age()
        if age is None:
            return
        yield GaugeMetricFamily(
            "musichub_celery_worker_heartbeat_age_seconds",
            "Seconds since a Celery worker's heartbeat.",
            value=age,
        )


SCRAPE_TIME = ScrapeTimeCollector()


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


if not _multiprocess():
    REGISTRY.register(SCRAPE_TIME)


def metrics_registry() -> CollectorRegistry:
    """What /metrics exports: every process's counters in multiprocess mode, else this process's."""
    if not _multiprocess():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(SCRAPE_TIME)
    return registry


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether this request may read /metrics: the bearer token, or an allowed client address."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return True
    if settings.METRICS_ALLOWED_IPS:
        address = ipaddress.ip_address(client_ip(request))
        for allowed in settings.METRICS_ALLOWED_IPS:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
    return False


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format, or the 404 of an unknown path for anyone not allowed."""
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
