"""The Stats page: a range (calendar periods, previous ones, or custom dates), sources and "each play
once", then the top lists, the summary, the weekday-by-hour grid, the day calendar and the activity curve.

The page parses its query with `listening.stats.params.stats_query`, as the API does, and draws what
`listening.stats.selectors` return; a bad parameter is a 400 page that names it. Every choice stays in
the URL, so a reload (or a shared link) shows the same page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.authenticated import AuthenticatedHttpRequest
from listening.models import Source
from listening.stats.params import stats_query
from listening.stats.selectors import StatsQuery, stats_activity, stats_summary, stats_top
from web import stats_display
from web.query_strings import url_with
from web.time_zone import zone_is_unset

RANGES = (("today", "Today"), ("week", "This week"), ("month", "This month"), ("year", "This year"))
ALL_TIME = ("all_time", "All time")
PERIOD = {"today": "day", "week": "week", "month": "month", "year": "year"}
DEFAULT_RANGE = "month"
BYS = (("plays", "By plays"), ("time", "By time"))
TOP = 10
CALENDAR_DAYS = 365


def _query_data(params: QueryDict) -> QueryDict:
    """The stats parameters of the URL: custom dates win over a range (the picker's links drop them)."""
    data = params.copy()
    data.pop("by", None)
    if data.get("from") or data.get("to"):
        data.pop("range", None)
        data.pop("offset", None)
    elif not data.get("range"):
        data["range"] = DEFAULT_RANGE
    return data


def _offset(params: QueryDict) -> int:
    try:
        return int(params.get("offset", "0"))
    except ValueError:
        return 0  # stats_query has already refused it


def _picker(params: QueryDict, custom: bool) -> dict[str, Any]:
    """The range links (each drops custom dates) and previous/next for the current calendar period."""
    current = None if custom else params.get("range") or DEFAULT_RANGE
    offset = _offset(params) if current else 0
    links = [
        (value, text, url_with(params, range=value, offset=None, **{"from": None, "to": None}))
        for value, text in (*RANGES, ALL_TIME)
    ]
    steps = {}
    if current in PERIOD:
        steps["previous"] = (f"Previous {PERIOD[current]}", url_with(params, offset=str(offset - 1)))
        if offset < 0:
            steps["next"] = (
                f"Next {PERIOD[current]}",
                url_with(params, offset=str(offset + 1) if offset + 1 else None),
            )
    return {"current": current if not offset else None, "range": current, "links": links, "steps": steps}


def _calendar_query(request: AuthenticatedHttpRequest, q: StatsQuery, data: QueryDict) -> StatsQuery:
    """The range itself, or its last 365 days when it is longer (all time)."""
    if q.days <= CALENDAR_DAYS and not q.all_time:
        return q
    narrowed = data.copy()
    for name in ("range", "offset"):
        narrowed.pop(name, None)
    narrowed["from"] = (q.last - timedelta(days=CALENDAR_DAYS - 1)).isoformat()
    narrowed["to"] = q.last.isoformat()
    return stats_query(user=request.user, data=narrowed)


def _charts(request: AuthenticatedHttpRequest, q: StatsQuery, data: QueryDict, by: str) -> dict[str, Any]:
    summary = stats_summary(q)
    tops = [
        (kind, title, stats_display.top_chart(stats_top(q, kind=kind, by=by, limit=TOP), by=by, label=title))
        for kind, title in stats_display.KINDS
    ]
    calendar_q = _calendar_query(request, q, data)
    days = stats_activity(calendar_q, bucket="day")
    # All time spans the history: from its first play (the query's own first day is a sentinel).
    first = summary.first_play.astimezone(q.tz).date() if q.all_time and summary.first_play else q.first
    bucket = stats_display.curve_bucket(first, q.last)
    curve = days if bucket == "day" and calendar_q is q else stats_activity(q, bucket=bucket)
    return {
        "summary": summary,
        "tops": tops,
        "clock": stats_display.clock_chart(stats_activity(q, bucket="clock")),
        "calendar": stats_display.calendar_chart(days, label=f"Plays per day, {calendar_q.label}"),
        "calendar_label": calendar_q.label,
        "curve": stats_display.curve_chart(curve, bucket=bucket, label=f"Plays per {bucket}, {q.label}"),
        "curve_bucket": bucket,
    }


@login_required
def stats(request: AuthenticatedHttpRequest) -> HttpResponse:
    params = request.GET
    data = _query_data(params)
    custom = "range" not in data
    by = params.get("by") or "plays"
    context: dict[str, Any] = {
        "section": "stats",
        "picker": _picker(params, custom),
        "custom": custom,
        "values": {name: params.get(name, "") for name in ("from", "to", "collapse")},
        "chosen_sources": params.getlist("source"),
        "sources": Source.choices,
        "by": by,
        "bys": [(value, text, url_with(params, by=value)) for value, text in BYS],
        "kept": [(name, value) for name in ("range", "offset", "by") for value in params.getlist(name)],
    }
    try:
        if by not in dict(BYS):
            raise ValidationError({"by": ["Choose plays or time."]})
        q = stats_query(user=request.user, data=data)
    except ValidationError as error:
        context["errors"] = stats_display.error_messages(error)
        return render(request, "web/stats.html", context, status=400)
    with timezone.override(q.tz):
        context.update(q=q, tzname=q.tz.key, tz_unset=zone_is_unset(request), year=q.last.year)
        context.update(_charts(request, q, data, by))
        return render(request, "web/stats.html", context)


urlpatterns = [
    path("stats", stats, name="stats"),
]
