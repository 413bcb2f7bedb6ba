"""Listening's gauges on /metrics (core.metrics asks for them at each scrape)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from listening.models import SyncJob


def sync_jobs_gauge() -> Iterator[GaugeMetricFamily]:
    """Sync and backfill jobs by status, every status present."""
    family = GaugeMetricFamily("musichub_sync_jobs", "Sync and backfill jobs by status.", labels=["status"])
    counts = dict.fromkeys(SyncJob.Status.values, 0)
    for row in SyncJob.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    for status, n in counts.items():
        family.add_metric([status], n)
    yield family
