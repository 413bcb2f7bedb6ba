"""YouTube Data API v3 (`https://www.googleapis.com/youtube/v3`) at `/youtube/v3`, channel `youtube`.

`GET /youtube/v3/search?part=snippet&q=…&type=video[&videoCategoryId=10][&maxResults=5][&pageToken=…]&key=…`
searches a seeded catalog of 48 videos (music, category 10, and a few vlogs, category 22). Titles are
HTML-escaped (`&amp;`, `&#39;`) as the real API sends them.

API keys (each answers like Google does for that case):
- `YOUTUBE_VALID_KEY`          `AIzaSyA-sandbox-valid-key-000000000000`: works, within the daily budget.
- `YOUTUBE_INVALID_KEY`        400 badRequest + ErrorInfo `API_KEY_INVALID` (current shape); also any
                               unknown key.
- `YOUTUBE_LEGACY_INVALID_KEY` 400 `keyInvalid`, domain usageLimits (legacy shape, no `status`/`details`).
- `YOUTUBE_QUOTA_SPENT_KEY`    403 `quotaExceeded` (domain youtube.quota), always.
- `YOUTUBE_DISABLED_KEY`       403 `accessNotConfigured` + ErrorInfo `SERVICE_DISABLED` (project
                               123456789012).
- `YOUTUBE_RESTRICTED_KEY`     403 `forbidden` + ErrorInfo `API_KEY_SERVICE_BLOCKED`.
- no key                       403 "The request is missing a valid API key." (`forbidden`).

Quota: each valid key has a daily budget (`DAILY_QUOTA` = 10,000 units); a search costs `SEARCH_COST` = 100
units, a request refused for its parameters costs 1; once spent, 403 `quotaExceeded` until reset.

Admin (`POST /_sandbox/youtube/<action>`):
- `quota`        {"key"?} → {"key", "used", "daily", "search_cost"}
- `set_quota`    {"daily"?, "search_cost"?, "used"?, "key"?} → the same (e.g. a 100-call "Search
                 Queries" bucket: daily=100, search_cost=1)
- `reset_quota`  {} → every key's usage back to 0 (midnight Pacific has passed)
Faults: `status` faults answer Google's error shape; a fault's extra `reason` (e.g. "quotaExceeded")
replaces the default reason for its status.
"""

from __future__ import annotations

import hashlib
import html
import random
import string
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.services import register
from sandbox.services.base import Service, json_response

YOUTUBE_VALID_KEY = "AIzaSyA-sandbox-valid-key-000000000000"
YOUTUBE_INVALID_KEY = "AIzaSyA-sandbox-invalid-key-0000000000"
YOUTUBE_LEGACY_INVALID_KEY = "AIzaSyA-sandbox-legacy-invalid-key-000"
YOUTUBE_QUOTA_SPENT_KEY = "AIzaSyA-sandbox-quota-spent-key-000000"
YOUTUBE_DISABLED_KEY = "AIzaSyA-sandbox-api-disabled-key-00000"
YOUTUBE_RESTRICTED_KEY = "AIzaSyA-sandbox-restricted-key-0000000"
YOUTUBE_DISABLED_PROJECT = "123456789012"

DAILY_QUOTA = 10_000
SEARCH_COST = 100
INVALID_REQUEST_COST = 1
MAX_RESULTS = 50
MUSIC_CATEGORY = "10"
SEED = 4004

ARTISTS = {
    "Nova Lane": "NovaLaneVEVO",
    "The Paper Harbour": "The Paper Harbour",
    "Mira & the Moths": "MiraAndTheMothsVEVO",
    "Sól Eyjar": "Sól Eyjar - Topic",
    "Kit O'Hara": "KitOHaraMusic",
    "Dusk Runners": "Dusk Runners Official",
}
SONGS = ["Headlights", "Tail Lights", "Night Drive", "Rock & Roll Heart", "Don't Look Back", "Satellites"]
VERSIONS = ["(Official Video)", "(Lyric Video)", "(Live at the Roundhouse)", "[Audio]"]
VLOGS = [
    ("Studio diary #3 - making 'Night Drive'", "Nova Lane"),
    ("Tour bus Q&A", "Dusk Runners"),
    ("Reacting to our first demo", "Kit O'Hara"),
    ("Gear rundown & pedalboard tour", "Mira & the Moths"),
]


def google_error(
    status: int,
    message: str,
    reason: str,
    *,
    domain: str = "global",
    status_text: str | None = None,
    info_reason: str | None = None,
    extended_help: str | None = None,
) -> dict[str, Any]:
    """Google's error body: `status`/`details` only when given (the current generation)."""
    item: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if extended_help:
        item["extendedHelp"] = extended_help
    error: dict[str, Any] = {"code": status, "message": message, "errors": [item]}
    if status_text:
        error["status"] = status_text
    if info_reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": info_reason,
                "domain": "googleapis.com",
                "metadata": {"service": "youtube.googleapis.com"},
            }
        ]
    return {"error": error}


