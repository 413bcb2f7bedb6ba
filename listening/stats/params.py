"""The query parameters every stats endpoint and page takes, read into a StatsQuery.

`range=today|week|month|year|all_time` (calendar periods in the user's zone; `offset=-1` the previous
one) or `from`/`to` (ISO dates, inclusive); `source` (repeatable, or comma-separated); `collapse=true`;
`tz` (an IANA zone for this request; default: the user's profile zone). Bad input raises a DRF
ValidationError naming the parameter (a 400 from the API, a message on the pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework import serializers

from listening.models import Source
from listening.stats.query import StatsQuery
from listening.stats.selectors import stats_resolve
from users.models import User
from users.selectors import user_zone
from users.time_zones import time_zone_is_known

RANGES = ("today", "week", "month", "year", "all_time")
MAX_YEARS = 100
MAX_HOUR_DAYS = 92  # hour buckets: at most about a quarter (2,208 buckets)
MAX_OFFSET = 10_000
EARLIEST, LATEST = date(1000, 1, 1), date(8999, 12, 31)


class StatsQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=RANGES, required=False)
    offset = serializers.IntegerField(required=False, default=0, min_value=-MAX_OFFSET, max_value=0)
    from_ = serializers.DateField(required=False)
    to = serializers.DateField(required=False)
    source_ = serializers.ListField(
        child=serializers.ChoiceField(choices=Source.values), required=False, default=list, max_length=20
    )
    collapse = serializers.BooleanField(required=False, default=False)
    tz = serializers.CharField(required=False, max_length=64)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword as a parameter name
        fields["source"] = fields.pop("source_")  # a name every DRF field has as an attribute
        return fields

    def validate_tz(self, value: str) -> str:
        if not time_zone_is_known(value):
            raise serializers.ValidationError(
                f"Unknown time zone {value!r}. Use an IANA name such as Europe/Paris."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = attrs.get("from"), attrs.get("to")
        if attrs.get("range") and (first or last):
            raise serializers.ValidationError({"range": ["Give either range or from/to, not both."]})
        if last and not first:
            raise serializers.ValidationError({"from": ["from is required with to."]})
        if first and last and first > last:
            raise serializers.ValidationError({"from": [f"from ({first}) is after to ({last})."]})
        if attrs.get("offset") and attrs.get("range") in (None, "all_time"):
            raise serializers.ValidationError(
                {"offset": ["offset goes with range=today, week, month or year."]}
            )
        return attrs


def _data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A QueryDict (or a plain mapping) as the serializer's input: `source` repeatable or comma-separated."""
    plain = {
        name: data.get(name) for name in ("range", "offset", "from", "to", "collapse", "tz") if data.get(name)
    }
    getlist = getattr(data, "getlist", None)
    raw = getlist("source") if getlist else data.get("source") or []
    values = [raw] if isinstance(raw, str) else list(raw)
    plain["source"] = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return plain


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _calendar(name: str, offset: int, today: date) -> tuple[date, date, str]:
    if name == "today":
        day = today + timedelta(days=offset)
        return day, day, "Today" if offset == 0 else day.strftime("%a %d %b %Y")
    if name == "week":
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        label = "This week" if offset == 0 else f"Week of {monday:%d %b %Y}"
        return monday, monday + timedelta(days=6), label
    if name == "month":
        first = _shift_month(today.replace(day=1), offset)
        return first, _shift_month(first, 1) - timedelta(days=1), first.strftime("%B %Y")
    year = today.year + offset
    return date(year, 1, 1), date(year, 12, 31), str(year)


def stats_query(*, user: User, data: Mapping[str, Any]) -> StatsQuery:
    """The StatsQuery the parameters describe; raises serializers.ValidationError naming the parameter."""
    serializer = StatsQuerySerializer(data=_data(data))
    serializer.is_valid(raise_exception=True)
    attrs = serializer.validated_data
    tz = ZoneInfo(attrs["tz"]) if attrs.get("tz") else user_zone(user)
    today = timezone.now().astimezone(tz).date()
    sources = tuple(sorted(set(attrs["source"])))
    collapse = attrs["collapse"]
    if attrs.get("from"):
        first, last = attrs["from"], attrs.get("to") or max(today, attrs["from"])
        if first > last:
            raise serializers.ValidationError({"from": [f"from ({first}) is after to ({last})."]})
        label = f"{first:%d %b %Y} to {last:%d %b %Y}"
    elif attrs.get("range", "all_time") == "all_time":
        return stats_resolve(
            StatsQuery(user.pk, tz, date(1, 1, 1), today, sources, collapse, "All time", all_time=True)
        )
    else:
        try:
            first, last, label = _calendar(attrs["range"], attrs["offset"], today)
        except (ValueError, OverflowError):
            raise serializers.ValidationError({"offset": ["offset goes too far back."]}) from None
    if not (first >= EARLIEST and last <= LATEST):
        raise serializers.ValidationError({"from": [f"Dates run from {EARLIEST} to {LATEST}."]})
    if (last - first).days > MAX_YEARS * 366 or last.year - first.year > MAX_YEARS:
        raise serializers.ValidationError({"from": [f"A range covers at most {MAX_YEARS} years."]})
    return stats_resolve(StatsQuery(user.pk, tz, first, last, sources, collapse, label))


def check_bucket(q: StatsQuery, bucket: str) -> None:
    """Hour buckets are for short ranges (every bucket is listed, zeros included)."""
    if bucket == "hour" and (q.all_time or q.days > MAX_HOUR_DAYS):
        raise serializers.ValidationError(
            {"bucket": [f"bucket=hour covers at most {MAX_HOUR_DAYS} days; use day, week or month."]}
        )
