"""YouTube Data API v3: a music search, and the one call that proves an API key works.

Google answers errors as `{"error":{"code","message","errors":[{"reason",…}][,"status","details"]}}`,
in two generations: the current one adds `status` and an ErrorInfo in `details` whose `reason`
(`API_KEY_INVALID`, `SERVICE_DISABLED`, `API_KEY_SERVICE_BLOCKED`) is more precise than the legacy
`errors[0].reason` (`badRequest`, `forbidden`). Both are read; neither message text is branched on.

The daily quota (10,000 units, 100 per search) resets at midnight Pacific Time and no Retry-After
is sent, so a `ProviderQuotaExceeded` carries the seconds until that midnight.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    ProviderUnavailable,
    json_body,
    parse_retry_after,
    raise_for_transport_status,
)
from providers.client import ProviderClient
from providers.types import CredentialCheck

PROVIDER = "YouTube"
MUSIC_CATEGORY_ID = "10"
MAX_RESULTS_LIMIT = 50
QUOTA_TIMEZONE = ZoneInfo("America/Los_Angeles")

INVALID_KEY_REASONS = frozenset({"keyInvalid", "API_KEY_INVALID"})
API_DISABLED_REASONS = frozenset({"accessNotConfigured", "SERVICE_DISABLED"})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
GENERIC_REASONS = frozenset({"badRequest", "forbidden"})  # the ErrorInfo reason says more


@dataclass(frozen=True)
class YouTubeVideo:
    id: str
    title: str  # HTML-unescaped (the API sends `&amp;`, `&#39;`)
    channel_id: str
    channel_title: str
    published_at: datetime | None
    description: str = ""
    thumbnails: dict[str, str] = field(default_factory=dict)  # size ("default", "medium", "high", …) → URL

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.id}"


@dataclass(frozen=True)
class SearchPage:
    videos: tuple[YouTubeVideo, ...]
    next_page_token: str | None
    total_results: int | None  # Google's estimate, not a count


def seconds_until_quota_reset(now: datetime | None = None) -> int:
    """Seconds from `now` (aware; default: the current time) to the next midnight Pacific Time."""
    current = (now or datetime.now(UTC)).astimezone(QUOTA_TIMEZONE)
    midnight = datetime.combine(current.date() + timedelta(days=1), datetime.min.time(), QUOTA_TIMEZONE)
    # Subtract in UTC: aware datetimes sharing a tzinfo subtract as wall clocks, which is wrong on DST days.
    return math.ceil((midnight.astimezone(UTC) - current.astimezone(UTC)).total_seconds())


class YouTubeClient(ProviderClient):
    provider = PROVIDER

    def __init__(self, api_url: str, api_key: str, client: httpx.Client | None = None) -> None:
        super().__init__(api_url, client=client)
        self.api_key = api_key

    def search(
        self,
        q: str,
        *,
        max_results: int = 5,
        music_only: bool = True,
        page_token: str | None = None,
    ) -> SearchPage:
        """`search.list` for videos (100 quota units per call). `music_only` keeps the Music category."""
        if not self.api_key:
            raise ProviderAuthError("no YouTube API key is set", provider=PROVIDER, reason="keyMissing")
        if not 0 <= max_results <= MAX_RESULTS_LIMIT:
            raise ValueError(f"max_results must be between 0 and {MAX_RESULTS_LIMIT}, not {max_results}")
        params: dict[str, str | int] = {
            "part": "snippet",
            "q": q,
            "type": "video",
            "maxResults": max_results,
            "key": self.api_key,
        }
        if music_only:
            params["videoCategoryId"] = MUSIC_CATEGORY_ID
        if page_token:
            params["pageToken"] = page_token
        response = self._send("GET", "/search", params=params)
        return _parse_search(_checked_body(response))

    def check_credentials(self) -> CredentialCheck:
        """One music search (100 units): proves the key is valid, the API enabled and quota left."""
        page = self.search("music", max_results=1)
        extra = {"total_results": str(page.total_results)} if page.total_results is not None else {}
        return CredentialCheck(detail="the API key answered a test search", extra=extra)


def _checked_body(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        _raise_google_error(response)
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict):
        raise ProviderBadResponse("the search answer is not a JSON object", provider=PROVIDER, status=200)
    return body


def _raise_google_error(response: httpx.Response) -> None:
    status = response.status_code
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict):
        raise_for_transport_status(response, provider=PROVIDER)
        json_body(response, provider=PROVIDER)  # raises ProviderBadResponse for a non-JSON body
        raise ProviderBadResponse(
            f"HTTP {status} without a Google error object", provider=PROVIDER, status=status
        )

    message = str(error.get("message") or f"HTTP {status}")
    legacy = [item.get("reason") for item in _list(error.get("errors")) if isinstance(item, dict)]
    info = [
        item.get("reason")
        for item in _list(error.get("details"))
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("ErrorInfo")
    ]
    reasons = {reason for reason in legacy + info if isinstance(reason, str)}
    first = next((reason for reason in legacy if isinstance(reason, str)), None)
    specific = next((reason for reason in info if isinstance(reason, str)), None)
    reason = specific if specific and (first is None or first in GENERIC_REASONS) else first

    if reasons & QUOTA_REASONS:
        raise ProviderQuotaExceeded(
            message,
            provider=PROVIDER,
            status=status,
            reason=first or "quotaExceeded",
            retry_after=seconds_until_quota_reset(),
        )
    if reasons & INVALID_KEY_REASONS:
        raise ProviderAuthError(message, provider=PROVIDER, status=status, reason=reason)
    if reasons & API_DISABLED_REASONS:
        # Google's message names the project and the console URL that enables the API: keep it whole.
        raise ProviderForbidden(message, provider=PROVIDER, status=status, reason="accessNotConfigured")
    if reasons & RATE_REASONS or status == 429:
        raise ProviderRateLimited(
            message,
            provider=PROVIDER,
            status=status,
            reason=reason,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status == 401:
        raise ProviderAuthError(message, provider=PROVIDER, status=status, reason=reason)
    if status == 403:
        raise ProviderForbidden(message, provider=PROVIDER, status=status, reason=reason)
    if status == 404:
        raise ProviderNotFound(message, provider=PROVIDER, status=status, reason=reason)
    if status >= 500:
        raise ProviderUnavailable(message, provider=PROVIDER, status=status, reason=reason)
    raise ProviderError(message, provider=PROVIDER, status=status, reason=reason)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _parse_search(body: dict[str, Any]) -> SearchPage:
    items = body.get("items")
    if not isinstance(items, list):
        raise ProviderBadResponse("the search answer has no `items` list", provider=PROVIDER, status=200)
    page_info = body.get("pageInfo")
    total = page_info.get("totalResults") if isinstance(page_info, dict) else None
    videos = tuple(video for item in items if (video := _parse_video(item)) is not None)
    return SearchPage(
        videos=videos,
        next_page_token=body.get("nextPageToken") or None,
        total_results=total if isinstance(total, int) else None,
    )


def _parse_video(item: Any) -> YouTubeVideo | None:
    """One search result; channels and playlists (no `videoId`) are skipped."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), dict):
        raise ProviderBadResponse("a search result has no `id` object", provider=PROVIDER, status=200)
    video_id = item["id"].get("videoId")
    if not video_id:
        return None
    snippet = item.get("snippet")
    if not isinstance(snippet, dict) or not isinstance(snippet.get("title"), str):
        raise ProviderBadResponse(f"video {video_id} has no snippet title", provider=PROVIDER, status=200)
    thumbnails = snippet.get("thumbnails")
    if not isinstance(thumbnails, dict):
        thumbnails = {}
    return YouTubeVideo(
        id=video_id,
        title=html.unescape(snippet["title"]),
        channel_id=str(snippet.get("channelId", "")),
        channel_title=html.unescape(str(snippet.get("channelTitle", ""))),
        published_at=_parse_time(snippet.get("publishedAt")),
        description=html.unescape(str(snippet.get("description", ""))),
        thumbnails={
            size: thumb["url"]
            for size, thumb in thumbnails.items()
            if isinstance(thumb, dict) and isinstance(thumb.get("url"), str)
        },
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
