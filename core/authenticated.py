"""The request a view sees once authentication let it through, typed as such.

Django and DRF type `request.user` as "a user or AnonymousUser". Behind `IsAuthenticated` (the API's
default permission) or `@login_required` (the pages) only a signed-in user gets in, so a view annotated
with one of these types passes `request.user` to services typed `user: User` as it is:

    def post(self, request: AuthenticatedRequest) -> Response:
        message = message_send(sender=request.user, ...)

    class MessageListView(generics.ListAPIView):
        request: AuthenticatedRequest  # self.request.user in get_queryset()

At run time they are plain `Request` / `HttpRequest`: the permission is what guarantees the user, these
only tell the type checker. A view that lets anonymous visitors in keeps the plain request type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    # `_User`: django-stubs resolves this alias to AUTH_USER_MODEL (users.User), so core names no app.
    from django.contrib.auth.models import AnonymousUser, _User

    class AuthenticatedRequest(Request):
        """A DRF request whose user is signed in."""

        @property
        def user(self) -> _User: ...
        @user.setter
        def user(self, value: _User | AnonymousUser) -> None: ...

    class AuthenticatedHttpRequest(HttpRequest):
        """A Django request whose user is signed in (a page behind @login_required)."""

        user: _User

else:
    AuthenticatedRequest = Request
    AuthenticatedHttpRequest = HttpRequest

__all__ = ["AuthenticatedHttpRequest", "AuthenticatedRequest"]
