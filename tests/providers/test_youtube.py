"""The YouTube client against the sandbox: search, every key error Google answers, quota reset, faults."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.http import make_http_client
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    ProviderUnavailable,
)
from providers.youtube import YouTubeClient, seconds_until_quota_reset
from sandbox.services.youtube import (
    YOUTUBE_DISABLED_KEY,
    YOUTUBE_LEGACY_INVALID_KEY,
    YOUTUBE_QUOTA_SPENT_KEY,
    YOUTUBE_RESTRICTED_KEY,
    YOUTUBE_VALID_KEY,
)


@pytest.fixture
def http():
    with make_http_client(timeout=2.0, retries=0) as client:
        yield client


def youtube(settings, http, key: str = YOUTUBE_VALID_KEY) -> YouTubeClient:
    return YouTubeClient(settings.YOUTUBE_API_URL, key, client=http)


# --- success -------------------------------------------------------------------------------


def test_search_returns_music_videos_with_unescaped_titles(sandbox, settings, http):
    page = youtube(settings, http).search("nova lane rock", max_results=5)

    assert len(page.videos) == 5
    assert page.total_results
    assert page.total_results > 5
    assert page.next_page_token
    first = page.videos[0]
    assert first.title == "Nova Lane - Rock & Roll Heart [Audio]"  # sent as `Rock &amp; Roll`
    assert first.channel_title == "NovaLaneVEVO"
    assert first.channel_id.startswith("UC")
    assert first.published_at is not None
    assert first.published_at.tzinfo is not None
    assert set(first.thumbnails) == {"default", "medium", "high"}
    assert first.thumbnails["high"].endswith(f"/vi/{first.id}/hqdefault.jpg")
    assert first.url == f"https://www.youtube.com/watch?v={first.id}"
    query = sandbox.calls("youtube")[0]["query"]
    assert "videoCategoryId=10" in query
    assert "type=video" in query
    assert "part=snippet" in query


def test_apostrophes_are_unescaped(sandbox, settings, http):
    page = youtube(settings, http).search("kit o'hara", max_results=3)

    assert any("Kit O'Hara" in video.title for video in page.videos)
    assert not any("&#39;" in video.title or "&amp;" in video.title for video in page.videos)


def test_music_only_false_also_finds_vlogs(sandbox, settings, http):
    client = youtube(settings, http)

    music = client.search("tour bus q&a", max_results=50)
    everything = client.search("tour bus q&a", max_results=50, music_only=False)

    assert everything.videos[0].title == "Tour bus Q&A | Dusk Runners"
    assert all("Tour bus" not in video.title for video in music.videos)
    assert "videoCategoryId" not in sandbox.calls("youtube")[1]["query"]


def test_pages_follow_next_page_token(sandbox, settings, http):
    client = youtube(settings, http)

    first = client.search("headlights", max_results=10)
    second = client.search("headlights", max_results=10, page_token=first.next_page_token)

    assert len(second.videos) == 10
    assert not {video.id for video in first.videos} & {video.id for video in second.videos}


def test_check_credentials_makes_one_search_and_spends_100_units(sandbox, settings, http):
    check = youtube(settings, http).check_credentials()

    assert check.detail
    assert int(check.extra["total_results"]) > 0
    assert len(sandbox.calls("youtube")) == 1
    assert sandbox.admin("youtube", "quota")["used"] == 100


def test_max_results_is_checked_before_calling(sandbox, settings, http):
    with pytest.raises(ValueError, match="between 0 and 50"):
        youtube(settings, http).search("x", max_results=51)

    assert sandbox.calls("youtube") == []


# --- bad credentials (S9) ------------------------------------------------------------------


def test_a_missing_key_is_an_auth_error_without_a_call(sandbox, settings, http):
    with pytest.raises(ProviderAuthError):
        youtube(settings, http, key="").check_credentials()

    assert sandbox.calls("youtube") == []


def test_an_invalid_key_in_the_current_shape(sandbox, settings, http):
    with pytest.raises(ProviderAuthError) as caught:
        youtube(settings, http, key="AIzaSy-not-a-key").check_credentials()

    assert caught.value.status == 400
    assert caught.value.reason == "API_KEY_INVALID"
    assert caught.value.message == "API key not valid. Please pass a valid API key."


def test_an_invalid_key_in_the_legacy_shape(sandbox, settings, http):
    with pytest.raises(ProviderAuthError) as caught:
        youtube(settings, http, key=YOUTUBE_LEGACY_INVALID_KEY).check_credentials()

    assert caught.value.status == 400
    assert caught.value.reason == "keyInvalid"
    assert caught.value.message == "Bad Request"


def test_a_spent_quota_waits_until_midnight_pacific(sandbox, settings, http):
    with pytest.raises(ProviderQuotaExceeded) as caught:
        youtube(settings, http, key=YOUTUBE_QUOTA_SPENT_KEY).check_credentials()

    assert caught.value.status == 403
    assert caught.value.reason == "quotaExceeded"
    assert "quota" in caught.value.message
    assert abs(caught.value.retry_after - seconds_until_quota_reset()) <= 5
    assert 0 < caught.value.retry_after <= 25 * 3600


def test_the_daily_budget_runs_out_after_its_searches(sandbox, settings, http):
    sandbox.admin("youtube", "set_quota", daily=250)
    client = youtube(settings, http)
    client.search("nova")
    client.search("nova")

    with pytest.raises(ProviderQuotaExceeded):
        client.search("nova")

    sandbox.admin("youtube", "reset_quota")
    assert client.search("nova").videos


def test_a_disabled_api_keeps_googles_instructions(sandbox, settings, http):
    with pytest.raises(ProviderForbidden) as caught:
        youtube(settings, http, key=YOUTUBE_DISABLED_KEY).check_credentials()

    assert caught.value.reason == "accessNotConfigured"
    assert "console.developers.google.com/apis/api/youtube.googleapis.com" in caught.value.message


def test_a_key_restricted_against_the_api(sandbox, settings, http):
    with pytest.raises(ProviderForbidden) as caught:
        youtube(settings, http, key=YOUTUBE_RESTRICTED_KEY).check_credentials()

    assert caught.value.reason == "API_KEY_SERVICE_BLOCKED"
    assert not isinstance(caught.value, ProviderAuthError)


def test_a_bad_page_token_is_a_plain_provider_error(sandbox, settings, http):
    with pytest.raises(ProviderError) as caught:
        youtube(settings, http).search("nova", page_token="nonsense")

    assert caught.value.status == 400
    assert caught.value.reason == "invalidPageToken"


# --- quota reset time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 23:59:30 PDT on 2026-06-30 → 30 s.
        (datetime(2026, 7, 1, 6, 59, 30, tzinfo=UTC), 30),
        # 00:00 PST exactly → a full day.
        (datetime(2026, 1, 15, 8, 0, tzinfo=UTC), 24 * 3600),
        # 00:30 PST on 2026-03-08: clocks jump forward at 02:00, so the day has 23 hours.
        (datetime(2026, 3, 8, 8, 30, tzinfo=UTC), 22 * 3600 + 1800),
        # 00:30 PDT on 2026-11-01: clocks fall back at 02:00, so the day has 25 hours.
        (datetime(2026, 11, 1, 7, 30, tzinfo=UTC), 24 * 3600 + 1800),
    ],
)
def test_seconds_until_quota_reset(now, expected):
    assert seconds_until_quota_reset(now) == expected


def test_quota_reset_accepts_any_timezone():
    now = datetime(2026, 7, 1, 8, 59, 30, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo"))  # 01:59:30 PDT

    assert seconds_until_quota_reset(now) == 22 * 3600 + 30
    assert seconds_until_quota_reset(now + timedelta(hours=2)) == 20 * 3600 + 30


# --- faults ----------------------------------------------------------------------------------


def test_5xx_is_retried_then_succeeds(sandbox, settings):
    sandbox.fault("youtube", status=503, count=2)

    with make_http_client(timeout=2.0, retries=2, backoff_factor=0.01) as http:
        page = youtube(settings, http).search("nova")

    assert page.videos
    assert [call["status"] for call in sandbox.calls("youtube")] == [503, 503, 200]


def test_5xx_that_persists_is_unavailable(sandbox, settings):
    sandbox.fault("youtube", status=503, count=5)

    with (
        make_http_client(timeout=2.0, retries=2, backoff_factor=0.01) as http,
        pytest.raises(ProviderUnavailable) as caught,
    ):
        youtube(settings, http).search("nova")

    assert caught.value.status == 503
    assert caught.value.reason == "backendError"
    assert len(sandbox.calls("youtube")) == 3


def test_a_plain_text_502_is_unavailable(sandbox, settings, http):
    sandbox.fault("youtube", kind="plain", status=502, message="Bad Gateway")

    with pytest.raises(ProviderUnavailable):
        youtube(settings, http).search("nova")


def test_a_malformed_body_is_a_bad_response(sandbox, settings, http):
    sandbox.fault("youtube", kind="malformed")

    with pytest.raises(ProviderBadResponse):
        youtube(settings, http).search("nova")


def test_an_empty_body_is_a_bad_response(sandbox, settings, http):
    sandbox.fault("youtube", kind="empty")

    with pytest.raises(ProviderBadResponse):
        youtube(settings, http).search("nova")


def test_a_hang_past_the_timeout_is_unavailable(sandbox, settings):
    sandbox.fault("youtube", kind="hang", delay=1.5)

    with make_http_client(timeout=0.3, retries=0) as http, pytest.raises(ProviderUnavailable) as caught:
        youtube(settings, http).search("nova")

    assert "in time" in caught.value.message


def test_a_short_rate_limit_is_rate_limited(sandbox, settings, http):
    sandbox.fault("youtube", status=429, retry_after=2)

    with pytest.raises(ProviderRateLimited) as caught:
        youtube(settings, http).search("nova")

    assert caught.value.reason == "rateLimitExceeded"
    assert caught.value.retry_after == 2
    assert not isinstance(caught.value, ProviderQuotaExceeded)


def test_an_injected_quota_error_maps_like_the_real_one(sandbox, settings, http):
    sandbox.fault("youtube", status=403, reason="quotaExceeded")

    with pytest.raises(ProviderQuotaExceeded):
        youtube(settings, http).search("nova")
