"""The listening history: filters, infinite scroll on a keyset cursor, and charts in the user's time zone.

The time zone comes from a `tz` cookie that the page's inline script sets from the browser
(`Intl.DateTimeFormat().resolvedOptions().timeZone`), validated with zoneinfo; UTC without one. The
charts are aggregated by the database (a handful of GROUP BY queries whatever the number of plays)
and drawn as SVG on the server (`web.charts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString

from listening.filters import ListenFilter
from listening.models import Listen, Source
from listening.selectors import listen_list
from users.models import User
from web import charts

PAGE_SIZE = 50
RANGES = ((7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year"))
DEFAULT_RANGE = 30
TOP = 10
TZ_COOKIE = "tz"
FILTER_PARAMS = ("source", "artist", "q", "loved", "collapse")  # passed to ListenFilter as they are


def user_timezone(request: HttpRequest) -> ZoneInfo:
    """The browser's zone from the `tz` cookie when it is a real IANA zone, else UTC."""
    name = unquote(request.COOKIES.get(TZ_COOKIE, ""))[:64]
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return ZoneInfo("UTC")


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


def cursor_encode(listen: Listen) -> str:
    return f"{listen.played_at.astimezone(UTC).isoformat()}|{listen.pk}"


def cursor_decode(value: str) -> tuple[datetime, int] | None:
    stamp, _, pk = value.partition("|")
    try:
        played_at, listen_id = datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        return None
    if played_at.tzinfo is None:
        played_at = played_at.replace(tzinfo=UTC)
    return played_at, listen_id


def _older_than(listens: QuerySet[Listen], cursor: tuple[datetime, int]) -> QuerySet[Listen]:
    """The rows after `cursor` in (played_at, id) descending order: a keyset page, no OFFSET."""
    played_at, listen_id = cursor
    return listens.filter(Q(played_at__lt=played_at) | Q(played_at=played_at, id__lt=listen_id))


@dataclass(frozen=True)
class Charts:
    days: int
    total: int
    per_day: SafeString
    top_artists: SafeString
    top_tracks: SafeString
    clock: SafeString


def history_charts(*, listens: QuerySet[Listen], tz: ZoneInfo, days: int) -> Charts:
    """Four GROUP BY queries over the last `days` days (counted in `tz`, today included)."""
    today = timezone.now().astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    recent = listens.filter(played_at__gte=datetime.combine(first, time.min, tzinfo=tz)).order_by()

    counts = dict(
        recent.annotate(day=TruncDate("played_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    per_day = [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)]
    hours = [0] * 24
    for hour, n in (
        recent.annotate(hour=ExtractHour("played_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    ):
        hours[hour] = n
    artists = [
        charts.Ranked(row["artist"], row["n"])
        for row in recent.values("artist").annotate(n=Count("id")).order_by("-n", "artist")[:TOP]
    ]
    tracks = [
        charts.Ranked(row["title"], row["n"], row["artist"])
        for row in recent.values("title", "artist")
        .annotate(n=Count("id"))
        .order_by("-n", "title", "artist")[:TOP]
    ]
    return Charts(
        days=days,
        total=sum(counts.values()),
        per_day=charts.daily_bars(per_day, label=f"Plays per day, last {days} days"),
        top_artists=charts.ranked_bars(artists, label="Top artists"),
        top_tracks=charts.ranked_bars(tracks, label="Top tracks"),
        clock=charts.hour_clock(hours, label="Plays by hour of day"),
    )


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
    listens = filterset.qs
    cursor = cursor_decode(params.get("before", ""))
    if cursor is not None:
        listens = _older_than(listens, cursor)
    rows = list(listens[: PAGE_SIZE + 1])
    next_url = _url_with(params, before=cursor_encode(rows[PAGE_SIZE - 1])) if len(rows) > PAGE_SIZE else None
    return filterset, rows[:PAGE_SIZE], next_url


@login_required
def history(request: HttpRequest) -> HttpResponse:
    tz = user_timezone(request)
    params = request.GET
    filterset, rows, next_url = _listen_page(request.user, params, tz)
    context = {"listens": rows, "next_url": next_url, "tzname": str(tz.key)}
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
        context.update(
            section="history",
            has_any=has_any,
            filtered=filtered,
            form=filterset.form,
            values={name: params.get(name, "") for name in (*FILTER_PARAMS, "since", "until")},
            sources=Source.choices,
            days=days,
            ranges=[(n, label, _url_with(params, range=str(n), before=None)) for n, label in RANGES],
            charts=history_charts(listens=chart_listens, tz=tz, days=days) if has_any else None,
        )
        return render(request, "web/history.html", context)


urlpatterns = [
    path("history", history, name="history"),
]
