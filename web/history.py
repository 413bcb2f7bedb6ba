"""The listening history: filters, infinite scroll on a keyset cursor, and charts in the user's time zone.

The time zone is the profile's (web.time_zone: the browser's on the first visit, then the one the
user chooses on the profile page); UTC while none is set. The charts are aggregated by the database
(a handful of GROUP BY queries whatever the number of plays) and drawn as SVG on the server
(`web.charts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString
from rest_framework.exceptions import ValidationError

from core.authenticated import AuthenticatedHttpRequest
from listening.filters import ListenFilter
from listening.models import Listen, Source
from listening.selectors import (
    listen_cursor_decode,
    listen_cursor_encode,
    listen_list,
    listen_page,
)
from listening.stats.params import stats_query
from listening.stats.selectors import StatsQuery, stats_activity, stats_top, stats_totals
from users.models import User
from users.selectors import user_zone
from web import charts, stats_display
from web.query_strings import url_with
from web.time_zone import user_timezone, zone_is_unset

PAGE_SIZE = 50
RANGES = ((7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year"))
DEFAULT_RANGE = 30
TOP = 10
FILTER_PARAMS = ("source", "artist", "q", "loved", "collapse")  # passed to ListenFilter as they are
CHART_PARAMS = ("source", "collapse")  # the filters the charts follow


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter_data(params: QueryDict, tz: ZoneInfo, *, with_dates: bool = True) -> dict[str, str]:
    """ListenFilter's input; the form's dates become the first and last instant of those days in `tz`."""
    data = {name: params.get(name, "").strip() for name in FILTER_PARAMS}
    if with_dates:
        since, until = _date(params.get("since")), _date(params.get("until"))
        if since:
            data["since"] = datetime.combine(since, time.min, tzinfo=tz).isoformat()
        if until:
            data["until"] = datetime.combine(until, time.max, tzinfo=tz).isoformat()
    return data


@dataclass(frozen=True)
class Charts:
    days: int
    total: int
    per_day: SafeString
    top_artists: SafeString
    top_tracks: SafeString
    clock: SafeString


def _chart_query(user: User, params: QueryDict, days: int) -> StatsQuery:
    """The last `days` days, today included, in the stats' terms: of the page's filters only the
    sources and "each play once" (the stats count no artist, search or loved filter)."""
    data = QueryDict(mutable=True)
    for name in CHART_PARAMS:
        if value := params.get(name, ""):
            data[name] = value
    today = timezone.now().astimezone(user_zone(user)).date()
    data["from"], data["to"] = (today - timedelta(days=days - 1)).isoformat(), today.isoformat()
    return stats_query(user=user, data=data)


def history_charts(*, user: User, params: QueryDict, days: int) -> Charts:
    """The charts read `listening.stats.selectors`, as the Stats page does (nothing is counted here)."""
    q = _chart_query(user, params, days)
    per_day = stats_activity(q, bucket="day")
    return Charts(
        days=days,
        total=stats_totals(q)[0],  # the heading: the plays the bars show
        per_day=charts.daily_bars(
            [(date.fromisoformat(b.key), b.plays) for b in per_day], label=f"Plays per day, last {days} days"
        ),
        top_artists=charts.ranked_bars(
            [charts.Ranked(item.name, item.plays) for item in stats_top(q, kind="artists", limit=TOP)],
            label="Top artists",
        ),
        top_tracks=charts.ranked_bars(
            [
                charts.Ranked(item.name, item.plays, item.artist or "")
                for item in stats_top(q, kind="tracks", limit=TOP)
            ],
            label="Top tracks",
        ),
        clock=stats_display.clock_chart(stats_activity(q, bucket="clock")),
    )


@dataclass(frozen=True)
class Elsewhere:
    """Where an empty chart range's plays are: the newest play's day, and a link that shows it."""

    newest: date
    url: str
    label: str


def _elsewhere(listens: QuerySet[Listen], params: QueryDict, tz: ZoneInfo) -> Elsewhere | None:
    """For a range without plays: the shortest range that has the newest play, else the plays up to
    that day (the list below the charts)."""
    newest_at = listens.order_by("-played_at").values_list("played_at", flat=True).first()
    if newest_at is None:
        return None
    newest = newest_at.astimezone(tz).date()
    age = (timezone.now().astimezone(tz).date() - newest).days
    for n, label in RANGES:
        if age < n:
            return Elsewhere(newest, url_with(params, range=str(n), before=None), f"the last {label}")
    url = url_with(params, until=newest.isoformat(), before=None)
    return Elsewhere(newest, url, "the plays up to that day")


def _range(params: QueryDict) -> int:
    try:
        days = int(params.get("range", DEFAULT_RANGE))
    except ValueError:
        return DEFAULT_RANGE
    return days if days in dict(RANGES) else DEFAULT_RANGE


def _listen_page(
    user: User, params: QueryDict, tz: ZoneInfo
) -> tuple[ListenFilter, list[Listen], str | None]:
    filterset = ListenFilter(_filter_data(params, tz), queryset=listen_list(user=user))
    before = listen_cursor_decode(params.get("before", ""))
    rows, more = listen_page(filterset.qs, before=before, size=PAGE_SIZE)
    next_url = url_with(params, before=listen_cursor_encode(rows[-1])) if more else None
    return filterset, rows, next_url


@login_required
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    tz = user_timezone(request)
    params = request.GET
    filterset, rows, next_url = _listen_page(request.user, params, tz)
    context: dict[str, Any] = {
        "listens": rows,
        "next_url": next_url,
        "tzname": str(tz.key),
        "tz_unset": zone_is_unset(request),
    }
    is_scroll = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    with timezone.override(tz):
        if is_scroll and "before" in params:  # the infinite scroll's next rows only
            return render(request, "web/partials/history_rows.html", context)

        filtered = any(params.get(name) for name in (*FILTER_PARAMS, "since", "until", "before"))
        has_any = bool(rows) or (filtered and listen_list(user=request.user).exists())
        days = _range(params)
        chart_listens = ListenFilter(
            {name: params.get(name, "").strip() for name in CHART_PARAMS},
            queryset=listen_list(user=request.user),
        ).qs
        drawn, chart_errors = None, []
        if has_any:
            try:
                drawn = history_charts(user=request.user, params=params, days=days)
            except ValidationError as error:
                chart_errors = stats_display.error_messages(error)
        context.update(
            section="history",
            has_any=has_any,
            filtered=filtered,
            form=filterset.form,
            values={name: params.get(name, "") for name in (*FILTER_PARAMS, "since", "until")},
            sources=Source.choices,
            days=days,
            ranges=[(n, label, url_with(params, range=str(n), before=None)) for n, label in RANGES],
            charts=drawn,
            chart_errors=chart_errors,
            charts_partial=any(params.get(name) for name in ("artist", "q", "loved", "since", "until")),
            elsewhere=_elsewhere(chart_listens, params, tz) if drawn and not drawn.total else None,
        )
        return render(request, "web/history.html", context)


urlpatterns = [
    path("history", history, name="history"),
]
