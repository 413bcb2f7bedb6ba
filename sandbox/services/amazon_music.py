"""Amazon: Login with Amazon (`https://api.amazon.com`) at `/amazon-auth`, channel `amazon-auth`, and the
Amazon Music Web API (`https://api.music.amazon.dev/v1`) at `/amazon-music/v1`, channel `amazon-music`.

- `POST /amazon-auth/auth/o2/token` (form; client id/secret in the body or by HTTP Basic):
  `grant_type=refresh_token&refresh_token=…` or `grant_type=authorization_code&code=…&redirect_uri=…` →
  `{"access_token":"Atza|…","refresh_token":"Atzr|…","token_type":"bearer","expires_in":3600}`.
  Errors are RFC 6749 `{"error","error_description"}`: bad client → 401 `invalid_client`; unknown, revoked
  or reused refresh token / code, or a redirect_uri that differs → 400 `invalid_grant`; no grant → 400
  `invalid_request`; another grant → 400 `unsupported_grant_type`.
- `GET /amazon-auth/user/profile` (Bearer) → `{"user_id":"amzn1.account.…","name","email"}`; no token → 400
  `invalid_request`; an unknown or expired one → 401 `invalid_token` [U: LWA's exact statuses].
- `/amazon-music/v1/…`: a closed beta — every call answers 403 `{"message": …}` [U].

Seeded: client `AMAZON_CLIENT_ID` / `AMAZON_CLIENT_SECRET`; user `AMAZON_USER_ID` "Wiz" <wiz@example.com>
with `AMAZON_REFRESH_TOKEN` and an access token `AMAZON_ACCESS_TOKEN` that lasts until the next reset.
Admin (`POST /_sandbox/amazon_music/<action>`): `issue_code {"redirect_uri"}` → {"code"} (single use,
5 minutes);
`revoke_refresh_token {"refresh_token"?}`; `expire_access_token {"access_token"?}` (all when omitted);
`set_token_lifetime {"seconds"}`.
"""

from __future__ import annotations

import random
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

AMAZON_CLIENT_ID = "amzn1.application-oa2-client.sbx00000000000000000000000000001"
AMAZON_CLIENT_SECRET = "amzn1.oa2-cs.v1.sbx0000000000000000000000000000000000000000000000000000000001"
AMAZON_USER_ID = "amzn1.account.AFSBX0000000000000000000001"
AMAZON_USER = {"user_id": AMAZON_USER_ID, "name": "Wiz", "email": "wiz@example.com"}
AMAZON_REFRESH_TOKEN = "Atzr|sbx-refresh-token-0000000000000000000000000000000001"
AMAZON_ACCESS_TOKEN = "Atza|sbx-access-token-00000000000000000000000000000000001"
TOKEN_LIFETIME = 3600
CODE_LIFETIME = 300
SEED_ACCESS_TOKEN_LIFETIME = 10 * 365 * 86400
SEED = 7007


def oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status=status)


@register
class AmazonMusicService(Service):
    name = "amazon_music"
    mounts = {"/amazon-music/v1": "amazon-music", "/amazon-auth": "amazon-auth"}
    env = {"AMAZON_MUSIC_API_URL": "/amazon-music/v1", "AMAZON_AUTH_URL": "/amazon-auth"}
    rules = [
        Rule("/amazon-auth/auth/o2/token", endpoint="token", methods=["POST"]),
        Rule("/amazon-auth/user/profile", endpoint="profile", methods=["GET"]),
        Rule("/amazon-music/v1/<path:rest>", endpoint="music_api"),
    ]

    def reset(self) -> None:
        self.rng = random.Random(SEED)
        self.access_tokens: dict[str, float] = {AMAZON_ACCESS_TOKEN: self.now() + SEED_ACCESS_TOKEN_LIFETIME}
        self.refresh_tokens: set[str] = {AMAZON_REFRESH_TOKEN}
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_lifetime = TOKEN_LIFETIME

    def _secret(self, prefix: str) -> str:
        return prefix + "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(48)
        )

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        if channel == "amazon-music":
            return json_response({"message": message or "error"}, status=status)
        errors = {
            400: "invalid_request",
            401: "invalid_token",
            403: "insufficient_scope",
            503: "temporarily_unavailable",
        }
        error = errors.get(status, "server_error")
        return oauth_error(status, error, message or error)

    # --- Login with Amazon -----------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        form = request.form
        auth = request.authorization
        client_id = auth.username if auth else form.get("client_id")
        secret = auth.password if auth else form.get("client_secret")
        if client_id != AMAZON_CLIENT_ID or secret != AMAZON_CLIENT_SECRET:
            return oauth_error(401, "invalid_client", "Client authentication failed")
        grant = form.get("grant_type")
        if not grant:
            return oauth_error(
                400, "invalid_request", "The request is missing a required parameter : grant_type"
            )
        if grant == "refresh_token":
            refresh_token = form.get("refresh_token", "")
            if refresh_token not in self.refresh_tokens:
                return oauth_error(
                    400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
                )
        elif grant == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)
            if issued is None or issued["expires_at"] < self.now():
                return oauth_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
            if issued["redirect_uri"] != form.get("redirect_uri"):
                return oauth_error(
                    400, "invalid_grant", "The request has an invalid grant parameter : redirect_uri"
                )
            refresh_token = self._secret("Atzr|")
            self.refresh_tokens.add(refresh_token)
        else:
            return oauth_error(
                400, "unsupported_grant_type", f"The authorization grant type {grant} is not supported"
            )
        access_token = self._secret("Atza|")
        self.access_tokens[access_token] = self.now() + self.token_lifetime
        return json_response(
            {
                "access_token": access_token,
                "refresh_token": refresh_token,
                "token_type": "bearer",
                "expires_in": self.token_lifetime,
            }
        )

    def on_profile(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if not token:
            return oauth_error(
                400, "invalid_request", "The request is missing a required parameter : access_token"
            )
        expiry = self.access_tokens.get(token)
        if expiry is None or expiry < self.now():
            return oauth_error(
                401,
                "invalid_token",
                "The access token provided is expired, revoked, malformed, or invalid for other reasons.",
            )
        return json_response(AMAZON_USER)

    # --- the closed Music Web API --------------------------------------------------------------

    def on_music_api(self, request: Request, rest: str) -> Response:
        return json_response(
            {"message": "The Amazon Music Web API is in closed beta and open to approved partners only."},
            status=403,
        )

    # --- admin -----------------------------------------------------------------------------

    def admin_issue_code(self, payload: dict[str, Any]) -> Response:
        code = self._secret("ANsbx")
        self.codes[code] = {
            "redirect_uri": str(payload.get("redirect_uri", "")),
            "expires_at": self.now() + CODE_LIFETIME,
        }
        return json_response({"code": code})

    def admin_revoke_refresh_token(self, payload: dict[str, Any]) -> Response:
        token = payload.get("refresh_token", AMAZON_REFRESH_TOKEN)
        self.refresh_tokens.discard(str(token))
        return json_response({"revoked": True})

    def admin_expire_access_token(self, payload: dict[str, Any]) -> Response:
        wanted = payload.get("access_token")
        for token in self.access_tokens:
            if wanted in (None, token):
                self.access_tokens[token] = self.now() - 1
        return json_response({"expired": True})

    def admin_set_token_lifetime(self, payload: dict[str, Any]) -> Response:
        self.token_lifetime = int(payload["seconds"])
        return json_response({"seconds": self.token_lifetime})
