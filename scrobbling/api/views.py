"""The ListenBrainz API (`/1/…`), as ListenBrainz answers it: JSON whatever the request's Content-Type,
errors as `{"code": status, "error": message}`, rate-limit headers on every answer. Plain Django views
(not DRF): the protocol's own auth, error shape and body handling, CSRF-exempt."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from scrobbling import selectors, services
from scrobbling.api.shapes import listen_json, playing_now_json
from scrobbling.ratelimit import rate_limit_spend
from scrobbling.validation import ListenBrainzError, parse_submission
from users.models import User
from users.services import user_name_ensure

DEFAULT_COUNT = 25
MAX_COUNT = 1000
MAX_TS = 32503680000  # year 3000: a bound further than that bounds nothing

View = Callable[..., HttpResponse]


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "error": message}, status=status)


def listenbrainz_endpoint(*methods: str) -> Callable[[View], View]:
    """Rate limit, allowed methods and the error shape, around one endpoint."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            usage = rate_limit_spend(request)
            if usage.limited:
                response: HttpResponse = _error(
                    429, f"You have exceeded your rate limit. Wait {usage.reset_in} seconds and try again."
                )
                response["Retry-After"] = str(usage.reset_in)
            elif request.method not in allowed:
                response = _error(405, "The method is not allowed for the requested URL.")
                response["Allow"] = ", ".join(sorted(allowed))
            else:
                try:
                    response = view(request, *args, **kwargs)
                except ListenBrainzError as exc:
                    response = JsonResponse(exc.as_body(), status=exc.status)
            for name, value in usage.headers().items():
                response[name] = value
            return response

        return endpoint

    return wrap


def _header_token(request: HttpRequest) -> str | None:
    """The token of `Authorization: <any word> <token>`, None without the header."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    _, space, token = header.partition(" ")
    if not space or not token.strip():
        raise ListenBrainzError("Provided Authorization header is invalid.", status=401)
    return token.strip()


def _authenticated(request: HttpRequest) -> User:
    token = _header_token(request)
    if token is None:
        raise ListenBrainzError("You need to provide an Authorization header.", status=401)
    user = services.listenbrainz_token_authenticate(token=token)
    if user is None:
        raise ListenBrainzError("Invalid authorization token.", status=401)
    return user


def _readable(request: HttpRequest, user_name: str) -> User:
    """The named user, if their listens are public or the request carries their token."""
    owner = selectors.user_by_name(name=user_name)
    if owner is None:
        raise ListenBrainzError(f"Cannot find user: {user_name}", status=404)
    if selectors.listens_public(user=owner):
        return owner
    if _authenticated(request).pk != owner.pk:
        raise ListenBrainzError(f"Cannot find user: {user_name}", status=404)
    return owner


def _timestamp(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise ListenBrainzError(f"'{name}' should be a non-negative integer") from None
    if number < 0:
        raise ListenBrainzError(f"'{name}' should be a non-negative integer")
    return min(number, MAX_TS)


def _count(request: HttpRequest) -> int:
    value = request.GET.get("count")
    if value is None or value == "":
        return DEFAULT_COUNT
    try:
        number = int(value)
    except ValueError:
        raise ListenBrainzError("'count' should be a non-negative integer") from None
    if number < 0:
        raise ListenBrainzError("Number of items requested should be positive")
    return min(number, MAX_COUNT)


@listenbrainz_endpoint("GET")
def validate_token(request: HttpRequest) -> HttpResponse:
    token = _header_token(request)
    if token is None:
        token = request.GET.get("token", "").strip()
        if not token:
            raise ListenBrainzError("You need to provide an Authorization token.")
    user = services.listenbrainz_token_authenticate(token=token)
    if user is None:
        return JsonResponse({"code": 200, "message": "Token invalid.", "valid": False})
    # Some clients (Pano Scrobbler) refuse a valid answer without a user name: there always is one.
    user_name = user.user_name or user_name_ensure(user=user)
    return JsonResponse({"code": 200, "message": "Token valid.", "valid": True, "user_name": user_name})


@listenbrainz_endpoint("POST")
def submit_listens(request: HttpRequest) -> HttpResponse:
    user = _authenticated(request)
    # Read as bytes, whatever the Content-Type (some players send none); the body limit was checked
    # from its Content-Length before the view (core/request_limits.py).
    submission = parse_submission(request.read())
    services.listens_submit(user=user, submission=submission)
    return JsonResponse({"status": "ok"})


@listenbrainz_endpoint("POST")
def playing_now_delete(request: HttpRequest) -> HttpResponse:
    user = _authenticated(request)
    services.playing_now_clear(user=user)
    return JsonResponse({"status": "ok", "message": "Playing now cleared successfully"})


@listenbrainz_endpoint("GET")
def user_listens(request: HttpRequest, user_name: str) -> HttpResponse:
    owner = _readable(request, user_name)
    min_ts, max_ts = _timestamp(request, "min_ts"), _timestamp(request, "max_ts")
    count = _count(request)
    if min_ts is not None and max_ts is not None and min_ts >= max_ts:
        raise ListenBrainzError("min_ts should be less than max_ts")
    page = selectors.listens_page(user=owner, min_ts=min_ts, max_ts=max_ts, count=count)
    listens = [listen_json(row, user_name=owner.user_name or "") for row in page.listens]
    payload = {
        "count": len(listens),
        "listens": listens,
        "latest_listen_ts": page.latest_listen_ts,
        "oldest_listen_ts": page.oldest_listen_ts,
        "user_id": owner.user_name,
    }
    return JsonResponse({"payload": payload})


@listenbrainz_endpoint("GET")
def user_listen_count(request: HttpRequest, user_name: str) -> HttpResponse:
    owner = _readable(request, user_name)
    return JsonResponse({"payload": {"count": selectors.listen_count(user=owner)}})


@listenbrainz_endpoint("GET")
def user_playing_now(request: HttpRequest, user_name: str) -> HttpResponse:
    owner = _readable(request, user_name)
    playing = selectors.playing_now_of(user=owner)
    name = owner.user_name or ""
    listens = [playing_now_json(playing.track_metadata, user_name=name)] if playing else []
    payload = {"count": len(listens), "user_id": name, "playing_now": True, "listens": listens}
    return JsonResponse({"payload": payload})


@listenbrainz_endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def not_served(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Endpoints ListenBrainz has and MusicHub does not (feedback, stats, metadata…): a JSON 404."""
    return _error(
        404, "Not found. MusicHub serves validate-token, submit-listens, playing-now and user listens."
    )
