"""The user's time zone on the pages: the profile's setting, and on the first visit the browser's.

app.js (on every page, from the base template) keeps a `tz` cookie with the browser's zone
(`Intl.DateTimeFormat().resolvedOptions().timeZone`). While a signed-in user has chosen no zone, the
first page request that carries a valid cookie stores it in the profile, once; from then on the
profile is the source of truth and the cookie is ignored (the profile page changes it).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse

from users.selectors import user_zone
from users.services import user_time_zone_default

TZ_COOKIE = "tz"


def user_timezone(request: HttpRequest) -> ZoneInfo:
    """The zone a page draws times and counts days in: the signed-in user's (UTC while unset)."""
    return user_zone(request.user)  # type: ignore[arg-type]  # an AnonymousUser reads as UTC


def zone_is_unset(request: HttpRequest) -> bool:
    """True while the page is drawn in UTC only because no zone is chosen yet (app.js reloads such
    a page once, when it has just set the cookie that the next request stores)."""
    return request.user.is_authenticated and not request.user.time_zone


class TimeZoneDefaultMiddleware:
    """On a page (the `web` namespace) for a signed-in user without a zone: stores the `tz` cookie's
    zone when it is a real one. An unknown or absent cookie changes nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        cookie = request.COOKIES.get(TZ_COOKIE)
        match = request.resolver_match
        if not cookie or match is None or match.namespace != "web":
            return None  # the API, the admin, static files: their requests do not load the user here
        user = request.user
        if user.is_authenticated and not user.time_zone:
            user_time_zone_default(user=user, time_zone=unquote(cookie)[:200])
        return None
