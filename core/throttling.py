"""DRF's scoped throttle, keyed on the trusted client address (`core.client_ip`) for anonymous callers.

DRF's own `get_ident` reads `X-Forwarded-For` from its `NUM_PROXIES` setting; the project answers
"who is the client" in one place, so the throttle asks that place. Signed-in callers are still
counted per user (the `messages` scope).

dj-rest-auth's views carry the scope "dj_rest_auth". Sign-in has one budget, counted by URL name
before any view runs (users/throttle.py), so DRF does not count those views a second time.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.request import Request

from core.client_ip import client_ip

# Scopes whose views the sign-in budget already counts.
SIGN_IN_SCOPES = frozenset({"dj_rest_auth"})


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        if getattr(view, self.scope_attr, None) in SIGN_IN_SCOPES:
            return True
        return super().allow_request(request, view)

    def get_ident(self, request: Request) -> str:
        return client_ip(request)
