"""The listening history: filters, infinite scroll on a keyset cursor, and charts in the user's time zone.

The time zone is the profile's (web.time_zone: the browser's on the first visit, then the one the
user chooses on the profile page); UTC while none is set. The charts are aggregated by the database
(a handful of GROUP BY queries whatever the number of plays) and drawn as SVG on the server
(`web.charts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString

from core.authenticated import AuthenticatedHttpRequest
from listening.filters import ListenFilter
from listening.models import Listen, Source
from listening.selectors import (
    listen_activity,
    listen_cursor_decode,
    listen_cursor_encode,
    listen_list,
    listen_page,
)
from users.models import User
from web import charts
from web.time_zone import user_timezone, zone_is_unset

PAGE_SIZE = 50
RANGES = ((7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year"))
DEFAULT_RANGE = 30
TOP = 10
FILTER_PARAMS = ("source", "artist", "q", "loved", "collapse")  # passed to ListenFilter as they are


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


def history_charts(*, listens: QuerySet[Listen], tz: ZoneInfo, days: int) -> Charts:
    activity = listen_activity(listens=listens, tz=tz, days=days, top=TOP)
    return Charts(
        days=days,
        total=activity.total,
        per_day=charts.daily_bars(activity.per_day, label=f"Plays per day, last {days} days"),
        top_artists=charts.ranked_bars(
            [charts.Ranked(name, n) for name, n in activity.top_artists], label="Top artists"
        ),
        top_tracks=charts.ranked_bars(
            [charts.Ranked(title, n, artist) for title, artist, n in activity.top_tracks], label="Top tracks"
        ),
        clock=charts.hour_clock(activity.per_hour, label="Plays by hour of day"),
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
            return Elsewhere(newest, _url_with(params, range=str(n), before=None), f"the last {label}")
    url = _url_with(params, until=newest.isoformat(), before=None)
    return Elsewhere(newest, url, "the plays up to that day")


def _range(params: QueryDict) -> int:
    try:
        days = int(params.get("range", DEFAULT_RANGE))
    except ValueError:
        return DEFAULT_RANGE
    return days if days in dict(RANGES) else DEFAULT_RANGE


def _url_with(params: QueryDict, **changes: str | None) -> str:
    query = params.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _listen_page(
    user: User, params: QueryDict, tz: ZoneInfo
) -> tuple[ListenFilter, list[Listen], str | None]:
    filterset = ListenFilter(_filter_data(params, tz), queryset=listen_list(user=user))
    before = listen_cursor_decode(params.get("before", ""))
    rows, more = listen_page(filterset.qs, before=before, size=PAGE_SIZE)
    next_url = _url_with(params, before=listen_cursor_encode(rows[-1])) if more else None
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
            _filter_data(params, tz, with_dates=False), queryset=listen_list(user=request.user)
        ).qs
        drawn = history_charts(listens=chart_listens, tz=tz, days=days) if has_any else None
        context.update(
            section="history",
            has_any=has_any,
            filtered=filtered,
            form=filterset.form,
            values={name: params.get(name, "") for name in (*FILTER_PARAMS, "since", "until")},
            sources=Source.choices,
            days=days,
            ranges=[(n, label, _url_with(params, range=str(n), before=None)) for n, label in RANGES],
            charts=drawn,
            elsewhere=_elsewhere(chart_listens, params, tz) if drawn and not drawn.total else None,
        )
        return render(request, "web/history.html", context)


urlpatterns = [
    path("history", history, name="history"),
]
