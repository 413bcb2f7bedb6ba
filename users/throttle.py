"""The sign-in budget: one count per client address across every way in, and one per account.

Every way to sign in, sign up or use a sign-in secret (the API's login, registration, JWT refresh
and verify, password change and reset, e-mail verification and resend; the web's /signin, /signup,
password reset and e-mail confirmation pages; /admin/login/) spends from one budget per client
address: `AUTH_THROTTLE_RATE` submissions (POST and other unsafe methods; opening a form is free).
The address is `core.client_ip.client_ip`, so `X-Forwarded-For` counts only behind `NUM_PROXIES`
trusted proxies. The views are picked by URL name, so no view has to remember to opt in.

Guessing one account's password from many addresses is slowed by a second count, per account:
`AUTH_ACCOUNT_THROTTLE_RATE` *failed* sign-ins (Django's `user_login_failed`, which every
`authenticate()` sends). Only failures count, so nobody spends a victim's budget by registering,
asking for resets or signing in as themselves; once an account's failures reach the rate, every
sign-in to it, the right password included, is refused until the window ends (an attacker who
keeps guessing can keep an account's sign-in closed; its existing sessions and tokens keep working,
and the address budget limits how fast one address can do it). The check is an authentication
backend placed first, so it sees exactly the credentials the view authenticates with, whatever the
body's encoding, and refuses before any password is checked.

Both counts live in the cache (Redis with `REDIS_URL`, so every process shares them), counted by
django-ratelimit in fixed windows. A refusal is a 429 with `Retry-After`: JSON
`{"detail": ..., "code": "throttled"}` under /api/, a readable page elsewhere.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django_ratelimit.core import get_usage

from core.error_codes import ErrorCode
from users.models import User

logger = logging.getLogger(__name__)

# The URL names whose submissions spend the address budget.
API_VIEWS = frozenset(
    {
        "rest_login",
        "rest_register",
        "token_refresh",
        "token_verify",
        "rest_password_change",
        "rest_password_reset",
        "rest_password_reset_confirm",
        "rest_verify_email",
        "rest_resend_email",
    }
)
PAGE_VIEWS = frozenset(
    {
        "web:signin",
        "web:signup",
        "web:password-reset",
        "web:password-reset-confirm",
        "web:verify-email",
        "web:verify-email-sent",
        "admin:login",
    }
)
SIGN_IN_VIEWS = API_VIEWS | PAGE_VIEWS
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

ADDRESS_GROUP = "signin:address"
ACCOUNT_GROUP = "signin:account"
# Set on the Django request when the account budget refused a sign-in: seconds until it reopens.
ACCOUNT_REFUSED_ATTR = "_signin_account_retry_after"


def _retry_after(usage: dict[str, Any]) -> int:
    return max(1, int(usage["time_left"]))


def address_budget_spend(*, request: HttpRequest) -> int | None:
    """Counts one submission from the request's client address; seconds to wait if over budget."""
    usage = get_usage(
        request, group=ADDRESS_GROUP, key="ip", rate=settings.AUTH_THROTTLE_RATE, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    if usage["count"] == usage["limit"] + 1:  # once per window, not for every refused request
        logger.warning("Sign-in budget spent for one client address; refusing for %ss", usage["time_left"])
    return _retry_after(usage)


def _account_key(credentials: dict[str, Any]) -> Callable[[str, Any], str] | None:
    named = credentials.get("email") or credentials.get(User.USERNAME_FIELD) or credentials.get("username")
    if not isinstance(named, str) or not named.strip():
        return None
    account = User.objects.normalize_email(named)
    return lambda group, request: account


def account_budget_wait(*, credentials: dict[str, Any]) -> int | None:
    """Seconds until the named account may try again, if its failed sign-ins reached the rate."""
    key = _account_key(credentials)
    if key is None:
        return None
    usage = get_usage(None, group=ACCOUNT_GROUP, key=key, rate=settings.AUTH_ACCOUNT_THROTTLE_RATE)
    if usage is None:
        return None
    if usage["count"] >= usage["limit"] or usage["should_limit"]:
        return _retry_after(usage)
    return None


def account_budget_spend(*, credentials: dict[str, Any]) -> None:
    """Counts one failed sign-in against the named account."""
    key = _account_key(credentials)
    if key is None:
        return
    usage = get_usage(
        None, group=ACCOUNT_GROUP, key=key, rate=settings.AUTH_ACCOUNT_THROTTLE_RATE, increment=True
    )
    if usage is not None and usage["count"] == usage["limit"]:
        logger.warning("Sign-in budget spent for one account; refusing it for %ss", usage["time_left"])


def _django_request(request: Any) -> HttpRequest | None:
    """The Django request under a DRF `Request` (attributes set on the wrapper would not reach it)."""
    return getattr(request, "_request", request)


class AccountBudgetBackend:
    """First in AUTHENTICATION_BACKENDS: refuses any sign-in to an account whose failures reached
    `AUTH_ACCOUNT_THROTTLE_RATE`, before a password is checked. It never signs anyone in."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        wait = account_budget_wait(credentials=credentials)
        if wait is None:
            return None
        django_request = _django_request(request)
        if django_request is not None:
            setattr(django_request, ACCOUNT_REFUSED_ATTR, wait)
        raise PermissionDenied("too many failed sign-ins for this account")  # stops authenticate()

    # No get_user(): a backend that has one is what Django's test client's force_login() picks.


@receiver(user_login_failed, dispatch_uid="users.throttle.count_failed_sign_in")
def count_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    django_request = _django_request(request)
    if getattr(django_request, ACCOUNT_REFUSED_ATTR, None) is not None:
        return  # refused by the budget itself: no password was tried
    account_budget_spend(credentials=credentials)


def _wait_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def throttled_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with Retry-After: DRF's JSON shape for API paths, a page for the HTML forms."""
    message = f"Too many sign-in attempts. Try again in {_wait_words(retry_after)}."
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "code": ErrorCode.THROTTLED}, status=429)
    else:
        page = render_to_string(
            "users/throttled.html",
            {"message": message, "retry_after": retry_after, "back": request.path},
            request=request,
        )
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class SignInBudgetMiddleware:
    """Spends the address budget on every submission to a sign-in view (before the view runs), and
    turns a sign-in refused by the account budget into a 429 (after the view said "wrong password")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        wait = getattr(request, ACCOUNT_REFUSED_ATTR, None)
        if wait is not None:
            return throttled_response(request, wait)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if request.method in SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is None or match.view_name not in SIGN_IN_VIEWS:
            return None
        wait = address_budget_spend(request=request)
        return throttled_response(request, wait) if wait is not None else None