INVALID_KEY_MESSAGE = "API key not valid. Please pass a valid API key."
QUOTA_MESSAGE = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)
DISABLED_MESSAGE = (
    "Access Not Configured. YouTube Data API has not been used in project "
    f"{YOUTUBE_DISABLED_PROJECT} before or it is disabled. Enable it by visiting "
    f"https://console.developers.google.com/apis/api/youtube.googleapis.com/overview?project={YOUTUBE_DISABLED_PROJECT}"
    " then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our "
    "systems and retry."
)
KEY_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    YOUTUBE_LEGACY_INVALID_KEY: (
        400,
        {
            "error": {
                "errors": [{"domain": "usageLimits", "reason": "keyInvalid", "message": "Bad Request"}],
                "code": 400,
                "message": "Bad Request",
            }
        },
    ),
    YOUTUBE_QUOTA_SPENT_KEY: (403, google_error(403, QUOTA_MESSAGE, "quotaExceeded", domain="youtube.quota")),
    YOUTUBE_DISABLED_KEY: (
        403,
        google_error(
            403,
            DISABLED_MESSAGE,
            "accessNotConfigured",
            domain="usageLimits",
            status_text="PERMISSION_DENIED",
            info_reason="SERVICE_DISABLED",
            extended_help="https://console.developers.google.com/apis/api/youtube.googleapis.com/overview"
            f"?project={YOUTUBE_DISABLED_PROJECT}",
        ),
    ),
    YOUTUBE_RESTRICTED_KEY: (
        403,
        google_error(
            403,
            "Requests to this API youtube.googleapis.com method youtube.api.v3.V3DataSearchService.List "
            "are blocked.",
            "forbidden",
            status_text="PERMISSION_DENIED",
            info_reason="API_KEY_SERVICE_BLOCKED",
        ),
    ),
}
STATUS_DEFAULTS = {
    400: ("badRequest", "INVALID_ARGUMENT"),
    401: ("authError", "UNAUTHENTICATED"),
    403: ("forbidden", "PERMISSION_DENIED"),
    404: ("notFound", "NOT_FOUND"),
    429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED"),
    500: ("backendError", "INTERNAL"),
    503: ("backendError", "UNAVAILABLE"),
}


