"""Deezer: the API (`https://api.deezer.com`) at `/deezer-api`, channel `deezer-api`, and the connect
service (`https://connect.deezer.com`) at `/deezer-connect`, channel `deezer-connect`.

Connect:
- `GET /deezer-connect/oauth/auth.php?app_id&redirect_uri&perms&state` approves at once and redirects
  to `redirect_uri?code=…&state=…` (after `set_consent {"approve": false}`: `?error_reason=user_denied`).
  An unknown app id gets a 400 text page. Codes are single-use and last 10 minutes.
- `GET /deezer-connect/oauth/access_token.php?app_id&secret&code[&output=json]` →
  `access_token=…&expires=3600` (text/html), or `{"access_token","expires"}` with `output=json`.
  `offline_access` gives `expires=0` (never).
  A bad code or secret answers HTTP 200 with the phrase `wrong code` / `wrong app_id or secret`, or with
  `output=json` an OAuthException object (code 300) [U: the real wording is not documented].

API (every error is HTTP **200** with `{"error":{"type","message","code"}}`):
- `GET /deezer-api/user/me?access_token=…` → the token's user. No token → OAuthException code 200; an
  unknown, expired or revoked token → OAuthException code 300 "Invalid OAuth access token.".
- `GET /deezer-api/user/<id>` → a public profile; unknown ids → DataException 800 "no data".
- More than `RATE_LIMIT_REQUESTS` calls per `RATE_LIMIT_WINDOW` seconds per token → Exception code 4
  "Quota limit exceeded".

Seeded: app `DEEZER_APP_ID` "600001" / `DEEZER_APP_SECRET`, redirect URIs unrestricted; user
`DEEZER_USER_ID` 2529 "wiz" (SE, wiz@example.com) with the never-expiring `DEEZER_ACCESS_TOKEN`
(perms basic_access,email,offline_access,listening_history); a second public user 4001 "nova_fan".

Admin (`POST /_sandbox/deezer/<action>`): `issue_token {"user_id"?, "perms"?, "expires"?}` →
{"access_token","expires"}; `expire_token {"access_token"}`; `revoke_token {"access_token"}`;
`set_consent {"approve"}`; `set_token_lifetime {"seconds"}`; `set_rate_limit {"requests","window"}`.
Faults on `deezer-api`: 401/404/429 answer in Deezer's HTTP-200 error shape; 5xx keep their status.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

DEEZER_APP_ID = "600001"
DEEZER_APP_SECRET = "sandbox-deezer-app-secret-000000"
DEEZER_USER_ID = 2529
DEEZER_ACCESS_TOKEN = "frSBXdeezerAccessToken0000000000000000000000000000"
DEEZER_ALL_PERMS = ("basic_access", "email", "offline_access", "listening_history")
TOKEN_LIFETIME = 3600
CODE_LIFETIME = 600
RATE_LIMIT_REQUESTS = 50
RATE_LIMIT_WINDOW = 5.0
SEED = 3003

DEEZER_USERS: dict[int, dict[str, Any]] = {
    DEEZER_USER_ID: {
        "name": "wiz",
        "country": "SE",
        "email": "wiz@example.com",
        "lastname": "",
        "firstname": "",
    },
    4001: {"name": "nova_fan", "country": "FR", "email": "nova@example.com", "lastname": "", "firstname": ""},
}

QUOTA_ERROR = {"type": "Exception", "message": "Quota limit exceeded", "code": 4}
NO_TOKEN_ERROR = {
    "type": "OAuthException",
    "message": "An active access token must be used to query information about the current user",
    "code": 200,
}
INVALID_TOKEN_ERROR = {"type": "OAuthException", "message": "Invalid OAuth access token.", "code": 300}
NOT_FOUND_ERROR = {"type": "DataException", "message": "no data", "code": 800}


def deezer_error(error: dict[str, Any], status: int = 200) -> Response:
    return json_response({"error": error}, status=status)


def public_user(user_id: int) -> dict[str, Any]:
    user = DEEZER_USERS[user_id]
    return {
        "id": user_id,
        "name": user["name"],
        "lastname": user["lastname"],
        "firstname": user["firstname"],
        "country": user["country"],
        "link": f"https://www.deezer.com/profile/{user_id}",
        "picture": f"https://api.deezer.com/user/{user_id}/image",
        "picture_small": f"https://e-cdns-images.dzcdn.net/images/user/{user_id}/56x56-000000-80-0-0.jpg",
        "tracklist": f"https://api.deezer.com/user/{user_id}/flow",
        "type": "user",
    }


@register
class DeezerService(Service):
    name = "deezer"
    mounts = {"/deezer-api": "deezer-api", "/deezer-connect": "deezer-connect"}
    env = {"DEEZER_API_URL": "/deezer-api", "DEEZER_CONNECT_URL": "/deezer-connect"}
    rules = [
        Rule("/deezer-connect/oauth/auth.php", endpoint="authorize", methods=["GET"]),
        Rule("/deezer-connect/oauth/access_token.php", endpoint="access_token", methods=["GET", "POST"]),
        Rule("/deezer-api/user/me", endpoint="me", methods=["GET"]),
        Rule("/deezer-api/user/<int:user_id>", endpoint="user", methods=["GET"]),
    ]

    def reset(self) -> None:
        self.rng = random.Random(SEED)
        self.tokens: dict[str, dict[str, Any]] = {
            DEEZER_ACCESS_TOKEN: {"user_id": DEEZER_USER_ID, "perms": DEEZER_ALL_PERMS, "expires_at": None}
        }
        self.codes: dict[str, dict[str, Any]] = {}
        self.approve = True
        self.token_lifetime = TOKEN_LIFETIME
        self.rate_limit = (RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW)
        self.recent: dict[str, list[float]] = {}

    def _new_secret(self, prefix: str, length: int) -> str:
        return prefix + "".join(
            self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length)
        )

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        if channel == "deezer-connect":
            return Response(message or "error", status=status, content_type="text/html; charset=utf-8")
        if status == 401:
            return deezer_error(INVALID_TOKEN_ERROR)
        if status == 429:
            return deezer_error(QUOTA_ERROR)
        if status == 404:
            return deezer_error(NOT_FOUND_ERROR)
        return deezer_error({"type": "Exception", "message": message or "Service busy", "code": 700}, status)

    # --- connect ---------------------------------------------------------------------------

    def on_authorize(self, request: Request) -> Response:
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if args.get("app_id") != DEEZER_APP_ID or not redirect_uri:
            return Response(
                "Invalid app_id or redirect_uri", status=400, content_type="text/html; charset=utf-8"
            )
        answer: dict[str, str] = {}
        if self.approve:
            code = self._new_secret("fr", 30)
            perms = tuple(perm for perm in args.get("perms", "basic_access").split(",") if perm)
            self.codes[code] = {
                "user_id": DEEZER_USER_ID,
                "perms": perms,
                "expires_at": self.now() + CODE_LIFETIME,
            }
            answer["code"] = code
        else:
            answer["error_reason"] = "user_denied"
        if args.get("state"):
            answer["state"] = args["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return redirect(f"{redirect_uri}{separator}{urlencode(answer)}", code=302)

    def on_access_token(self, request: Request) -> Response:
        values = request.values
        as_json = values.get("output") == "json"

        def refuse(phrase: str) -> Response:
            if as_json:
                return deezer_error({"type": "OAuthException", "message": phrase, "code": 300})
            return Response(phrase, content_type="text/html; charset=utf-8")

        if values.get("app_id") != DEEZER_APP_ID or values.get("secret") != DEEZER_APP_SECRET:
            return refuse("wrong app_id or secret")
        grant = self.codes.pop(values.get("code", ""), None)
        if grant is None or grant["expires_at"] < self.now():
            return refuse("wrong code")
        expires = 0 if "offline_access" in grant["perms"] else self.token_lifetime
        token = self._issue(grant["user_id"], grant["perms"], expires)
        if as_json:
            return json_response({"access_token": token, "expires": expires})
        body = urlencode({"access_token": token, "expires": expires})
        return Response(body, content_type="text/html; charset=utf-8")

    def _issue(self, user_id: int, perms: tuple[str, ...], expires: int) -> str:
        token = self._new_secret("fr", 48)
        self.tokens[token] = {
            "user_id": user_id,
            "perms": perms,
            "expires_at": self.now() + expires if expires else None,
        }
        return token

    # --- API -------------------------------------------------------------------------------

    def _token_error(self, token: str | None, *, required: bool) -> Response | None:
        if not token:
            return deezer_error(NO_TOKEN_ERROR) if required else None
        grant = self.tokens.get(token)
        if grant is None or (grant["expires_at"] is not None and grant["expires_at"] < self.now()):
            return deezer_error(INVALID_TOKEN_ERROR)
        return self._rate_limited(token)

    def _rate_limited(self, token: str) -> Response | None:
        requests, window = self.rate_limit
        now = self.now()
        recent = [moment for moment in self.recent.get(token, []) if moment > now - window]
        recent.append(now)
        self.recent[token] = recent
        return deezer_error(QUOTA_ERROR) if len(recent) > requests else None

    def on_me(self, request: Request) -> Response:
        token = request.args.get("access_token")
        error = self._token_error(token, required=True)
        if error is not None:
            return error
        assert token is not None  # _token_error refused a missing one
        grant = self.tokens[token]
        body = public_user(grant["user_id"])
        if "email" in grant["perms"]:
            body["email"] = DEEZER_USERS[grant["user_id"]]["email"]
        return json_response(body)

    def on_user(self, request: Request, user_id: int) -> Response:
        error = self._token_error(request.args.get("access_token"), required=False)
        if error is not None:
            return error
        if user_id not in DEEZER_USERS:
            return deezer_error(NOT_FOUND_ERROR)
        return json_response(public_user(user_id))

    # --- admin -----------------------------------------------------------------------------

    def admin_issue_token(self, payload: dict[str, Any]) -> Response:
        expires = int(payload.get("expires", self.token_lifetime))
        perms = tuple(payload.get("perms", DEEZER_ALL_PERMS))
        token = self._issue(int(payload.get("user_id", DEEZER_USER_ID)), perms, expires)
        return json_response({"access_token": token, "expires": expires})

    def admin_expire_token(self, payload: dict[str, Any]) -> Response:
        grant = self.tokens.get(str(payload.get("access_token")))
        if grant is None:
            return json_response({"error": "unknown access_token"}, status=404)
        grant["expires_at"] = self.now() - 1
        return json_response({"expired": True})

    def admin_revoke_token(self, payload: dict[str, Any]) -> Response:
        revoked = self.tokens.pop(str(payload.get("access_token")), None) is not None
        return json_response({"revoked": revoked})

    def admin_set_consent(self, payload: dict[str, Any]) -> Response:
        self.approve = bool(payload.get("approve", True))
        return json_response({"approve": self.approve})

    def admin_set_token_lifetime(self, payload: dict[str, Any]) -> Response:
        self.token_lifetime = int(payload["seconds"])
        return json_response({"seconds": self.token_lifetime})

    def admin_set_rate_limit(self, payload: dict[str, Any]) -> Response:
        self.rate_limit = (
            int(payload.get("requests", RATE_LIMIT_REQUESTS)),
            float(payload.get("window", 5.0)),
        )
        self.recent.clear()
        return json_response({"requests": self.rate_limit[0], "window": self.rate_limit[1]})
