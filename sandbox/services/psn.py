"""PlayStation Network (unofficial API), NPSSO → code → tokens → profile.

Mounts: `/psn-auth/api` (setting `PSN_AUTH_URL`, real `https://ca.account.sony.com/api`, channel `psn-auth`)
and `/psn-api/api` (setting `PSN_API_URL`, real `https://m.np.playstation.com/api`, channel `psn-api`).

Seeded (placeholder values, not Sony's):
- the PS app client: `PSN_CLIENT_ID` (`sandbox-psn-client-id`),
  `PSN_CLIENT_SECRET` (`sandbox-psn-client-secret`), `PSN_REDIRECT_URI` (`com.example.sandbox.psn://redirect`),
  scope `psn:mobile.v2.core psn:clientapp`.
- `PSN_NPSSO` (64 chars, `sandboxvalidnpsso000…`): signed in as `PSN_ONLINE_ID` "wiz_psn", account id
  `PSN_ACCOUNT_ID` (`2830573925712340901`). `PSN_EXPIRED_NPSSO` (`sandboxexpirednpsso000…`) and any other
  NPSSO are signed out. A second profile, `PSN_OTHER_ACCOUNT_ID` "nightowl_77", exists for lookups by id.

Endpoints:
- `GET /psn-auth/api/authz/v3/oauth/authorize` (`access_type=offline`, `client_id`, `redirect_uri`,
  `response_type=code`, `scope`) with `Cookie: npsso=…` → `302`,
  `Location: <redirect_uri>?code=v3.XXXXXX&cid=<uuid>` for a valid NPSSO, and otherwise (no `code`)
  `Location: <redirect_uri>?error=login_required&error_code=4165&error_description=…&cid=…`.
  Unknown `client_id` or `redirect_uri` → `400` RFC 6749 JSON (`invalid_client` / `invalid_request`).
  Codes are single-use and live `CODE_LIFETIME` (300 s).
- `POST /psn-auth/api/authz/v3/oauth/token`, form body, `Authorization: Basic base64(client_id:secret)`:
  `grant_type=authorization_code` (`code`, `redirect_uri`, `token_format=jwt`) or `grant_type=refresh_token`
  (`refresh_token`, `scope`, `token_format=jwt`) → `{access_token, token_type:"bearer", expires_in,
  refresh_token, refresh_token_expires_in, id_token, scope}`. With `token_format=jwt` the tokens are
  JWT-shaped (unsigned payload carries `sub` = account id). A refresh keeps the refresh token.
  Errors [U on codes]: bad Basic auth → `401 {"error":"invalid_client","error_description":
  "Bad client credentials","error_code":4102,"docs":…}`; bad/reused/expired code or refresh token →
  `400 invalid_grant`; other grants → `400 unsupported_grant_type`.
- `GET /psn-api/api/userProfile/v1/internal/users/{me|accountId}/profiles` with `Authorization: Bearer` →
  `{onlineId, aboutMe, avatars:[{size,url}], languages, isPlus, isOfficiallyVerified, isMe}`. Errors
  `{"error":{"referenceId","code","message"}}` (codes sandbox-chosen [U]): no/unknown/expired token → `401`
  (2241025 "Invalid token"), unknown account → `404` (2105356 "User not found").

Lifetimes: access `3599` s, refresh `5183999` s. Admin (`POST /_sandbox/psn/<action>`):
`set_token_lifetime {"access": s, "refresh": s}`, `expire_access_tokens {}`, `revoke_refresh_tokens {}`,
`expire_npsso {"npsso": …}` (signs that NPSSO out).
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from typing import Any
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

PSN_CLIENT_ID = "sandbox-psn-client-id"
PSN_CLIENT_SECRET = "sandbox-psn-client-secret"
PSN_REDIRECT_URI = "com.example.sandbox.psn://redirect"
PSN_SCOPE = "psn:mobile.v2.core psn:clientapp"
PSN_NPSSO = "sandboxvalidnpsso".ljust(64, "0")
PSN_EXPIRED_NPSSO = "sandboxexpirednpsso".ljust(64, "0")
PSN_ACCOUNT_ID = "2830573925712340901"
PSN_ONLINE_ID = "wiz_psn"
PSN_OTHER_ACCOUNT_ID = "7315520466108212233"
PSN_OTHER_ONLINE_ID = "nightowl_77"
ACCESS_LIFETIME = 3599
REFRESH_LIFETIME = 5_183_999
CODE_LIFETIME = 300
DOCS = "https://auth.api.sonyentertainmentnetwork.com/docs/"
AVATAR_BASE = "https://psn-rsc.prod.dl.playstation.net/psn-rsc/avatar/"

PROFILES: dict[str, dict[str, Any]] = {
    PSN_ACCOUNT_ID: {
        "onlineId": PSN_ONLINE_ID,
        "aboutMe": "Trophies and synthwave.",
        "avatars": [
            {"size": size, "url": f"{AVATAR_BASE}UP0000-SANDBOX_00/wiz_{size}.png"}
            for size in ("s", "m", "l", "xl")
        ],
        "languages": ["en-US", "sv-SE"],
        "isPlus": True,
        "isOfficiallyVerified": False,
    },
    PSN_OTHER_ACCOUNT_ID: {
        "onlineId": PSN_OTHER_ONLINE_ID,
        "aboutMe": "",
        "avatars": [{"size": "l", "url": f"{AVATAR_BASE}UP0000-SANDBOX_00/owl_l.png"}],
        "languages": ["ja-JP"],
        "isPlus": False,
        "isOfficiallyVerified": False,
    },
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def oauth_error(error: str, description: str, error_code: int, status: int = 400) -> Response:
    body = {"error": error, "error_description": description, "error_code": error_code, "docs": DOCS}
    return json_response(body, status=status)


@register
class PsnService(Service):
    name = "psn"
    mounts = {"/psn-auth/api": "psn-auth", "/psn-api/api": "psn-api"}
    env = {
        "PSN_AUTH_URL": "/psn-auth/api",
        "PSN_API_URL": "/psn-api/api",
        "PSN_CLIENT_ID": f"={PSN_CLIENT_ID}",
        "PSN_CLIENT_SECRET": f"={PSN_CLIENT_SECRET}",
        "PSN_REDIRECT_URI": f"={PSN_REDIRECT_URI}",
    }
    rules = [
        Rule("/psn-auth/api/authz/v3/oauth/authorize", endpoint="authorize", methods=["GET"]),
        Rule("/psn-auth/api/authz/v3/oauth/token", endpoint="token", methods=["POST"]),
        Rule(
            "/psn-api/api/userProfile/v1/internal/users/<account>/profiles",
            endpoint="profile",
            methods=["GET"],
        ),
    ]

    def reset(self) -> None:
        self.rng = random.Random(3003)
        self.npssos: dict[str, str] = {PSN_NPSSO: PSN_ACCOUNT_ID}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.access_lifetime = ACCESS_LIFETIME
        self.refresh_lifetime = REFRESH_LIFETIME

    # --- admin -----------------------------------------------------------------------------

    def admin_set_token_lifetime(self, payload: dict[str, Any]) -> Response:
        self.access_lifetime = int(payload.get("access", self.access_lifetime))
        self.refresh_lifetime = int(payload.get("refresh", self.refresh_lifetime))
        return json_response({"access": self.access_lifetime, "refresh": self.refresh_lifetime})

    def admin_expire_access_tokens(self, payload: dict[str, Any]) -> Response:
        for token in self.access_tokens.values():
            token["expires_at"] = 0
        return json_response({"expired": len(self.access_tokens)})

    def admin_revoke_refresh_tokens(self, payload: dict[str, Any]) -> Response:
        for token in self.refresh_tokens.values():
            token["revoked"] = True
        return json_response({"revoked": len(self.refresh_tokens)})

    def admin_expire_npsso(self, payload: dict[str, Any]) -> Response:
        removed = self.npssos.pop(str(payload.get("npsso", "")), None)
        return json_response({"expired": removed is not None})

    # --- errors ----------------------------------------------------------------------------

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        if channel == "psn-auth":
            return oauth_error("server_error", message or "Server error", 4000 + status % 100, status)
        return self.api_error(status, 2_240_000 + status, message or "Server error")

    def api_error(self, status: int, code: int, message: str) -> Response:
        reference = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return json_response({"error": {"referenceId": reference, "code": code, "message": message}}, status)

    # --- tokens ----------------------------------------------------------------------------

    def _token(self, account_id: str, kind: str, jwt: bool) -> str:
        if not jwt:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        now = int(self.now())
        header = {"alg": "RS256", "typ": "JWT", "kid": "sandbox"}
        claims = {"sub": account_id, "kind": kind, "iat": now, "jti": f"{self.rng.getrandbits(64):016x}"}
        signature = self.rng.getrandbits(256).to_bytes(32, "big")
        return ".".join(
            (_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()), _b64url(signature))
        )

    def _issue(self, account_id: str, refresh_token: str | None, jwt: bool) -> Response:
        now = self.now()
        access = self._token(account_id, "access", jwt)
        self.access_tokens[access] = {"account": account_id, "expires_at": now + self.access_lifetime}
        if refresh_token is None:
            refresh_token = self._token(account_id, "refresh", jwt)
            self.refresh_tokens[refresh_token] = {
                "account": account_id,
                "expires_at": now + self.refresh_lifetime,
                "revoked": False,
            }
        refresh = self.refresh_tokens[refresh_token]
        return json_response(
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.access_lifetime,
                "refresh_token": refresh_token,
                "refresh_token_expires_in": max(0, int(refresh["expires_at"] - now)),
                "id_token": self._token(account_id, "id", True),
                "scope": PSN_SCOPE,
            },
            headers={"Cache-Control": "no-store"},
        )

    # --- endpoints -------------------------------------------------------------------------

    def on_authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != PSN_CLIENT_ID:
            return oauth_error("invalid_client", "Bad client credentials", 4102)
        redirect_uri = args.get("redirect_uri", "")
        if redirect_uri != PSN_REDIRECT_URI:
            return oauth_error("invalid_request", "Invalid redirect_uri", 4017)
        if args.get("response_type") != "code":
            return oauth_error("unsupported_response_type", "Invalid response_type", 4019)
        cid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        account_id = self.npssos.get(request.cookies.get("npsso", ""))
        if account_id is None:
            query = {
                "error": "login_required",
                "error_code": "4165",
                "error_description": "Sign in to continue.",
                "cid": cid,
            }
        else:
            code = "v3." + "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
            self.codes[code] = {
                "account": account_id,
                "redirect_uri": redirect_uri,
                "expires_at": self.now() + CODE_LIFETIME,
            }
            query = {"code": code, "cid": cid}
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})

    def on_token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (PSN_CLIENT_ID, PSN_CLIENT_SECRET):
            return oauth_error("invalid_client", "Bad client credentials", 4102, status=401)
        form = request.form
        jwt = form.get("token_format") == "jwt"
        grant = form.get("grant_type")
        if grant == "authorization_code":
            code = self.codes.pop(form.get("code", ""), None)  # single use, even when refused below
            if code is None or code["expires_at"] < self.now():
                return oauth_error("invalid_grant", "Invalid authorization code", 4143)
            if form.get("redirect_uri") != code["redirect_uri"]:
                return oauth_error("invalid_grant", "Invalid redirect_uri", 4143)
            return self._issue(code["account"], None, jwt)
        if grant == "refresh_token":
            refresh_token = form.get("refresh_token", "")
            refresh = self.refresh_tokens.get(refresh_token)
            if refresh is None or refresh["revoked"] or refresh["expires_at"] < self.now():
                return oauth_error("invalid_grant", "Invalid refresh token", 4156)
            return self._issue(refresh["account"], refresh_token, jwt)
        return oauth_error("unsupported_grant_type", "Invalid grant_type", 4018)

    def on_profile(self, request: Request, account: str) -> Response:
        header = request.headers.get("Authorization", "")
        token = (
            self.access_tokens.get(header.removeprefix("Bearer ").strip())
            if header.startswith("Bearer ")
            else None
        )
        if token is None or token["expires_at"] < self.now():
            return self.api_error(401, 2_241_025, "Invalid token")
        account_id = token["account"] if account == "me" else account
        profile = PROFILES.get(account_id)
        if profile is None:
            return self.api_error(404, 2_105_356, "User not found")
        return json_response(profile | {"isMe": account_id == token["account"]})

    def token_fault_response(self, channel: str, request: Request, fault: Fault) -> Response:
        if channel == "psn-auth":
            return oauth_error("invalid_grant", fault.message or "Invalid refresh token", 4156)
        return self.api_error(401, 2_241_025, fault.message or "Invalid token")
