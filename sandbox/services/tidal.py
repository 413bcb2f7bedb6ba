"""Tidal: the auth service (`https://auth.tidal.com/v1/oauth2`) at `/tidal-auth/v1/oauth2`, channel
`tidal-auth`, and the Open API (`https://openapi.tidal.com/v2`) at `/tidal-api/v2`, channel `tidal-api`.

- `POST /tidal-auth/v1/oauth2/token` (form `grant_type=client_credentials`, client id/secret by HTTP Basic or
  in the body) → `{"access_token":"eyJ…","token_type":"Bearer","expires_in":86400,"scope":""}`.
  Unknown client → 401 `{"status":401,"error":"invalid_client","sub_status":1005,"error_description":"Client
  with token <id> not found"}`; wrong secret → 401 invalid_client, sub_status 1002; no credentials → 401
  invalid_client, sub_status 1001; another grant → 400 `unsupported_grant_type`, sub_status 1003
  (sub-statuses other than 1005 are [U]).
- `GET /tidal-api/v2/tracks/<id>?countryCode=US` with `Authorization: Bearer <token>` (and `Accept:
  application/vnd.api+json`) → JSON:API
  `{"data":{"id","type":"tracks","attributes":{…},"relationships"},"links"}`.
  No, unknown or expired token → 401; no countryCode → 400; unknown id → 404; an Accept that excludes JSON:API
  → 406; every API error is `{"errors":[{"id","status","code","detail"}]}` [U fields].

Seeded: `TIDAL_CLIENT_ID` / `TIDAL_CLIENT_SECRET`; 24 tracks with ids from `TIDAL_FIRST_TRACK_ID` (75413016).
Admin (`POST /_sandbox/tidal/<action>`): `issue_token {}` → token body; `expire_token {"access_token"?}` (all
when omitted); `set_token_lifetime {"seconds"}`.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

TIDAL_CLIENT_ID = "sbxTidalClient01"
TIDAL_CLIENT_SECRET = "sbxTidalSecret0000000000000000000000000000A="
TIDAL_FIRST_TRACK_ID = 75413016
TOKEN_LIFETIME = 86400
JSON_API = "application/vnd.api+json"
SEED = 6006

ARTISTS = ["Nova Lane", "The Paper Harbour", "Sól Eyjar", "Kit O'Hara", "Dusk Runners", "Mira & the Moths"]
TITLES = ["Headlights", "Low Tide", "Hraun", "Small Hours", "Satellites", "Porchlight", "Overpass", "Gulls"]


def build_catalog(seed: int = SEED) -> dict[str, dict[str, Any]]:
    rng = random.Random(seed)
    tracks = {}
    for index in range(24):
        track_id = str(TIDAL_FIRST_TRACK_ID + index * 7)
        seconds = rng.randrange(140, 330)
        year = rng.randrange(2012, 2026)
        tracks[track_id] = {
            "title": TITLES[index % len(TITLES)],
            "artist": ARTISTS[index % len(ARTISTS)],
            "version": rng.choice([None, None, None, "Live", "Remastered"]),
            "isrc": f"USXX1{year % 100:02d}{index + 1:05d}",
            "duration": f"PT{seconds // 60}M{seconds % 60}S",
            "copyright": f"℗ {year} {ARTISTS[index % len(ARTISTS)]}",
            "explicit": rng.random() < 0.2,
            "popularity": round(rng.random(), 2),
        }
    return tracks


def auth_error(status: int, error: str, sub_status: int, description: str) -> Response:
    body = {"status": status, "error": error, "sub_status": sub_status, "error_description": description}
    return json_response(body, status=status)


def api_error(status: int, code: str, detail: str) -> Response:
    error = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, detail)),
        "status": str(status),
        "code": code,
        "detail": detail,
    }
    return Response(json.dumps({"errors": [error]}), status=status, content_type=JSON_API)


@register
class TidalService(Service):
    name = "tidal"
    mounts = {"/tidal-api/v2": "tidal-api", "/tidal-auth/v1/oauth2": "tidal-auth"}
    env = {"TIDAL_API_URL": "/tidal-api/v2", "TIDAL_AUTH_URL": "/tidal-auth/v1/oauth2"}
    rules = [
        Rule("/tidal-auth/v1/oauth2/token", endpoint="token", methods=["POST"]),
        Rule("/tidal-api/v2/tracks/<track_id>", endpoint="track", methods=["GET"]),
    ]

    def reset(self) -> None:
        self.rng = random.Random(SEED)
        self.catalog = build_catalog()
        self.tokens: dict[str, float] = {}  # access token → expiry (epoch seconds)
        self.token_lifetime = TOKEN_LIFETIME

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        if channel == "tidal-auth":
            error = (
                "invalid_client" if status == 401 else "server_error" if status >= 500 else "invalid_request"
            )
            return auth_error(status, error, 1005 if status == 401 else 0, message or error)
        codes = {
            401: "UNAUTHORIZED",
            404: "NOT_FOUND",
            429: "TOO_MANY_REQUESTS",
            500: "INTERNAL_SERVER_ERROR",
        }
        return api_error(status, codes.get(status, "ERROR"), message or codes.get(status, "error"))

    # --- auth ------------------------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        client_id = request.authorization.username if request.authorization else request.form.get("client_id")
        secret = (
            request.authorization.password if request.authorization else request.form.get("client_secret")
        )
        if not client_id:
            return auth_error(401, "invalid_client", 1001, "Client credentials are missing")
        if client_id != TIDAL_CLIENT_ID:
            return auth_error(401, "invalid_client", 1005, f"Client with token {client_id} not found")
        if secret != TIDAL_CLIENT_SECRET:
            return auth_error(401, "invalid_client", 1002, "Invalid client secret")
        if request.form.get("grant_type") != "client_credentials":
            return auth_error(400, "unsupported_grant_type", 1003, "Unsupported grant type")
        return json_response(self._issue())

    def _issue(self) -> dict[str, Any]:
        header = base64.urlsafe_b64encode(b'{"kid":"sbx","alg":"ES512"}').rstrip(b"=").decode()
        payload = (
            base64.urlsafe_b64encode(json.dumps({"cid": TIDAL_CLIENT_ID, "n": len(self.tokens)}).encode())
            .rstrip(b"=")
            .decode()
        )
        signature = "".join(
            self.rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(43)
        )
        token = f"{header}.{payload}.{signature}"
        self.tokens[token] = self.now() + self.token_lifetime
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime, "scope": ""}

    # --- API -------------------------------------------------------------------------------

    def on_track(self, request: Request, track_id: str) -> Response:
        header = request.headers.get("Authorization", "")
        expiry = (
            self.tokens.get(header.removeprefix("Bearer ").strip()) if header.startswith("Bearer ") else None
        )
        if expiry is None or expiry < self.now():
            return api_error(401, "UNAUTHORIZED", "Missing, invalid or expired access token")
        accept = request.headers.get("Accept", "*/*")
        if not any(kind in accept for kind in (JSON_API, "*/*", "application/*")):
            return api_error(406, "NOT_ACCEPTABLE", f"Accept must allow {JSON_API}")
        country = request.args.get("countryCode")
        if not country:
            return api_error(400, "VALUE_REGEX_MISMATCH", "countryCode: must be an ISO 3166-1 alpha-2 code")
        track = self.catalog.get(track_id)
        if track is None:
            return api_error(404, "NOT_FOUND", f"Track {track_id} not found")
        attributes = {key: value for key, value in track.items() if key not in ("artist", "copyright")}
        attributes.update(
            {
                "copyright": {"text": track["copyright"]},
                "accessType": "PUBLIC",
                "availability": ["STREAM", "DJ"],
                "mediaTags": ["LOSSLESS"],
                "externalLinks": [
                    {"href": f"https://tidal.com/browse/track/{track_id}", "meta": {"type": "TIDAL_SHARING"}}
                ],
            }
        )
        query = f"countryCode={country}"
        body = {
            "data": {
                "id": track_id,
                "type": "tracks",
                "attributes": attributes,
                "relationships": {
                    name: {"links": {"self": f"/tracks/{track_id}/relationships/{name}?{query}"}}
                    for name in ("albums", "artists", "providers")
                },
            },
            "links": {"self": f"/tracks/{track_id}?{query}"},
        }
        return Response(json.dumps(body), content_type=JSON_API)

    # --- admin -----------------------------------------------------------------------------

    def admin_issue_token(self, payload: dict[str, Any]) -> Response:
        return json_response(self._issue())

    def admin_expire_token(self, payload: dict[str, Any]) -> Response:
        wanted = payload.get("access_token")
        for token in self.tokens:
            if wanted in (None, token):
                self.tokens[token] = self.now() - 1
        return json_response({"expired": True})

    def admin_set_token_lifetime(self, payload: dict[str, Any]) -> Response:
        self.token_lifetime = int(payload["seconds"])
        return json_response({"seconds": self.token_lifetime})
