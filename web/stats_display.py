"""What the Stats, Year in review and History pages share: the stats selectors' results as charts,
and a bad query parameter as messages.

Nothing is counted here: the selectors (`listening.stats.selectors`) return every bucket and every
top item; these functions only choose labels and hand them to `web.charts` / `web.stats_charts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.utils.safestring import SafeString
from rest_framework.exceptions import ValidationError

from listening.stats.selectors import Bucket, TopItem
from web import stats_charts
from web.stats_charts import Cell, Point, Share

KINDS = (("artists", "Top artists"), ("tracks", "Top tracks"), ("albums", "Top albums"))


def error_messages(error: ValidationError) -> list[str]:
    """`{"from": ["Enter a valid date."]}` → `["from: Enter a valid date."]` (the field is named)."""
    detail = error.detail
    if isinstance(detail, dict):
        return [
            f"{field}: {message}"
            for field, messages in detail.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
    return [str(message) for message in (detail if isinstance(detail, list) else [detail])]


def top_chart(items: Sequence[TopItem], *, by: str, label: str) -> SafeString:
    return stats_charts.share_bars(
        [
            Share(
                label=item.name or "(unknown)",
                detail=item.artist or "",
                value=stats_charts.duration_text(item.ms)
                if by == "time"
                else stats_charts.plays_text(item.plays),
                share=item.share,
            )
            for item in items
        ],
        label=label,
    )


def clock_chart(buckets: Sequence[Bucket]) -> SafeString:
    """The 168 "weekday-hour" buckets of stats_activity(bucket="clock") as the 7-by-24 grid."""
    return stats_charts.clock_grid([Cell(b.key, b.label, b.plays) for b in buckets])


def calendar_chart(buckets: Sequence[Bucket], *, label: str) -> SafeString:
    """Day buckets ("2026-03-01") as the day calendar."""
    return stats_charts.day_calendar(
        [(date.fromisoformat(b.key), b.label, b.plays) for b in buckets], label=label
    )


def _tick(bucket: str, key: str) -> str:
    if bucket == "hour":
        return f"{datetime.fromisoformat(key):%H}h"
    if bucket == "month":
        return f"{date.fromisoformat(key + '-01'):%b %y}"
    day = date.fromisoformat(key)
    return f"{day.day} {day:%b}"


def curve_chart(buckets: Sequence[Bucket], *, bucket: str, label: str) -> SafeString:
    """Hour, day, week or month buckets as the activity curve."""
    return stats_charts.activity_curve(
        [Point(b.key, b.label, _tick(bucket, b.key), b.plays) for b in buckets], label=label
    )


def curve_bucket(first: date, last: date) -> str:
    """The activity curve's bucket for a range: hours for a day or two, days up to a quarter, weeks up to
    two years, months beyond."""
    days = (last - first).days + 1
    if days <= 2:
        return "hour"
    if days <= 92:
        return "day"
    return "week" if days <= 731 else "month"
