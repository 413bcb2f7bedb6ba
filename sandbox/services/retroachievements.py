"""RetroAchievements web API (`https://retroachievements.org/API`), under `/retroachievements/API`
(setting `RETROACHIEVEMENTS_API_URL`).

Endpoint: `GET /retroachievements/API/API_GetUserProfile.php?y=<web API key>&u=<username>` (or `i=<ULID>`)
→ the profile object of api-docs.retroachievements.org (User, ULID, UserPic, MemberSince, RichPresenceMsg,
LastGameID, ContribCount, ContribYield, TotalPoints, TotalSoftcorePoints, TotalTruePoints, Permissions,
Untracked, ID, UserWallActive, Motto). Usernames match case-insensitively; `User` comes back as stored.

Seeded:
- `RA_API_KEY` (`SandboxRAWebApiKey00000000000001`): valid. Any other `y`, or none
  (e.g. `RA_INVALID_API_KEY`): `401 {"message":"Unauthenticated.","errors":[{"status":401,
  "code":"unauthorized","title":"Unauthenticated."}]}`.
- users: `RA_USERNAME` "wiz" (ULID `RA_ULID`), and "PixelPam" (untracked, no rich presence).
- an unknown user (e.g. `RA_UNKNOWN_USERNAME` "nobodyhere") → `404` with `[]`, as RAWeb's
  `API_GetUserProfile.php` answers (`response()->json([], 404)`); older builds answered
  `404 {"ID":null,"User":…}` or a 200 with an empty object, which the client also treats as "no such user".
- `u` missing, shorter than 2, longer than 20 or not alphanumeric → Laravel's `422`
  `{"message":"The u field …","errors":{"u":[…]}}`.

Injected faults answer Laravel's `{"message": …}` (429: "Too Many Attempts.", 5xx: "Server Error").
"""

from __future__ import annotations

import random
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

RA_API_KEY = "SandboxRAWebApiKey00000000000001"
RA_INVALID_API_KEY = "SandboxRAWebApiKeyInvalid0000000"
RA_USERNAME = "wiz"
RA_ULID = "00003EMFWR7XB8SDPEHB3K56ZQ"
RA_UNTRACKED_USERNAME = "PixelPam"
RA_UNKNOWN_USERNAME = "nobodyhere"

UNAUTHENTICATED = {
    "message": "Unauthenticated.",
    "errors": [{"status": 401, "code": "unauthorized", "title": "Unauthenticated."}],
}


def _seed_users() -> dict[str, dict[str, Any]]:
    rng = random.Random(3004)
    users = {}
    for user_id, (name, ulid, untracked, presence) in enumerate(
        (
            (RA_USERNAME, RA_ULID, 0, "Exploring Green Hill Zone, 3 lives"),
            (RA_UNTRACKED_USERNAME, "00003EMFWR7XB8SDPEHB3K56ZR", 1, None),
        ),
        start=16446,
    ):
        hardcore = rng.randint(100, 5000)
        users[name.lower()] = {
            "User": name,
            "ULID": ulid,
            "UserPic": f"/UserPic/{name}.png",
            "MemberSince": f"2016-01-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:43:04",
            "RichPresenceMsg": presence,
            "LastGameID": rng.randint(1, 30000),
            "ContribCount": 0,
            "ContribYield": 0,
            "TotalPoints": hardcore,
            "TotalSoftcorePoints": rng.randint(0, 300),
            "TotalTruePoints": hardcore * 4,
            "Permissions": 1,
            "Untracked": untracked,
            "ID": user_id,
            "UserWallActive": True,
            "Motto": "" if untracked else "Hardcore or nothing",
        }
    return users


USERS = _seed_users()


@register
class RetroAchievementsService(Service):
    name = "retroachievements"
    mounts = {"/retroachievements/API": "retroachievements"}
    env = {"RETROACHIEVEMENTS_API_URL": "/retroachievements/API"}
    rules = [
        Rule("/retroachievements/API/API_GetUserProfile.php", endpoint="user_profile", methods=["GET"]),
    ]

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        default = {401: "Unauthenticated.", 404: "Not Found", 429: "Too Many Attempts."}.get(
            status, "Server Error"
        )
        return json_response({"message": message or default}, status=status)

    def on_user_profile(self, request: Request) -> Response:
        if request.args.get("y") != RA_API_KEY:
            return json_response(UNAUTHENTICATED, status=401)
        ulid = request.args.get("i")
        if ulid:
            found = next((user for user in USERS.values() if user["ULID"] == ulid), None)
            return json_response(found) if found else json_response([], status=404)
        username = request.args.get("u", "")
        problem = _username_problem(username)
        if problem:
            return json_response({"message": problem, "errors": {"u": [problem]}}, status=422)
        user = USERS.get(username.lower())
        return json_response(user) if user else json_response([], status=404)


def _username_problem(username: str) -> str | None:
    """Laravel's validation message for `u` (required, 2 to 20 characters, alphanumeric), or None."""
    if not username:
        return "The u field is required."
    if len(username) < 2:
        return "The u field must be at least 2 characters."
    if len(username) > 20:
        return "The u field must not be greater than 20 characters."
    if not (username.isascii() and username.isalnum()):
        return "The u field must only contain letters and numbers."
    return None
