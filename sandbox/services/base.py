"""What every fake provider shares: routing, state reset, provider-shaped error bodies, faults."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault

if TYPE_CHECKING:
    from sandbox.app import Sandbox


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers, content_type="application/json")


class Service:
    """A fake provider.

    - `mounts`: URL prefix → channel name (faults and call logs are per channel), e.g.
      `{"/spotify-api/v1": "spotify-api"}`. Rules are written with the full path.
    - `env`: setting name → prefix (or an absolute value starting with `=`), so the project can be
      pointed here: `{"SPOTIFY_API_URL": "/spotify-api/v1", "SPOTIFY_CLIENT_ID": "=sandbox-client"}`.
    - `rules`: werkzeug `Rule`s whose endpoint names a method `on_<endpoint>(request, **values)`.
    - `admin_<action>(payload) -> Response` methods answer `POST /_sandbox/<name>/<action>`.
    """

    name: str = ""
    mounts: dict[str, str] = {}
    env: dict[str, str] = {}
    rules: list[Rule] = []

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url_map = Map(self.rules, strict_slashes=False, merge_slashes=False)
        self.reset()

    # --- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Restore the seeded state (called at start and by `POST /_sandbox/reset`)."""

    # What `python -m sandbox --state FILE` keeps across restarts: every attribute `reset` sets.
    def state(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if name not in ("sandbox", "url_map")}

    def restore(self, state: dict[str, Any]) -> bool:
        """Takes a saved state when it has the same attributes as a fresh one (same code); else keeps
        the seeded state and answers False."""
        if set(state) != set(self.state()):
            return False
        vars(self).update(state)
        return True

    # --- errors in the provider's own format ---------------------------------------------

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        """An error body shaped like this provider's. Override per provider."""
        return json_response({"error": {"status": status, "message": message or "error"}}, status=status)

    def fault_response(self, channel: str, request: Request, fault: Fault) -> Response | None:
        """The answer for an injected fault; None lets the call through (after any delay)."""
        if fault.kind == "hang":
            return None  # the delay already happened
        if fault.kind == "malformed":
            return Response('{"truncated": ', status=200, content_type="application/json")
        if fault.kind == "empty":
            return Response(b"", status=fault.status if fault.status != 500 else 200)
        if fault.kind == "plain":
            return Response(fault.message or "Error", status=fault.status, content_type="text/plain")
        if fault.kind in ("token_expired", "token_revoked"):
            return self.token_fault_response(channel, request, fault)
        response = self.error_response(channel, fault.status, fault.message, fault)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    def token_fault_response(self, channel: str, request: Request, fault: Fault) -> Response:
        return self.error_response(channel, 401, fault.message or "The access token expired", fault)

    # --- dispatch ------------------------------------------------------------------------

    def dispatch(self, channel: str, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except NotFound:
            return self.error_response(channel, 404, "Service not found")
        except HTTPException as exc:
            return self.error_response(channel, exc.code or 400, exc.description)
        handler = getattr(self, f"on_{endpoint}")
        return handler(request, **values)

    def admin(self, action: str, payload: dict[str, Any]) -> Response:
        handler = getattr(self, f"admin_{action}", None)
        if handler is None:
            return json_response({"error": f"{self.name} has no admin action {action!r}"}, status=404)
        return handler(payload)

    @staticmethod
    def now() -> float:
        return time.time()
