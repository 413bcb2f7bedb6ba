"""The fake YouTube Data API answers in the shapes of PROVIDERS.md §4."""

import httpx
import pytest

from sandbox.services.youtube import (
    YOUTUBE_DISABLED_KEY,
    YOUTUBE_INVALID_KEY,
    YOUTUBE_LEGACY_INVALID_KEY,
    YOUTUBE_QUOTA_SPENT_KEY,
    YOUTUBE_RESTRICTED_KEY,
    YOUTUBE_VALID_KEY,
)


def search(sandbox, **params) -> httpx.Response:
    query = {
        "part": "snippet",
        "q": "nova",
        "type": "video",
        "videoCategoryId": "10",
        "key": YOUTUBE_VALID_KEY,
    }
    query.update(params)
    query = {name: value for name, value in query.items() if value is not None}
    return httpx.get(sandbox.url + "/youtube/v3/search", params=query, timeout=5)


def test_search_list_response_shape(sandbox):
    response = search(sandbox, q="rock roll", maxResults="3")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["kind", "etag", "nextPageToken", "regionCode", "pageInfo", "items"]
    assert body["kind"] == "youtube#searchListResponse"
    assert body["pageInfo"]["resultsPerPage"] == 3
    assert body["pageInfo"]["totalResults"] >= 3
    item = body["items"][0]
    assert item["kind"] == "youtube#searchResult"
    assert item["id"]["kind"] == "youtube#video"
    assert len(item["id"]["videoId"]) == 11
    snippet = item["snippet"]
    assert set(snippet) == {
        "publishedAt",
        "channelId",
        "title",
        "description",
        "thumbnails",
        "channelTitle",
        "liveBroadcastContent",
        "publishTime",
    }
    assert snippet["publishedAt"].endswith("Z")
    assert "&amp;" in snippet["title"]  # titles come HTML-escaped
    assert snippet["thumbnails"]["default"] == {
        "url": f"{sandbox.url}/art/i.ytimg.com/vi/{item['id']['videoId']}/default.jpg",  # served offline
        "width": 120,
        "height": 90,
    }
    assert set(snippet["thumbnails"]) == {"default", "medium", "high"}


def test_apostrophes_are_escaped_as_numeric_entities(sandbox):
    titles = [item["snippet"]["title"] for item in search(sandbox, q="kit", maxResults="50").json()["items"]]

    assert any("O&#39;Hara" in title for title in titles)


def test_paging(sandbox):
    first = search(sandbox, q="", maxResults="20").json()
    second = search(sandbox, q="", maxResults="20", pageToken=first["nextPageToken"]).json()
    last = search(sandbox, q="", maxResults="20", pageToken=second["nextPageToken"]).json()

    assert "prevPageToken" not in first
    assert second["prevPageToken"]
    assert "nextPageToken" not in last
    ids = [item["id"]["videoId"] for page in (first, second, last) for item in page["items"]]
    assert len(ids) == len(set(ids)) == first["pageInfo"]["totalResults"]


def test_the_music_category_filters_vlogs(sandbox):
    everything = search(sandbox, q="", maxResults="50", videoCategoryId=None).json()
    music = search(sandbox, q="", maxResults="50").json()

    assert everything["pageInfo"]["totalResults"] > music["pageInfo"]["totalResults"]


def test_the_catalog_is_seeded(sandbox):
    before = [item["id"]["videoId"] for item in search(sandbox, maxResults="10").json()["items"]]
    sandbox.reset()
    after = [item["id"]["videoId"] for item in search(sandbox, maxResults="10").json()["items"]]

    assert before == after


def test_invalid_key_current_shape(sandbox):
    response = search(sandbox, key=YOUTUBE_INVALID_KEY)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["errors"] == [{"message": error["message"], "domain": "global", "reason": "badRequest"}]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert error["details"][0]["reason"] == "API_KEY_INVALID"
    assert search(sandbox, key="AIzaSy-anything-else").json() == response.json()


def test_invalid_key_legacy_shape(sandbox):
    response = search(sandbox, key=YOUTUBE_LEGACY_INVALID_KEY)

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "errors": [{"domain": "usageLimits", "reason": "keyInvalid", "message": "Bad Request"}],
            "code": 400,
            "message": "Bad Request",
        }
    }


@pytest.mark.parametrize(
    ("key", "reason", "domain", "info_reason"),
    [
        (YOUTUBE_QUOTA_SPENT_KEY, "quotaExceeded", "youtube.quota", None),
        (YOUTUBE_DISABLED_KEY, "accessNotConfigured", "usageLimits", "SERVICE_DISABLED"),
        (YOUTUBE_RESTRICTED_KEY, "forbidden", "global", "API_KEY_SERVICE_BLOCKED"),
        ("", "forbidden", "global", None),
    ],
)
def test_403_answers(sandbox, key, reason, domain, info_reason):
    response = search(sandbox, key=key)

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == 403
    assert error["errors"][0]["reason"] == reason
    assert error["errors"][0]["domain"] == domain
    assert [detail["reason"] for detail in error.get("details", [])] == ([info_reason] if info_reason else [])


def test_the_disabled_api_message_says_how_to_enable_it(sandbox):
    error = search(sandbox, key=YOUTUBE_DISABLED_KEY).json()["error"]

    assert (
        "Enable it by visiting https://console.developers.google.com/apis/api/youtube.googleapis.com"
        in (error["message"])
    )
    assert error["errors"][0]["extendedHelp"].startswith("https://console.developers.google.com/")
    assert error["status"] == "PERMISSION_DENIED"


def test_the_missing_key_message(sandbox):
    assert search(sandbox, key="").json()["error"]["message"] == "The request is missing a valid API key."


def test_quota_costs_100_per_search_and_1_per_refused_request(sandbox):
    search(sandbox)
    search(sandbox, part=None)

    assert sandbox.admin("youtube", "quota")["used"] == 101


def test_a_spent_budget_answers_quota_exceeded_until_reset(sandbox):
    sandbox.admin("youtube", "set_quota", used=9950)

    response = search(sandbox)

    assert response.status_code == 403
    assert response.json()["error"]["errors"][0]["reason"] == "quotaExceeded"
    assert "Retry-After" not in response.headers
    sandbox.admin("youtube", "reset_quota")
    assert search(sandbox).status_code == 200


def test_a_search_queries_bucket_of_100_calls(sandbox):
    sandbox.admin("youtube", "set_quota", daily=100, search_cost=1, used=99)

    assert search(sandbox).status_code == 200
    assert search(sandbox).status_code == 403


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"part": None}, "required"),
        ({"maxResults": "51"}, "invalidValue"),
        ({"type": None}, "invalidSearchFilter"),
        ({"pageToken": "garbage"}, "invalidPageToken"),
    ],
)
def test_parameter_errors(sandbox, params, reason):
    response = search(sandbox, **params)

    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == reason


def test_status_faults_answer_googles_shape(sandbox):
    sandbox.fault("youtube", status=503)

    response = search(sandbox)

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["errors"][0]["reason"] == "backendError"
    assert error["status"] == "UNAVAILABLE"
