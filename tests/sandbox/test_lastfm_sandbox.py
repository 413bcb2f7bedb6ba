"""The fake Last.fm's raw answers, checked against PROVIDERS.md §3 (shapes, strings, quirks, errors)."""

import json
import re
from pathlib import Path

import httpx
import pytest

from sandbox.services.lastfm import (
    EMPTY_USER,
    NEWEST_UTS,
    PRIVATE_USER,
    REPEATED_TRACK,
    SCROBBLE_COUNT,
    SINGLE_SCROBBLE_USER,
    SUSPENDED_API_KEY,
    USER,
    VALID_API_KEY,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
IMAGE_SIZES = ["small", "medium", "large", "extralarge"]


def call(sandbox, *, path="/lastfm/2.0/", **params) -> httpx.Response:
    params.setdefault("api_key", VALID_API_KEY)
    params.setdefault("format", "json")
    return httpx.get(sandbox.url + path, params=params, timeout=10)


def recent(sandbox, user=USER, **params) -> dict:
    response = call(sandbox, method="user.getrecenttracks", user=user, **params)
    assert response.status_code == 200, response.text
    return response.json()["recenttracks"]


def assert_all_strings(value, where="") -> None:
    """Every scalar Last.fm sends in a track is a string (PROVIDERS.md §3.2)."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert_all_strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_all_strings(item, f"{where}[{index}]")
    else:
        assert isinstance(value, str), f"{where} is {value!r}"


def test_the_setting_points_at_the_prefix_with_its_trailing_slash(sandbox):
    assert sandbox.env["LASTFM_API_URL"] == sandbox.url + "/lastfm/2.0/"


def test_a_plain_page_is_a_list_of_string_fields_newest_first(sandbox):
    body = recent(sandbox, limit=5)

    tracks = body["track"]
    assert isinstance(tracks, list)
    assert_all_strings(tracks)
    assert body["@attr"] == {
        "user": USER,
        "totalPages": str(-(-SCROBBLE_COUNT // 5)),
        "page": "1",
        "perPage": "5",
        "total": str(SCROBBLE_COUNT),
    }
    dated = [track for track in tracks if "date" in track]
    uts = [int(track["date"]["uts"]) for track in dated]
    assert uts == sorted(uts, reverse=True)
    assert uts[0] == NEWEST_UTS
    assert dated[0]["date"]["#text"] == "01 Mar 2026, 17:58"
    for track in tracks:
        assert set(track["artist"]) == {"mbid", "#text"}
        assert "loved" not in track
        assert [image["size"] for image in track["image"]] == IMAGE_SIZES
        assert set(track["album"]) == {"mbid", "#text"}
        assert track["url"].startswith("https://www.last.fm/music/")


def test_the_now_playing_row_has_no_date_and_comes_on_top_of_limit(sandbox):
    body = recent(sandbox, limit=2)

    tracks = body["track"]
    assert len(tracks) == 3
    assert tracks[0]["@attr"] == {"nowplaying": "true"}
    assert "date" not in tracks[0]
    assert all("date" in track and "@attr" not in track for track in tracks[1:])
    page_two = recent(sandbox, limit=2, page=2)["track"]
    assert len(page_two) == 2
    assert all("date" in track for track in page_two)


def test_extended_changes_the_artist_object_and_adds_loved(sandbox):
    tracks = recent(sandbox, limit=50, extended=1)["track"]

    assert_all_strings(tracks)
    for track in tracks:
        artist = track["artist"]
        assert set(artist) == {"url", "name", "image", "mbid"}
        assert artist["url"].startswith("https://www.last.fm/music/")
        assert track["loved"] in ("0", "1")
    assert {track["loved"] for track in tracks} == {"0", "1"}


def test_the_seeded_history_has_the_awkward_cases(sandbox):
    tracks = recent(sandbox, limit=200, extended=1)["track"][1:]  # past the now-playing row

    first, second = tracks[0], tracks[1]
    assert (first["artist"]["name"], first["name"]) == REPEATED_TRACK
    assert (second["artist"]["name"], second["name"]) == REPEATED_TRACK
    assert first["date"]["uts"] != second["date"]["uts"]
    names = {track["artist"]["name"] for track in tracks} | {track["name"] for track in tracks}
    assert any(not name.isascii() for name in names)
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", name) for name in names), "a Japanese name"
    assert any(track["mbid"] == "" for track in tracks)
    assert any(re.fullmatch(r"[0-9a-f-]{36}", track["mbid"]) for track in tracks)
    assert any(track["image"][3]["#text"] == "" for track in tracks)
    # Covers are the sandbox's own (served offline), in Last.fm's layout.
    art = f"{sandbox.url}/art/lastfm.freetls.fastly.net/i/u/300x300/"
    assert any(track["image"][3]["#text"].startswith(art) for track in tracks)


def test_one_track_comes_as_an_object_not_a_list(sandbox):
    body = recent(sandbox, user=SINGLE_SCROBBLE_USER)

    assert isinstance(body["track"], dict)
    assert body["track"]["name"] == "Jóga"
    assert body["@attr"]["total"] == "1"
    assert body["@attr"]["totalPages"] == "1"


def test_a_page_of_one_from_a_long_history_is_an_object_too(sandbox):
    body = recent(sandbox, limit=1, page=2)

    assert isinstance(body["track"], dict)
    assert body["@attr"]["totalPages"] == str(SCROBBLE_COUNT)


def test_an_empty_history_is_an_empty_list_with_zero_pages(sandbox):
    body = recent(sandbox, user=EMPTY_USER)

    assert body == {
        "track": [],
        "@attr": {"user": EMPTY_USER, "totalPages": "0", "page": "1", "perPage": "50", "total": "0"},
    }


def test_from_and_to_are_inclusive_epoch_seconds(sandbox):
    everything = recent(sandbox, limit=20)["track"][1:]
    newest, oldest = int(everything[0]["date"]["uts"]), int(everything[9]["date"]["uts"])

    body = recent(sandbox, limit=200, **{"from": oldest, "to": newest})

    uts = [int(track["date"]["uts"]) for track in body["track"]]
    assert uts == [int(track["date"]["uts"]) for track in everything[:10]]
    assert body["@attr"]["total"] == "10"
    assert body["@attr"]["totalPages"] == "1"


def test_walking_pages_backwards_sees_every_scrobble_once(sandbox):
    first = recent(sandbox, limit=200)
    total_pages = int(first["@attr"]["totalPages"])

    seen = []
    for page in range(total_pages, 0, -1):
        body = recent(sandbox, limit=200, page=page)
        assert body["@attr"]["page"] == str(page)
        seen.extend((int(track["date"]["uts"]), track["name"]) for track in body["track"] if "date" in track)

    assert len(seen) == SCROBBLE_COUNT
    assert len(set(seen)) == SCROBBLE_COUNT
    assert recent(sandbox, limit=200, page=total_pages + 1)["track"] == []


def test_method_names_are_case_insensitive_and_the_slash_optional(sandbox):
    response = call(sandbox, path="/lastfm/2.0", method="User.GetRecentTracks", user="WIZ", limit=1)

    assert response.status_code == 200
    assert response.json()["recenttracks"]["@attr"]["user"] == USER


def test_user_info_mixes_string_and_number_types(sandbox):
    response = call(sandbox, method="user.getinfo", user=USER)

    user = response.json()["user"]
    assert response.status_code == 200
    assert user["name"] == USER
    assert user["playcount"] == str(SCROBBLE_COUNT)
    assert isinstance(user["registered"]["unixtime"], str)
    assert isinstance(user["registered"]["#text"], int)
    assert int(user["registered"]["unixtime"]) == user["registered"]["#text"]
    assert [image["size"] for image in user["image"]] == IMAGE_SIZES


def test_a_private_user_answers_like_the_real_sample(sandbox):
    response = call(sandbox, method="user.getrecenttracks", user=PRIVATE_USER)

    assert response.status_code == 403
    assert response.json() == json.loads((FIXTURES / "lastfm_private_user.json").read_text())
    assert call(sandbox, method="user.getinfo", user=PRIVATE_USER).status_code == 200


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        ({"user": "nobody-here"}, 404, 6, "User not found"),
        ({"user": USER, "api_key": "not-a-key"}, 403, 10, "Invalid API key"),
        ({"user": USER, "api_key": ""}, 403, 10, "Invalid API key"),
        ({"user": USER, "api_key": SUSPENDED_API_KEY}, 403, 26, "API Key Suspended"),
        ({"user": USER, "limit": 1001}, 400, 6, "limit param out of bounds (1-1000)"),
        ({"user": USER, "limit": 0}, 400, 6, "limit param out of bounds (1-1000)"),
        ({"user": ""}, 400, 6, "Invalid parameters"),
    ],
)
def test_errors_use_lastfm_codes(sandbox, params, status, code, message):
    response = call(sandbox, method="user.getrecenttracks", **params)

    assert response.status_code == status
    body = response.json()
    assert body["error"] == code
    assert body["message"].startswith(message)


def test_a_limit_up_to_1000_is_accepted(sandbox):
    body = recent(sandbox, limit=1000)

    assert body["@attr"]["perPage"] == "1000"
    assert len(body["track"]) == 1001  # with the now-playing row


def test_an_unknown_method_is_error_3(sandbox):
    response = call(sandbox, method="user.getfriends", user=USER)

    assert response.status_code == 400
    assert response.json()["error"] == 3


@pytest.mark.parametrize(("status", "code"), [(429, 29), (500, 8), (502, 8), (503, 11)])
def test_injected_faults_answer_in_lastfm_format(sandbox, status, code):
    sandbox.fault("lastfm", status=status)

    response = call(sandbox, method="user.getrecenttracks", user=USER)

    assert response.status_code == status
    assert response.json()["error"] == code
    assert call(sandbox, method="user.getrecenttracks", user=USER).status_code == 200


def test_a_fault_can_send_the_error_with_http_200(sandbox):
    sandbox.fault("lastfm", status=500, http_200=True)

    response = call(sandbox, method="user.getrecenttracks", user=USER)

    assert response.status_code == 200
    assert response.json() == {
        "error": 8,
        "message": "Operation failed - Most likely the backend service failed. Please try again.",
    }


def test_a_fault_can_pick_its_code(sandbox):
    sandbox.fault("lastfm", status=403, code=17, message="Login: User required to be logged in")

    response = call(sandbox, method="user.getrecenttracks", user=USER)

    assert response.status_code == 403
    assert response.json() == {"error": 17, "message": "Login: User required to be logged in"}


def test_added_scrobbles_appear_on_page_one_and_reset_removes_them(sandbox):
    result = sandbox.admin(
        "lastfm",
        "add_scrobbles",
        user=USER,
        tracks=[{"title": "New Song", "artist": "Nova Lane", "uts": NEWEST_UTS + 600, "loved": True}],
    )

    assert result == {"added": 1, "total": SCROBBLE_COUNT + 1}
    newest = recent(sandbox, limit=1, extended=1)["track"][1]
    assert newest["name"] == "New Song"
    assert newest["loved"] == "1"
    assert newest["album"] == {"mbid": "", "#text": ""}
    assert newest["date"]["uts"] == str(NEWEST_UTS + 600)
    sandbox.reset()
    assert sandbox.admin("lastfm", "state", user=USER)["scrobbles"] == SCROBBLE_COUNT


def test_now_playing_can_be_set_and_cleared(sandbox):
    state = sandbox.admin(
        "lastfm", "set_now_playing", user=USER, track={"title": "道", "artist": "宇多田ヒカル"}
    )
    assert state["now_playing"] == {"title": "道", "artist": "宇多田ヒカル"}
    assert recent(sandbox, limit=1)["track"][0]["name"] == "道"

    sandbox.admin("lastfm", "set_now_playing", user=USER, track=None)

    body = recent(sandbox, limit=1)
    assert isinstance(body["track"], dict)
    assert "date" in body["track"]


def test_state_counts_a_users_history(sandbox):
    state = sandbox.admin("lastfm", "state", user=SINGLE_SCROBBLE_USER)

    assert state["scrobbles"] == 1
    assert state["now_playing"] is None
    assert state["newest_uts"] == state["oldest_uts"]
    assert sandbox.admin("lastfm", "state", user=EMPTY_USER)["scrobbles"] == 0


def test_a_user_can_be_made_private(sandbox):
    sandbox.admin("lastfm", "set_private", user=USER, private=True)

    response = call(sandbox, method="user.getrecenttracks", user=USER)

    assert response.status_code == 403
    assert response.json()["error"] == 17