def build_catalog(seed: int = SEED) -> list[dict[str, Any]]:
    """The seeded videos, in relevance order (the same list every time)."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_"
    videos = []
    for artist, channel in ARTISTS.items():
        for song in [*rng.sample(SONGS, 4), rng.choice(SONGS)]:
            videos.append(
                {"title": f"{artist} - {song} {rng.choice(VERSIONS)}", "channel": channel, "cat": "10"}
            )
    for title, artist in VLOGS:
        videos.append({"title": f"{title} | {artist}", "channel": ARTISTS[artist], "cat": "22"})
    videos += [dict(video, title=video["title"].replace("Official", "Remastered")) for video in videos[:14]]
    for video in videos:
        video["id"] = "".join(rng.choice(alphabet) for _ in range(11))
        video["channel_id"] = (
            "UC" + hashlib.sha1(video["channel"].encode(), usedforsecurity=False).hexdigest()[:22]
        )
        day = rng.randrange(0, 4000)
        year, rest = 2015 + day // 365, day % 365
        video["published"] = f"{year}-{rest // 31 + 1:02d}-{rest % 28 + 1:02d}T{rng.randrange(24):02d}:00:07Z"
    return videos


def escape(text: str) -> str:
    """HTML-escaped the way the API does it (`&amp;`, `&#39;`)."""
    return html.escape(text).replace("&#x27;", "&#39;")


def etag(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:27]


def search_item(video: dict[str, Any]) -> dict[str, Any]:
    thumbs = {
        "default": ("default", 120, 90),
        "medium": ("mqdefault", 320, 180),
        "high": ("hqdefault", 480, 360),
    }
    return {
        "kind": "youtube#searchResult",
        "etag": etag(video["id"]),
        "id": {"kind": "youtube#video", "videoId": video["id"]},
        "snippet": {
            "publishedAt": video["published"],
            "channelId": video["channel_id"],
            "title": escape(video["title"]),
            "description": escape(f"Listen to {video['title']}"),
            "thumbnails": {
                size: {"url": f"https://i.ytimg.com/vi/{video['id']}/{name}.jpg", "width": w, "height": h}
                for size, (name, w, h) in thumbs.items()
            },
            "channelTitle": escape(video["channel"]),
            "liveBroadcastContent": "none",
            "publishTime": video["published"],
        },
    }


@register
class YouTubeService(Service):
    name = "youtube"
    mounts = {"/youtube/v3": "youtube"}
    env = {"YOUTUBE_API_URL": "/youtube/v3"}
    rules = [Rule("/youtube/v3/search", endpoint="search", methods=["GET"])]

    def reset(self) -> None:
        self.catalog = build_catalog()
        self.daily_quota = DAILY_QUOTA
        self.search_cost = SEARCH_COST
        self.used: dict[str, int] = {}

    # --- errors ----------------------------------------------------------------------------

    def error_response(
        self, channel: str, status: int, message: str | None, fault: Fault | None = None
    ) -> Response:
        reason, status_text = STATUS_DEFAULTS.get(status, ("error", "UNKNOWN"))
        if fault is not None and fault.extra.get("reason"):
            reason = str(fault.extra["reason"])
        domain = "youtube.quota" if reason == "quotaExceeded" else "global"
        body = google_error(status, message or reason, reason, domain=domain, status_text=status_text)
        return json_response(body, status=status)

    def _bad_request(self, key: str, message: str, reason: str) -> Response:
        self.used[key] = self.used.get(key, 0) + INVALID_REQUEST_COST
        body = google_error(400, message, reason, status_text="INVALID_ARGUMENT")
        return json_response(body, status=400)

    # --- search ----------------------------------------------------------------------------

    def on_search(self, request: Request) -> Response:
        key = request.args.get("key", "")
        if not key:
            message = "The request is missing a valid API key."
            return json_response(
                google_error(403, message, "forbidden", status_text="PERMISSION_DENIED"), status=403
            )
        if key in KEY_ERRORS:
            status, error_body = KEY_ERRORS[key]
            return json_response(error_body, status=status)
        if key != YOUTUBE_VALID_KEY:
            body = google_error(
                400,
                INVALID_KEY_MESSAGE,
                "badRequest",
                status_text="INVALID_ARGUMENT",
                info_reason="API_KEY_INVALID",
            )
            return json_response(body, status=400)
        if self.used.get(key, 0) + self.search_cost > self.daily_quota:
            body = google_error(403, QUOTA_MESSAGE, "quotaExceeded", domain="youtube.quota")
            return json_response(body, status=403)

        args = request.args
        if args.get("part") != "snippet":
            return self._bad_request(key, "Required parameter: part", "required")
        try:
            max_results = int(args.get("maxResults", "5"))
        except ValueError:
            max_results = -1
        if not 0 <= max_results <= MAX_RESULTS:
            value = args.get("maxResults")
            return self._bad_request(
                key, f"Invalid value '{value}'. Values must be within the range: [0, 50]", "invalidValue"
            )
        category = args.get("videoCategoryId")
        if category and args.get("type") != "video":
            return self._bad_request(
                key,
                "The request contains an invalid combination of search filters and/or restrictions. "
                "Note that you must set the type parameter to video if you set a value for the "
                "videoCategoryId parameter.",
                "invalidSearchFilter",
            )
        offset = self._offset(args.get("pageToken"))
        if offset is None:
            return self._bad_request(key, "The request specifies an invalid page token.", "invalidPageToken")

        self.used[key] = self.used.get(key, 0) + self.search_cost
        results = self._search(args.get("q", ""), category)
        page = results[offset : offset + max_results]
        body = {
            "kind": "youtube#searchListResponse",
            "etag": etag(args.get("q", ""), str(offset), str(max_results)),
        }
        if offset + max_results < len(results) and max_results:
            body["nextPageToken"] = self._token(offset + max_results)
        if offset:
            body["prevPageToken"] = self._token(max(0, offset - max_results))
        body["regionCode"] = args.get("regionCode", "US")
        body["pageInfo"] = {"totalResults": len(results), "resultsPerPage": max_results}
        body["items"] = [search_item(video) for video in page]
        return json_response(body)

    def _search(self, query: str, category: str | None) -> list[dict[str, Any]]:
        """Videos mentioning a query word first, then the rest (YouTube never answers nothing)."""
        words = [word for word in query.lower().split() if word]
        pool = [video for video in self.catalog if not category or video["cat"] == category]

        def score(video: dict[str, Any]) -> int:
            text = f"{video['title']} {video['channel']}".lower()
            return sum(word in text for word in words)

        return sorted(pool, key=lambda video: -score(video))

    @staticmethod
    def _token(offset: int) -> str:
        return f"CA{offset:04d}QAA"

    @staticmethod
    def _offset(token: str | None) -> int | None:
        if not token:
            return 0
        digits = token[2:6]
        if token.startswith("CA") and token.endswith("QAA") and len(token) == 9 and digits.isdigit():
            return int(digits)
        return None

    # --- admin -----------------------------------------------------------------------------

    def _quota_state(self, key: str) -> Response:
        return json_response(
            {
                "key": key,
                "used": self.used.get(key, 0),
                "daily": self.daily_quota,
                "search_cost": self.search_cost,
            }
        )

    def admin_quota(self, payload: dict[str, Any]) -> Response:
        return self._quota_state(str(payload.get("key", YOUTUBE_VALID_KEY)))

    def admin_set_quota(self, payload: dict[str, Any]) -> Response:
        key = str(payload.get("key", YOUTUBE_VALID_KEY))
        if "daily" in payload:
            self.daily_quota = int(payload["daily"])
        if "search_cost" in payload:
            self.search_cost = int(payload["search_cost"])
        if "used" in payload:
            self.used[key] = int(payload["used"])
        return self._quota_state(key)

    def admin_reset_quota(self, payload: dict[str, Any]) -> Response:
        self.used.clear()
        return self._quota_state(YOUTUBE_VALID_KEY)
