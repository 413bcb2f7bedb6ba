"""The OpenAPI schema documents the errors every operation really answers, from what the view is.

drf-spectacular documents the success response only, so a client (and the schema fuzz test) could
not tell a documented 404 from a surprise. `AutoSchema` adds, once for every operation, an `Error`
response (`{"detail": ..., "code": ...}`, or `{"<field>": [...], "code": "invalid"}`) for each
status the view can answer, worked out from the view itself:

- 400: the operation takes a request body or query parameters (invalid input);
- 401: it accepts a credential (a wrong or expired one is refused, even where none is needed);
- 403: a permission that a signed-in user may lack, or a session-authenticated write without its
  CSRF token;
- 404: its path has parameters (no such object, or not yours), or it has pages (past the last one);
- 413, 415: it takes a request body (over REQUEST_BODY_MAX_BYTES or the view's upload limit; of
  a Content-Type it does not read, or none);
- 429: a DRF throttle scope, or a URL name that a middleware counts (the sign-in budget,
  settings.SCHEMA_THROTTLED_URL_NAMES).

What only the view's services know (a 409 conflict, a provider's 429 or 502: `PROVIDER_ERRORS`) the
view lists in `error_statuses` (a tuple of statuses, or a dict of HTTP method to statuses).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import cache
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import pagination
from rest_framework.authentication import SessionAuthentication

from core.error_codes import ERROR_CODE_VALUES

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "`detail` says what went wrong and how to fix it; `code` is stable for programs. Invalid "
        'input names each field instead: `{"<field>": ["<message>"], "code": "invalid"}`.'
    ),
    "properties": {
        "detail": {"type": "string"},
        # Every code there is (core/error_codes.py): programs may branch on any of them.
        "code": {"type": "string", "enum": ERROR_CODE_VALUES},
    },
    "required": ["code"],
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "Invalid input: the fields (or query parameters) at fault are named.",
    401: "No credential, or one that is wrong or expired.",
    403: "Signed in, but not allowed to do this (or a session write without its CSRF token).",
    404: "No such object, or not one of yours.",
    409: "The request conflicts with the current state (the code says which).",
    413: "The request body is larger than this address accepts.",
    415: "The request body's Content-Type is not one this operation reads.",
    429: "Too many requests: wait for Retry-After seconds.",
    502: "An external service failed; try again later.",
    503: "An external service is unavailable; try again later.",
}

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# For a view whose services call an external service (users/provider_errors.py): what it refuses
# (403: e.g. Premium required), cannot find (404: no key stored, no active device), a connection to
# renew (409), its rate limit (429), its outage (502/503). `error_statuses = PROVIDER_ERRORS`.
PROVIDER_ERRORS = (403, 404, 409, 429, 502, 503)
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


@cache
def _throttled_url_names() -> frozenset[str]:
    """The URL names a middleware answers 429 for (unsafe methods), from SCHEMA_THROTTLED_URL_NAMES."""
    location = getattr(settings, "SCHEMA_THROTTLED_URL_NAMES", "")
    return frozenset(import_string(location)) if location else frozenset()


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error responses each operation can answer (see above)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in sorted(self.error_statuses(operation)):
            responses.setdefault(
                str(status),
                {
                    "description": DESCRIPTIONS.get(status, "An error."),
                    "content": {"application/json": {"schema": self._error_component()}},
                },
            )
        return operation

    def get_paginated_name(self, serializer_name: str) -> str:
        """Cursor pages (`next`, `previous`, `results`) and numbered pages (with `count`) of the same
        serializer are different shapes: drf-spectacular would give both one name, and one wins."""
        if isinstance(self._get_paginator(), pagination.CursorPagination):
            return f"CursorPaginated{serializer_name}List"
        return super().get_paginated_name(serializer_name)

    def _error_component(self) -> dict[str, str]:
        # A copy: drf-spectacular's enum hook rewrites the schema it is given in place, and the
        # next schema generated would find the enum gone.
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=copy.deepcopy(ERROR_SCHEMA)
        )
        self.registry.register_on_missing(component)
        return component.ref

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """Every error status this operation can answer (the module's docstring says why each)."""
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        statuses: set[int] = set()
        if has_body or any(parameter.get("in") == "query" for parameter in parameters):
            statuses.add(400)
        if has_body:
            statuses |= {413, 415}
        if any(requirement for requirement in operation.get("security", [])):
            statuses.add(401)
        if self._may_be_forbidden():
            statuses.add(403)
        if _PATH_PARAMETER.search(self.path) or any(
            parameter.get("in") == "query" and parameter.get("name") == "page" for parameter in parameters
        ):
            statuses.add(404)  # no such object; or a page past the last one
        if self._is_throttled():
            statuses.add(429)
        statuses |= self._declared_statuses()
        return statuses

    def _may_be_forbidden(self) -> bool:
        if self.method in UNSAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication)
            for authenticator in self.view.get_authenticators()
        ):
            return True  # a session-authenticated write without its CSRF token
        # Ask each permission about a signed-in user who is nobody special.
        request = SimpleNamespace(
            method=self.method,
            user=SimpleNamespace(
                is_authenticated=True, is_admin=False, is_superuser=False, is_staff=False, pk=0
            ),
            auth=None,
        )
        for permission in self.view.get_permissions():
            try:
                # A stand-in with the attributes permissions read, not a Request.
                if not permission.has_permission(request, self.view):  # type: ignore[arg-type]
                    return True
            except Exception:  # a permission that needs more of the request than we made up
                return True
        return False

    def _is_throttled(self) -> bool:
        scope = getattr(self.view, "throttle_scope", None)
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        if scope and rates.get(scope) and self.view.get_throttles():  # the view's request has our method
            return True
        if self.method not in UNSAFE_METHODS:
            return False
        try:
            view_name = resolve(_PATH_PARAMETER.sub("1", self.path)).view_name
        except Resolver404:
            return False
        return view_name in _throttled_url_names()

    def _declared_statuses(self) -> set[int]:
        declared: Iterable[int] | dict[str, Iterable[int]] = getattr(self.view, "error_statuses", ())
        if isinstance(declared, dict):
            declared = declared.get(self.method, ())
        return set(declared)
