"""WebSocket sign-in for API clients, beside the browser's session cookie.

A client offers its credential as a subprotocol, `Sec-WebSocket-Protocol: token.<DRF key>` or
`bearer.<access JWT>` (never in the URL, which ends up in logs); the socket is accepted with that
subprotocol echoed. A credential that does not check out leaves the connection anonymous.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken

from users import selectors
from users.authentication import JWTAuthentication
from users.models import User


def user_for_subprotocol(subprotocol: str) -> User | None:
    """The same checks as the API's `Token` and `Bearer` authentication (revoked by a new password too)."""
    kind, _, credential = subprotocol.partition(".")
    if not credential:
        return None
    if kind == "token":
        token = selectors.api_token_for_key(key=credential)
        user = token.user if token else None
    elif kind == "bearer":
        jwt_authentication = JWTAuthentication()
        try:
            user = jwt_authentication.get_user(jwt_authentication.get_validated_token(credential.encode()))
        except (InvalidToken, AuthenticationFailed):
            return None
    else:
        return None
    return user if user is not None and user.is_active else None


class SubprotocolAuthMiddleware(BaseMiddleware):
    """Runs inside Channels' AuthMiddlewareStack: a session user wins; otherwise the subprotocol."""

    async def __call__(self, scope: dict[str, Any], receive, send):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            for subprotocol in scope.get("subprotocols") or []:
                found = await database_sync_to_async(user_for_subprotocol)(subprotocol)
                if found is not None:
                    scope = {**scope, "user": found, "accepted_subprotocol": subprotocol}
                    break
        return await super().__call__(scope, receive, send)
