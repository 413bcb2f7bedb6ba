"""The year in review: `/stats/year/<yyyy>` (the page) and its shareable picture,
`/stats/year/<yyyy>.svg` and `.png`, always of the signed-in user's own plays.

The page takes the Stats page's `source` and `collapse` parameters, parsed by the same
`stats_query`; `?name=true` puts the user's name on the picture (left off by default).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import re_path
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.authenticated import AuthenticatedHttpRequest
from listening.stats.params import stats_query
from listening.stats.selectors import StatsQuery, YearReview, stats_year
from web import stats_display, year_image
from web.time_zone import zone_is_unset

KEPT = ("source", "collapse")


def _year_query(request: AuthenticatedHttpRequest, year: int) -> StatsQuery:
    """The year as a stats query: checks the sources and "each play once" as the API does."""
    data = QueryDict(mutable=True)
    for name in KEPT:
        data.setlist(name, request.GET.getlist(name))
    data["from"], data["to"] = f"{year:04d}-01-01", f"{year:04d}-12-31"
    return stats_query(user=request.user, data=data)


def _review(request: AuthenticatedHttpRequest, year: int) -> tuple[StatsQuery, YearReview]:
    q = _year_query(request, year)
    return q, stats_year(user=request.user, year=year, sources=q.sources, collapse=q.collapse)


def _kept_query(request: AuthenticatedHttpRequest, **extra: str) -> str:
    data = QueryDict(mutable=True)
    for name in KEPT:
        data.setlist(name, request.GET.getlist(name))
    data.update(extra)
    encoded = data.urlencode()
    return f"?{encoded}" if encoded else ""


def _error_response(request: AuthenticatedHttpRequest, year: int, error: ValidationError) -> HttpResponse:
    context = {"section": "stats", "year": year, "errors": stats_display.error_messages(error)}
    return render(request, "web/year_review.html", context, status=400)


@login_required
def year_review(request: AuthenticatedHttpRequest, year: str) -> HttpResponse:
    number = int(year)
    try:
        q, review = _review(request, number)
    except ValidationError as error:
        return _error_response(request, number, error)
    context: dict[str, Any] = {
        "section": "stats",
        "year": number,
        "review": review,
        "tops": [
            (kind, title, stats_display.top_chart(getattr(review, f"top_{kind}"), by="plays", label=title))
            for kind, title in stats_display.KINDS
        ],
        "curve": stats_display.curve_chart(review.months, bucket="month", label=f"Plays per month, {number}"),
        "query": _kept_query(request),
        "named_query": _kept_query(request, name="true"),
        "previous_year": number - 1,
        "next_year": number + 1 if number < timezone.now().astimezone(q.tz).year else None,
        "stats_query": f"?from={number:04d}-01-01&to={number:04d}-12-31",
        "tzname": q.tz.key,
        "tz_unset": zone_is_unset(request),
    }
    with timezone.override(q.tz):
        return render(request, "web/year_review.html", context)


def _picture(request: AuthenticatedHttpRequest, year: str) -> list[year_image.Shape] | HttpResponse:
    number = int(year)
    try:
        _, review = _review(request, number)
    except ValidationError as error:
        return HttpResponse(
            "\n".join(stats_display.error_messages(error)),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    name = request.user.get_short_name() if request.GET.get("name") == "true" else ""
    return year_image.year_layout(review, name=name)


def _download(response: HttpResponse, year: str, ext: str) -> HttpResponse:
    response["Content-Disposition"] = f'inline; filename="musichub-{year}.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def year_review_svg(request: AuthenticatedHttpRequest, year: str) -> HttpResponse:
    shapes = _picture(request, year)
    if isinstance(shapes, HttpResponse):
        return shapes
    return _download(HttpResponse(year_image.year_svg(shapes), content_type="image/svg+xml"), year, "svg")


@login_required
def year_review_png(request: AuthenticatedHttpRequest, year: str) -> HttpResponse:
    shapes = _picture(request, year)
    if isinstance(shapes, HttpResponse):
        return shapes
    return _download(HttpResponse(year_image.year_png(shapes), content_type="image/png"), year, "png")


urlpatterns = [
    re_path(r"^stats/year/(?P<year>[0-9]{4})$", year_review, name="year_review"),
    re_path(r"^stats/year/(?P<year>[0-9]{4})\.svg$", year_review_svg, name="year_review_svg"),
    re_path(r"^stats/year/(?P<year>[0-9]{4})\.png$", year_review_png, name="year_review_png"),
]
