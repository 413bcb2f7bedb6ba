"""The Last.fm client against the sandbox: parsing, the quirks, paging, every error path, pacing."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from core.http import make_http_client
from core.ratelimit import RateLimiter
from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
)
from providers.lastfm import LastfmClient, RecentTracksPage, Scrobble
from sandbox.services.lastfm import (
    EMPTY_USER,
    NEWEST_UTS,
    PRIVATE_USER,
    REPEATED_TRACK,
    SCROBBLE_COUNT,
    SINGLE_SCROBBLE_USER,
    SOLO_UTS,
    SUSPENDED_API_KEY,
    USER,
    VALID_API_KEY,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def http():
    with make_http_client(timeout=0.5, retries=0) as client:
        yield client


@pytest.fixture
def lastfm(sandbox, http) -> LastfmClient:
    return LastfmClient(sandbox.env["LASTFM_API_URL"], VALID_API_KEY, client=http)


def client_with_key(sandbox, http, api_key: str) -> LastfmClient:
    return LastfmClient(sandbox.env["LASTFM_API_URL"], api_key, client=http)


# --- recent tracks -----------------------------------------------------------------------------


def test_a_page_of_scrobbles_newest_first_with_now_playing_apart(lastfm):
    page = lastfm.recent_tracks(USER, limit=10)

    assert isinstance(page, RecentTracksPage)
    assert len(page.scrobbles) == 10
    assert (page.page, page.per_page, page.total, page.user) == (1, 10, SCROBBLE_COUNT, USER)
    assert page.total_pages == SCROBBLE_COUNT // 10
    assert page.has_older
    assert page.now_playing is not None
    assert page.now_playing.now_playing
    assert page.now_playing.played_at is None
    assert (page.now_playing.artist, page.now_playing.title) == ("Nova Lane", "Headlights")
    assert all(not scrobble.now_playing for scrobble in page.scrobbles)
    played = [scrobble.played_at for scrobble in page.scrobbles]
    assert played == sorted(played, reverse=True)
    assert played[0] == datetime.fromtimestamp(NEWEST_UTS, tz=UTC)
    assert played[0].tzinfo is UTC


def test_the_same_track_twice_in_a_row_stays_two_scrobbles(lastfm):
    first, second = lastfm.recent_tracks(USER, limit=2).scrobbles

    assert (first.artist, first.title) == (second.artist, second.title) == REPEATED_TRACK
    assert first.played_at > second.played_at


def test_extended_fields_are_normalised(lastfm):
    scrobbles = lastfm.recent_tracks(USER, limit=200).scrobbles

    for scrobble in scrobbles:
        assert isinstance(scrobble, Scrobble)
        assert scrobble.artist_url.startswith("https://www.last.fm/music/")
        assert scrobble.url.startswith("https://www.last.fm/music/")
        assert isinstance(scrobble.loved, bool)
        assert isinstance(scrobble.streamable, bool)
        assert set(scrobble.images) <= {"small", "medium", "large", "extralarge"}
        assert all(url.startswith(("https://", "http://127.0.0.1:")) for url in scrobble.images.values())
        for mbid in (scrobble.track_mbid, scrobble.artist_mbid, scrobble.album_mbid):
            assert mbid is None or len(mbid) == 36
    assert {scrobble.loved for scrobble in scrobbles} == {True, False}
    assert any(scrobble.track_mbid is None for scrobble in scrobbles)
    assert any(scrobble.track_mbid is not None for scrobble in scrobbles)
    assert any(scrobble.images == {} and scrobble.image_url is None for scrobble in scrobbles)
    with_art = next(scrobble for scrobble in scrobbles if scrobble.images)
    assert list(with_art.images) == ["small", "medium", "large", "extralarge"]
    assert with_art.image_url == with_art.images["extralarge"]
    assert "/300x300/" in with_art.image_url
    assert any(not scrobble.artist.isascii() for scrobble in scrobbles)


def test_plain_answers_read_the_artist_from_text_and_know_nothing_of_loved(lastfm):
    plain = lastfm.recent_tracks(USER, limit=50, extended=False).scrobbles
    extended = lastfm.recent_tracks(USER, limit=50).scrobbles

    assert [(s.artist, s.title, s.played_at) for s in plain] == [
        (s.artist, s.title, s.played_at) for s in extended
    ]
    assert all(scrobble.artist_url is None and scrobble.loved is False for scrobble in plain)
    assert any(scrobble.loved for scrobble in extended)


def test_a_scrobble_without_an_album_has_album_none(sandbox, lastfm):
    sandbox.admin(
        "lastfm",
        "add_scrobbles",
        user=USER,
        tracks=[
            {
                "title": "Static (Demo)",
                "artist": "Nova Lane",
                "uts": NEWEST_UTS + 60,
                "track_mbid": "0b1c2d3e-0000-4000-8000-000000000009",
                "loved": True,
            }
        ],
    )

    scrobble = lastfm.recent_tracks(USER, limit=1).scrobbles[0]

    assert scrobble.title == "Static (Demo)"
    assert scrobble.album is None
    assert scrobble.album_mbid is None
    assert scrobble.track_mbid == "0b1c2d3e-0000-4000-8000-000000000009"
    assert scrobble.loved is True
    assert scrobble.played_at == datetime.fromtimestamp(NEWEST_UTS + 60, tz=UTC)


def test_a_single_track_object_is_read_as_one_scrobble(lastfm):
    page = lastfm.recent_tracks(SINGLE_SCROBBLE_USER)

    assert len(page.scrobbles) == 1
    assert page.scrobbles[0].title == "Jóga"
    assert page.scrobbles[0].artist == "Björk"
    assert page.scrobbles[0].played_at == datetime.fromtimestamp(SOLO_UTS, tz=UTC)
    assert page.now_playing is None
    assert (page.total, page.total_pages) == (1, 1)


def test_a_lone_now_playing_object_is_not_a_scrobble(sandbox, lastfm):
    sandbox.admin(
        "lastfm", "set_now_playing", user=EMPTY_USER, track={"title": "Sæglópur", "artist": "Sigur Rós"}
    )

    page = lastfm.recent_tracks(EMPTY_USER)

    assert page.scrobbles == ()
    assert page.now_playing is not None
    assert page.now_playing.title == "Sæglópur"


def test_an_empty_history(lastfm):
    page = lastfm.recent_tracks(EMPTY_USER)

    assert page.scrobbles == ()
    assert page.now_playing is None
    assert (page.total, page.total_pages, page.has_older) == (0, 0, False)


def test_from_and_to_bound_the_plays(lastfm):
    newest = lastfm.recent_tracks(USER, limit=30).scrobbles
    start, end = newest[19].played_at, newest[5].played_at

    page = lastfm.recent_tracks(USER, from_ts=start, to_ts=int(end.timestamp()))

    assert [s.played_at for s in page.scrobbles] == [s.played_at for s in newest[5:20]]
    assert page.total == 15
    assert page.now_playing is None  # a `to` bound looks at the past only


def test_a_backfill_walks_pages_oldest_first(lastfm):
    first = lastfm.recent_tracks(USER, limit=200)

    plays = []
    for number in range(first.total_pages, 0, -1):
        plays.extend(reversed(lastfm.recent_tracks(USER, page=number, limit=200).scrobbles))

    assert len(plays) == SCROBBLE_COUNT
    times = [scrobble.played_at for scrobble in plays]
    assert times == sorted(times)
    assert len(set(times)) == SCROBBLE_COUNT


def test_the_client_sends_the_documented_parameters(sandbox, lastfm):
    lastfm.recent_tracks(USER, page=3, limit=7, from_ts=100, to_ts=200)

    query = sandbox.calls("lastfm")[-1]["query"]
    assert sorted(query.split("&")) == sorted(
        [
            "method=user.getrecenttracks",
            f"user={USER}",
            "page=3",
            "limit=7",
            "from=100",
            "to=200",
            "extended=1",
            f"api_key={VALID_API_KEY}",
            "format=json",
        ]
    )


@pytest.mark.parametrize("arguments", [{"limit": 0}, {"limit": 201}, {"page": 0}])
def test_out_of_range_arguments_are_refused_before_any_call(sandbox, lastfm, arguments):
    with pytest.raises(ValueError, match="must be"):
        lastfm.recent_tracks(USER, **arguments)

    assert sandbox.calls("lastfm") == []


def test_naive_datetimes_are_refused(lastfm):
    with pytest.raises(ValueError, match="timezone-aware"):
        lastfm.recent_tracks(USER, from_ts=datetime(2026, 1, 1))


# --- user info ---------------------------------------------------------------------------------


def test_user_info(lastfm):
    info = lastfm.user_info(USER)

    assert info.name == USER
    assert info.realname == "Wiz"
    assert info.country == "Sweden"
    assert info.playcount == SCROBBLE_COUNT
    assert info.registered_at is not None
    assert info.registered_at.tzinfo is UTC
    assert info.url == f"https://www.last.fm/user/{USER}"
    assert set(info.images) == {"small", "medium", "large", "extralarge"}


def test_user_info_reads_unset_fields_as_none(lastfm):
    info = lastfm.user_info(SINGLE_SCROBBLE_USER)

    assert info.realname is None
    assert info.country is None  # Last.fm writes "None"
    assert info.images == {}
    assert info.playcount == 1


def test_check_credentials_names_the_account(lastfm):
    check = lastfm.check_credentials(USER)

    assert check.account == USER
    assert f"{SCROBBLE_COUNT} scrobbles" in check.detail
    assert check.extra["playcount"] == str(SCROBBLE_COUNT)


def test_check_credentials_works_for_a_private_history(lastfm):
    assert lastfm.check_credentials(PRIVATE_USER).account == PRIVATE_USER


# --- errors ------------------------------------------------------------------------------------


def test_an_unknown_user_is_not_found(lastfm):
    with pytest.raises(ProviderNotFound) as caught:
        lastfm.recent_tracks("nobody-here")

    assert (caught.value.status, caught.value.reason) == (404, "6")
    assert caught.value.message == "User not found"
    assert caught.value.provider == "lastfm"


def test_a_private_history_is_forbidden_with_a_clear_message(lastfm):
    with pytest.raises(ProviderForbidden) as caught:
        lastfm.recent_tracks(PRIVATE_USER)

    assert (caught.value.status, caught.value.reason) == (403, "17")
    assert f"{PRIVATE_USER}'s listening history on Last.fm is private" in caught.value.message
    assert "Login: User required to be logged in" in caught.value.message


@pytest.mark.parametrize(("api_key", "reason"), [("not-a-key", "10"), ("", "10"), (SUSPENDED_API_KEY, "26")])
def test_bad_keys_are_auth_errors(sandbox, http, api_key, reason):
    client = client_with_key(sandbox, http, api_key)

    with pytest.raises(ProviderAuthError) as caught:
        client.check_credentials(USER)

    assert (caught.value.status, caught.value.reason) == (403, reason)


def test_a_rate_limit_is_rate_limited(sandbox, lastfm):
    sandbox.fault("lastfm", status=429)

    with pytest.raises(ProviderRateLimited) as caught:
        lastfm.recent_tracks(USER)

    assert (caught.value.status, caught.value.reason) == (429, "29")
    assert caught.value.message.startswith("Rate Limit Exceeded")


@pytest.mark.parametrize(("status", "reason"), [(500, "8"), (503, "11")])
def test_backend_failures_are_unavailable(sandbox, lastfm, status, reason):
    sandbox.fault("lastfm", status=status)

    with pytest.raises(ProviderUnavailable) as caught:
        lastfm.recent_tracks(USER)

    assert (caught.value.status, caught.value.reason) == (status, reason)


def test_a_temporary_error_code_16_is_unavailable(sandbox, lastfm):
    sandbox.fault("lastfm", status=500, code=16)

    with pytest.raises(ProviderUnavailable) as caught:
        lastfm.user_info(USER)

    assert caught.value.reason == "16"


@pytest.mark.parametrize(
    ("code", "error_class"),
    [(29, ProviderRateLimited), (8, ProviderUnavailable), (17, ProviderForbidden), (10, ProviderAuthError)],
)
def test_an_error_body_with_http_200_is_still_an_error(sandbox, lastfm, code, error_class):
    sandbox.fault("lastfm", status=500, code=code, http_200=True)

    with pytest.raises(error_class) as caught:
        lastfm.recent_tracks(USER)

    assert (caught.value.status, caught.value.reason) == (200, str(code))


def test_an_unmapped_code_is_a_plain_provider_error(sandbox, lastfm):
    sandbox.fault("lastfm", status=400, code=13, message="Invalid method signature supplied")

    with pytest.raises(ProviderError) as caught:
        lastfm.recent_tracks(USER)

    assert type(caught.value) is ProviderError
    assert (caught.value.status, caught.value.reason) == (400, "13")
    assert caught.value.message == "Invalid method signature supplied"


def test_a_403_without_a_code_reads_as_a_private_history(sandbox, lastfm):
    sandbox.fault("lastfm", kind="plain", status=403, message="Forbidden")

    with pytest.raises(ProviderForbidden) as caught:
        lastfm.recent_tracks(USER)

    assert caught.value.status == 403
    assert caught.value.reason is None
    assert "private" in caught.value.message


def test_a_non_json_5xx_is_unavailable(sandbox, lastfm):
    sandbox.fault("lastfm", kind="plain", status=500, message="<html>Internal error</html>")

    with pytest.raises(ProviderUnavailable) as caught:
        lastfm.recent_tracks(USER)

    assert caught.value.status == 500


@pytest.mark.parametrize("kind", ["malformed", "empty"])
def test_a_body_that_is_not_json_is_a_bad_response(sandbox, lastfm, kind):
    sandbox.fault("lastfm", kind=kind)

    with pytest.raises(ProviderBadResponse):
        lastfm.recent_tracks(USER)


def test_a_hang_past_the_timeout_is_unavailable(sandbox):
    sandbox.fault("lastfm", kind="hang", delay=2.0)
    with make_http_client(timeout=0.3, retries=0) as http:
        client = LastfmClient(sandbox.env["LASTFM_API_URL"], VALID_API_KEY, client=http)

        with pytest.raises(ProviderUnavailable) as caught:
            client.recent_tracks(USER)

    assert "did not answer in time" in caught.value.message


def test_the_shared_session_retries_a_503(sandbox):
    sandbox.fault("lastfm", status=503, count=2)
    with make_http_client(timeout=2.0, retries=2, backoff_factor=0) as http:
        client = LastfmClient(sandbox.env["LASTFM_API_URL"], VALID_API_KEY, client=http)

        page = client.recent_tracks(USER, limit=5)

    assert len(page.scrobbles) == 5
    assert [call["status"] for call in sandbox.calls("lastfm")] == [503, 503, 200]


def test_the_private_user_sample_from_the_real_service(http):
    """Last.fm's real answer for a hidden history. Docs say 403, LB's mock uses 400: the code decides."""
    sample = json.loads((FIXTURES / "lastfm_private_user.json").read_text())
    for status in (403, 400, 200):
        transport = httpx.MockTransport(lambda request, status=status: httpx.Response(status, json=sample))
        with httpx.Client(transport=transport) as mocked:
            client = LastfmClient("https://ws.audioscrobbler.com/2.0/", "key", client=mocked)

            with pytest.raises(ProviderForbidden) as caught:
                client.recent_tracks("someone")

        assert caught.value.reason == "17"
        assert caught.value.status == status
        assert "someone's listening history on Last.fm is private" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        {"something": "else"},
        [1, 2],
        {"recenttracks": "none"},
        {"recenttracks": {"track": [{"name": "No artist"}]}},
        {"recenttracks": {"track": {"name": "x", "artist": "y", "date": {"uts": "soon"}}}},
        {"user": {"realname": "no name"}},
    ],
)
def test_json_of_the_wrong_shape_is_a_bad_response(body):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with httpx.Client(transport=transport) as mocked:
        client = LastfmClient("https://ws.audioscrobbler.com/2.0/", "key", client=mocked)

        with pytest.raises(ProviderBadResponse):
            client.recent_tracks("someone")
        with pytest.raises(ProviderBadResponse):
            client.user_info("someone")


# --- pacing ------------------------------------------------------------------------------------


def test_the_limiter_runs_before_every_request(sandbox, http):
    calls_seen = []

    def limiter() -> None:
        calls_seen.append(len(sandbox.calls("lastfm")))

    client = LastfmClient(sandbox.env["LASTFM_API_URL"], VALID_API_KEY, client=http, limiter=limiter)
    client.recent_tracks(USER, limit=1)
    client.user_info(USER)

    assert calls_seen == [0, 1]  # each time before the request went out


def test_a_rate_limiter_paces_the_calls(sandbox, http):
    limiter = RateLimiter("lastfm:test-pacing", rate=2, per=0.25, max_wait=5)
    client = LastfmClient(sandbox.env["LASTFM_API_URL"], VALID_API_KEY, client=http, limiter=limiter)

    started = time.monotonic()
    for _ in range(5):
        client.user_info(USER)
    elapsed = time.monotonic() - started

    assert elapsed >= 0.5  # five calls, one every 0.125 s: four gaps
    assert len(sandbox.calls("lastfm")) == 5
