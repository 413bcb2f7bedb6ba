"""OpenXBL (`https://xbl.io/api/v2`), served under `/xbox/api/v2` (setting `XBOX_API_URL`).

Endpoint: `GET /xbox/api/v2/account` with `X-Authorization: <key>` (apps also send `X-Contract: 100` and
`Accept: application/json`) →
`{"profileUsers":[{"id","hostId","settings":[{"id","value"},…],"isSponsoredUser"}]}`.

Seeded:
- `XBOX_API_KEY` (`sandbox-openxbl-key`): the account `XBOX_XUID` (`2533274800000000`), gamertag
  `XBOX_GAMERTAG` "Wiz", gamerscore `XBOX_GAMERSCORE` "1200".
- any other key (e.g. `XBOX_INVALID_API_KEY`) or none:
  `401 {"error":"Unauthorized","message":"Invalid API key"}` (OpenXBL does not
  document the 401 body [U]; the status is what counts).

Every answer from the endpoint, 401 and 429 included, carries `X-RateLimit-Limit`, `X-RateLimit-Spent` and
`X-RateLimit-Remaining`, counted per presented key over a `RATE_PERIOD` (3600 s) window of `RATE_LIMIT` (150)
calls. Past it: `429 {"error":"Too Many Requests","message":"Rate limit exceeded"}` with `Retry-After` (the
seconds left in the window [U]). Admin `POST /_sandbox/xbox/set_rate_limit {"limit": n}`.
Injected faults answer the same `{"error","message"}` JSON with the fault's status.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

XBOX_API_KEY = "sandbox-openxbl-key"
XBOX_INVALID_API_KEY = "sandbox-openxbl-invalid"
XBOX_XUID = "2533274800000000"
XBOX_GAMERTAG = "Wiz"
XBOX_GAMERSCORE = "1200"
RATE_LIMIT = 150
RATE_PERIOD = 3600

ACCOUNTS: dict[str, dict[str, Any]] = {
    XBOX_API_KEY: {
        "profileUsers": [
            {
                "id": XBOX_XUID,
                "hostId": XBOX_XUID,
                "settings": [
                    {
                        "id": "GameDisplayPicRaw",
                        "value": "https://images-eds-ssl.xboxlive.com/image?url=sandbox",
                    },
                    {"id": "Gamerscore", "value": XBOX_GAMERSCORE},
                    {"id": "Gamertag", "value": XBOX_GAMERTAG},
                    {"id": "AccountTier", "value": "Gold"},
                    {"id": "XboxOneRep", "value": "GoodPlayer"},
                    {
                        "id": "PreferredColor",
                        "value": "https://dlassets-ssl.xboxlive.com/public/content/ppl/colors/00000.json",
                    },
                    {"id": "RealName", "value": ""},
                    {"id": "Bio", "value": ""},
                    {"id": "TenureLevel", "value": "7"},
                    {"id": "Watermarks", "value": ""},
                    {"id": "Location", "value": ""},
                    {"id": "ShowUserAsAvatar", "value": "1"},
                ],
                "isSponsoredUser": False,
            }
        ]
    }
}


def xbl_error(status: int, error: str, message: str) -> Response:
    return json_response({"error": error, "message": message}, status=status)


@register
class XboxService(Service):
    name = "xbox"
    mounts = {"/xbox/api/v2": "xbox"}
    env = {"XBOX_API_URL": "/xbox/api/v2"}
    rules = [Rule("/xbox/api/v2/account", endpoint="account", methods=["GET"])]

    def reset(self) -> None:
        self.rate_limit = RATE_LIMIT
        self.windows: dict[str, tuple[float, int]] = {}  # key -> (window start, calls spent)

    def admin_set_rate_limit(self, payload: dict[str, Any]) -> Response:
        self.rate_limit = int(payload.get("limit", RATE_LIMIT))
        self.windows.clear()
        return json_response({"limit": self.rate_limit})

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        return xbl_error(status, "Error", message or "Something went wrong")

    def on_account(self, request: Request) -> Response:
        key = request.headers.get("X-Authorization", "")
        now = self.now()
        start, spent = self.windows.get(key, (now, 0))
        if now - start >= RATE_PERIOD:
            start, spent = now, 0
        if spent >= self.rate_limit:
            response = xbl_error(429, "Too Many Requests", "Rate limit exceeded")
            response.headers["Retry-After"] = str(max(1, int(start + RATE_PERIOD - now + 0.999)))
        else:
            spent += 1
            self.windows[key] = (start, spent)
            account = ACCOUNTS.get(key)
            if account is None:
                response = xbl_error(401, "Unauthorized", "Invalid API key")
            else:
                response = json_response(account)
        response.headers["X-RateLimit-Limit"] = str(self.rate_limit)
        response.headers["X-RateLimit-Spent"] = str(spent)
        response.headers["X-RateLimit-Remaining"] = str(max(0, self.rate_limit - spent))
        return response
