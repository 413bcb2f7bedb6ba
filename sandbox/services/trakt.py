"""Trakt API v2 (`https://api.trakt.tv`), served under `/trakt` (setting `TRAKT_API_URL`).

Every call must carry Trakt's required headers: `trakt-api-key: <client id>`, `trakt-api-version: 2`
and `Content-Type: application/json`. What the `trakt-api-key` decides:

- `TRAKT_CLIENT_ID` (`sandbox-trakt-client-id`): valid. Its secret `TRAKT_CLIENT_SECRET`
  (`sandbox-trakt-client-secret`) is only used by OAuth, which this sandbox does not serve for Trakt.
- `TRAKT_LEGACY_INVALID_CLIENT_ID` (`sandbox-trakt-legacy-invalid`): the legacy v1 answer,
  `401 {"status":"failure","error":"invalid API key"}`.
- `TRAKT_LOCKED_CLIENT_ID` (`sandbox-trakt-locked`): `423` (locked account), empty body, with the
  `X-Account-Locked: true` and `X-Account-Deactivated: false` headers.
- anything else, or no header (e.g. `TRAKT_INVALID_CLIENT_ID`): the current `403` with an empty body
  ("invalid API key or unapproved app").
- a valid key without `trakt-api-version: 2` gets `400`; without a JSON Content-Type `412`
  (Trakt's documented status for that). The sandbox is stricter than Trakt here, to prove the headers.

Endpoint: `GET /trakt/movies/trending?limit=&page=` — 12 seeded movies, most watchers first, with
`X-Pagination-*` headers. Limit: default 10, at most 100.

Rate limit: per client id, `RATE_LIMIT` (1000) GETs per `RATE_PERIOD` (300 s), named
`UNAUTHED_API_GET_LIMIT`. Past it: `429`, `Retry-After: <seconds left in the window>` and
`X-Ratelimit: {"name","period","limit","remaining","until"}`. Admin `POST /_sandbox/trakt/set_rate_limit`
`{"limit": 2, "period": 60}` lowers it (reset restores it).

Trakt's errors carry no body (legacy 401 aside), so injected faults answer an empty body with the status;
an injected 429 also carries `X-Ratelimit`.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

TRAKT_CLIENT_ID = "sandbox-trakt-client-id"
TRAKT_CLIENT_SECRET = "sandbox-trakt-client-secret"
TRAKT_LEGACY_INVALID_CLIENT_ID = "sandbox-trakt-legacy-invalid"
TRAKT_LOCKED_CLIENT_ID = "sandbox-trakt-locked"
TRAKT_INVALID_CLIENT_ID = "sandbox-trakt-invalid"
RATE_LIMIT_NAME = "UNAUTHED_API_GET_LIMIT"
RATE_LIMIT = 1000
RATE_PERIOD = 300

TITLES = (
    "Night Drive",
    "The Last Orbit",
    "Paper Lanterns",
    "Cold Harbour",
    "Saltwater Kings",
    "A Quiet Frequency",
    "Ember & Ash",
    "Under the Overpass",
    "Glass Meridian",
    "Zoë's Garden",
    "Static Bloom",
    "The Long Way North",
)


def _seed_trending() -> list[dict[str, Any]]:
    rng = random.Random(3001)
    rows: list[dict[str, Any]] = []
    for number, title in enumerate(TITLES, start=1):
        year = rng.randint(1998, 2026)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        rows.append(
            {
                "watchers": rng.randint(3, 480),
                "movie": {
                    "title": title,
                    "year": year,
                    "ids": {
                        "trakt": 100_000 + number,
                        "slug": f"{slug}-{year}",
                        "imdb": f"tt{rng.randint(1_000_000, 9_999_999)}",
                        "tmdb": rng.randint(10_000, 999_999),
                    },
                },
            }
        )
    rows.sort(key=lambda row: -row["watchers"])
    return rows


TRENDING = _seed_trending()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register
class TraktService(Service):
    name = "trakt"
    mounts = {"/trakt": "trakt"}
    env = {"TRAKT_API_URL": "/trakt"}
    rules = [Rule("/trakt/movies/trending", endpoint="trending", methods=["GET"])]

    def reset(self) -> None:
        self.rate_limit = RATE_LIMIT
        self.rate_period = RATE_PERIOD
        self.windows: dict[str, tuple[float, int]] = {}  # client id -> (window start, calls counted)

    # --- admin -----------------------------------------------------------------------------

    def admin_set_rate_limit(self, payload: dict[str, Any]) -> Response:
        self.rate_limit = int(payload.get("limit", RATE_LIMIT))
        self.rate_period = int(payload.get("period", RATE_PERIOD))
        self.windows.clear()
        return json_response({"limit": self.rate_limit, "period": self.rate_period})

    # --- errors ----------------------------------------------------------------------------

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        response = Response(b"", status=status)
        if status == 429:
            wait = fault.retry_after if fault and fault.retry_after is not None else self.rate_period
            response.headers["X-Ratelimit"] = self._ratelimit_header(0, self.now() + wait)
        return response

    def _ratelimit_header(self, remaining: int, until: float) -> str:
        return json.dumps(
            {
                "name": RATE_LIMIT_NAME,
                "period": self.rate_period,
                "limit": self.rate_limit,
                "remaining": remaining,
                "until": _iso(until),
            }
        )

    def _refuse(self, request: Request) -> Response | None:
        """Trakt's answer to a bad key or missing required header, or None when the call may go on."""
        key = request.headers.get("trakt-api-key", "")
        if key == TRAKT_LEGACY_INVALID_CLIENT_ID:
            return json_response({"status": "failure", "error": "invalid API key"}, status=401)
        if key == TRAKT_LOCKED_CLIENT_ID:
            return Response(
                b"", status=423, headers={"X-Account-Locked": "true", "X-Account-Deactivated": "false"}
            )
        if key != TRAKT_CLIENT_ID:
            return Response(b"", status=403)
        if request.headers.get("trakt-api-version") != "2":
            return Response(b"", status=400)
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return Response(b"", status=412)
        return None

    def _spend(self, key: str) -> Response | None:
        """Counts one GET against the key's window; a 429 once the window is spent."""
        now = self.now()
        start, count = self.windows.get(key, (now, 0))
        if now - start >= self.rate_period:
            start, count = now, 0
        if count >= self.rate_limit:
            until = start + self.rate_period
            return Response(
                b"",
                status=429,
                headers={
                    "Retry-After": str(max(1, int(until - now + 0.999))),
                    "X-Ratelimit": self._ratelimit_header(0, until),
                },
            )
        self.windows[key] = (start, count + 1)
        return None

    # --- endpoints -------------------------------------------------------------------------

    def on_trending(self, request: Request) -> Response:
        refused = self._refuse(request) or self._spend(request.headers["trakt-api-key"])
        if refused is not None:
            return refused
        limit = min(max(_int(request.args.get("limit"), 10), 1), 100)
        page = max(_int(request.args.get("page"), 1), 1)
        rows = TRENDING[(page - 1) * limit : page * limit]
        return json_response(
            rows,
            headers={
                "X-Pagination-Page": str(page),
                "X-Pagination-Limit": str(limit),
                "X-Pagination-Page-Count": str(-(-len(TRENDING) // limit)),
                "X-Pagination-Item-Count": str(len(TRENDING)),
                "X-Trending-User-Count": str(sum(row["watchers"] for row in TRENDING)),
            },
        )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
