"""Steam Web API (`https://api.steampowered.com`), served under `/steam` (setting `STEAM_API_URL`).

Endpoint: `GET /steam/ISteamUser/GetPlayerSummaries/v0002/?key=…&steamids=<id>[,<id>…]` (also `/v2/`)
→ `{"response":{"players":[…]}}`; ids it does not know are simply left out (`"players":[]`).

Seeded:
- `STEAM_API_KEY` (`5A4DB0C55A4DB0C55A4DB0C55A4DB0C5`): valid. Any other key (e.g. `STEAM_INVALID_API_KEY`)
  gets Steam's `403` HTML page "Access is denied. Retrying will not help. Please verify your <pre>key=</pre>
  parameter."; no or an empty `key` gets `400` HTML "Required parameter 'key' is missing" (likewise for
  `steamids`).
- players: `STEAM_ID` (`76561197960287930`, "wiz", public profile with the full field set) and
  `STEAM_PRIVATE_ID` (`76561198000000002`, "quietfox", private: only the public subset of fields).
  `STEAM_UNKNOWN_ID` (`76561198999999999`) is nobody.

Steam's errors are HTML pages, so injected faults answer `<html>…<h1>{reason}</h1>…</html>` with the status.
"""

from __future__ import annotations

import random
from http import HTTPStatus
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

STEAM_API_KEY = "5A4DB0C55A4DB0C55A4DB0C55A4DB0C5"
STEAM_INVALID_API_KEY = "00000000000000000000000000000000"
STEAM_ID = "76561197960287930"
STEAM_PRIVATE_ID = "76561198000000002"
STEAM_UNKNOWN_ID = "76561198999999999"

FORBIDDEN_PAGE = (
    "<html><head><title>Forbidden</title></head><body><h1>Forbidden</h1>Access is denied. "
    "Retrying will not help. Please verify your <pre>key=</pre> parameter.</body></html>"
)
AVATAR_BASE = "https://avatars.steamstatic.com/"


def html_page(status: int, text: str = "") -> Response:
    phrase = HTTPStatus(status).phrase
    page = f"<html><head><title>{phrase}</title></head><body><h1>{phrase}</h1>{text}</body></html>"
    return Response(page, status=status, content_type="text/html")


def _seed_players() -> dict[str, dict[str, Any]]:
    rng = random.Random(3002)
    players = {}
    for steam_id, name, public in ((STEAM_ID, "wiz", True), (STEAM_PRIVATE_ID, "quietfox", False)):
        avatar_hash = f"{rng.getrandbits(160):040x}"
        player: dict[str, Any] = {
            "steamid": steam_id,
            "communityvisibilitystate": 3 if public else 1,
            "profilestate": 1,
            "personaname": name,
            "profileurl": f"https://steamcommunity.com/id/{name}/",
            "avatar": f"{AVATAR_BASE}{avatar_hash}.jpg",
            "avatarmedium": f"{AVATAR_BASE}{avatar_hash}_medium.jpg",
            "avatarfull": f"{AVATAR_BASE}{avatar_hash}_full.jpg",
            "avatarhash": avatar_hash,
            "lastlogoff": 1_767_225_600 + rng.randint(0, 5_000_000),
            "personastate": 0 if public else 1,
        }
        if public:
            player |= {
                "commentpermission": 1,
                "realname": "Wiz Example",
                "primaryclanid": "103582791429521408",
                "timecreated": 1_104_537_600 + rng.randint(0, 300_000_000),
                "personastateflags": 0,
                "loccountrycode": "SE",
            }
        players[steam_id] = player
    return players


PLAYERS = _seed_players()


@register
class SteamService(Service):
    name = "steam"
    mounts = {"/steam": "steam"}
    env = {"STEAM_API_URL": "/steam"}
    rules = [
        Rule("/steam/ISteamUser/GetPlayerSummaries/v0002/", endpoint="player_summaries", methods=["GET"]),
        Rule("/steam/ISteamUser/GetPlayerSummaries/v2/", endpoint="player_summaries", methods=["GET"]),
    ]

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        return html_page(status, message or "")

    def on_player_summaries(self, request: Request) -> Response:
        key = request.args.get("key", "")
        if not key:
            return html_page(400, "Required parameter 'key' is missing")
        if key != STEAM_API_KEY:
            return Response(FORBIDDEN_PAGE, status=403, content_type="text/html")
        steam_ids = [part.strip() for part in request.args.get("steamids", "").split(",") if part.strip()]
        if not steam_ids:
            return html_page(400, "Required parameter 'steamids' is missing")
        players = [PLAYERS[steam_id] for steam_id in steam_ids[:100] if steam_id in PLAYERS]
        return json_response({"response": {"players": players}})
