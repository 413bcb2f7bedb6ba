"""validate-token, the read endpoints (listens, listen-count, playing-now), privacy and the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from listening.models import Listen
from scrobbling.services import scrobble_settings_update
from tests.factories import UserFactory
from tests.scrobbling.conftest import listen, now

pytestmark = pytest.mark.django_db


# --- validate-token --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/1/validate-token", "/1/validate-token/", "/apis/listenbrainz/1/validate-token"]
)
def test_a_valid_token_in_the_header(scrobbler, path):
    response = scrobbler.client.get(path, **scrobbler.auth("token"))

    assert response.status_code == 200
    assert response.json() == {"code": 200, "message": "Token valid.", "valid": True, "user_name": "nova"}


def test_a_valid_token_in_the_query(scrobbler):
    response = Client().get("/1/validate-token", {"token": scrobbler.token})

    assert response.json()["valid"] is True


def test_a_valid_token_always_comes_with_a_user_name(scrobbler):
    from users.models import User

    User.objects.filter(pk=scrobbler.user.pk).update(user_name=None)

    body = scrobbler.client.get("/1/validate-token", **scrobbler.auth()).json()

    assert body["valid"] is True
    assert body["user_name"] == "nova.listener"  # chosen from the e-mail address


def test_an_invalid_token(scrobbler):
    response = Client().get("/1/validate-token", HTTP_AUTHORIZATION="Token 6f3c-not-a-token")

    assert response.status_code == 200
    assert response.json() == {"code": 200, "message": "Token invalid.", "valid": False}


def test_no_token_at_all(db):
    response = Client().get("/1/validate-token")

    assert response.status_code == 400
    assert response.json() == {"code": 400, "error": "You need to provide an Authorization token."}


# --- listens ---------------------------------------------------------------------------------------


def store(scrobbler, *stamps: int, track: str = "T") -> None:
    payload = [listen(ts, track=f"{track}{i}") for i, ts in enumerate(stamps)]
    assert scrobbler.submit({"listen_type": "import", "payload": payload}).status_code == 200


def test_listens_newest_first_with_the_listenbrainz_fields(scrobbler):
    base = now() - 1000
    store(scrobbler, base + 1, base + 2, base + 3)

    body = scrobbler.get("user/nova/listens").json()["payload"]

    assert body["count"] == 3
    assert body["user_id"] == "nova"
    assert [item["listened_at"] for item in body["listens"]] == [base + 3, base + 2, base + 1]
    assert body["latest_listen_ts"] == base + 3
    assert body["oldest_listen_ts"] == base + 1
    first = body["listens"][0]
    assert set(first) == {"listened_at", "inserted_at", "recording_msid", "user_name", "track_metadata"}
    assert first["user_name"] == "nova"
    assert first["track_metadata"]["artist_name"] == "Nova Lane"
    assert first["track_metadata"]["track_name"] == "T2"
    assert first["track_metadata"]["release_name"] == "Night Drive"
    assert first["track_metadata"]["additional_info"]["recording_msid"] == first["recording_msid"]
    assert abs(first["inserted_at"] - now()) < 60


def test_min_and_max_ts_are_exclusive_and_count_is_kept(scrobbler):
    base = now() - 1000
    store(scrobbler, *(base + i for i in range(10)))

    def stamps(**params):
        return [
            item["listened_at"]
            for item in scrobbler.get("user/nova/listens", **params).json()["payload"]["listens"]
        ]

    assert stamps(max_ts=base + 5) == [base + 4, base + 3, base + 2, base + 1, base]
    assert stamps(max_ts=base + 5, count=2) == [base + 4, base + 3]
    # forward paging takes the listens just after min_ts, still newest first
    assert stamps(min_ts=base + 5, count=2) == [base + 7, base + 6]
    assert stamps(min_ts=base + 2, max_ts=base + 5) == [base + 4, base + 3]
    assert stamps(count=0) == []


def test_count_defaults_to_25_and_is_capped_at_1000(scrobbler):
    base = now() - 5000
    store(scrobbler, *(base + i for i in range(1000)))
    store(scrobbler, *(base + 1000 + i for i in range(10)), track="U")

    assert len(scrobbler.get("user/nova/listens").json()["payload"]["listens"]) == 25
    assert len(scrobbler.get("user/nova/listens", count=5000).json()["payload"]["listens"]) == 1000


def test_paging_back_by_oldest_listen_ts_sees_every_listen_once(scrobbler):
    base = now() - 5000
    store(scrobbler, *(base + i for i in range(60)))
    seen: list[int] = []
    max_ts = None
    while True:
        params = {"count": 25} if max_ts is None else {"count": 25, "max_ts": max_ts}
        listens = scrobbler.get("user/nova/listens", **params).json()["payload"]["listens"]
        if not listens:
            break
        seen.extend(item["listened_at"] for item in listens)
        max_ts = listens[-1]["listened_at"]

    assert sorted(seen) == [base + i for i in range(60)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"count": "-1"}, "Number of items requested should be positive"),
        ({"count": "many"}, "'count' should be a non-negative integer"),
        ({"min_ts": "x"}, "'min_ts' should be a non-negative integer"),
        ({"max_ts": "-4"}, "'max_ts' should be a non-negative integer"),
        ({"min_ts": "10", "max_ts": "5"}, "min_ts should be less than max_ts"),
    ],
)
def test_bad_parameters(scrobbler, params, message):
    response = scrobbler.get("user/nova/listens", **params)

    assert response.status_code == 400
    assert response.json() == {"code": 400, "error": message}


def test_huge_timestamps_are_no_crash(scrobbler):
    assert scrobbler.get("user/nova/listens", max_ts=10**30).status_code == 200
    assert scrobbler.get("user/nova/listens", min_ts=10**30).json()["payload"]["listens"] == []


def test_every_sources_listens_are_read_and_counted(scrobbler):
    played = datetime.fromtimestamp(now() - 3000, tz=UTC)
    Listen.objects.create(
        user=scrobbler.user,
        title="Golden Brown",
        artist="The Stranglers",
        album="La Folie",
        played_at=played,
        source="spotify",
        duration_ms=206760,
        track_url="https://open.spotify.com/track/2AX5E86cn9n2dgioZEjirI",
    )
    store(scrobbler, now() - 10)

    listens = scrobbler.get("user/nova/listens").json()["payload"]["listens"]
    count = scrobbler.get("user/nova/listen-count").json()

    assert count == {"payload": {"count": 2}}
    spotify = listens[1]
    assert spotify["listened_at"] == int(played.timestamp())
    info = spotify["track_metadata"]["additional_info"]
    assert info["music_service"] == "spotify.com"
    assert info["duration_ms"] == 206760
    assert info["origin_url"] == "https://open.spotify.com/track/2AX5E86cn9n2dgioZEjirI"


def test_an_unknown_user_is_a_404(scrobbler):
    for path in ("user/nobody/listens", "user/nobody/listen-count", "user/nobody/playing-now"):
        response = scrobbler.get(path)
        assert response.status_code == 404
        assert response.json() == {"code": 404, "error": "Cannot find user: nobody"}


def test_reads_need_the_owners_token_by_default(scrobbler):
    other = UserFactory()
    from scrobbling.services import listenbrainz_token_issue
    from tests.secrets_watch import watch

    other_token = watch(listenbrainz_token_issue(user=other))

    anonymous = Client().get("/1/user/nova/listens")
    strangers = Client().get("/1/user/nova/listens", HTTP_AUTHORIZATION=f"Token {other_token}")

    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "You need to provide an Authorization header."
    assert strangers.status_code == 404
    assert strangers.json()["error"] == "Cannot find user: nova"
    assert Client().get("/1/user/nova/listen-count").status_code == 401
    assert Client().get("/1/user/nova/playing-now").status_code == 401


def test_public_reads_when_the_user_chose_them(scrobbler):
    scrobble_settings_update(user=scrobbler.user, public_listens=True)

    assert Client().get("/1/user/nova/listens").status_code == 200
    assert Client().get("/1/user/NOVA/listen-count").json() == {"payload": {"count": 0}}
    assert Client().get("/1/user/nova/playing-now").status_code == 200


# --- playing now -----------------------------------------------------------------------------------


def test_playing_now_in_the_listenbrainz_shape(scrobbler):
    metadata = {"artist_name": "Nova Lane", "track_name": "Tail Lights", "additional_info": {"duration": 200}}
    scrobbler.submit({"listen_type": "playing_now", "payload": [{"track_metadata": metadata}]})

    body = scrobbler.get("user/nova/playing-now").json()

    assert body == {
        "payload": {
            "count": 1,
            "user_id": "nova",
            "playing_now": True,
            "listens": [{"track_metadata": metadata, "user_name": "nova", "playing_now": True}],
        }
    }


def test_playing_now_ends_with_its_lifetime(scrobbler, settings):
    from scrobbling.models import PlayingNow

    scrobbler.submit({"listen_type": "playing_now", "payload": [listen()]})
    PlayingNow.objects.update(expires_at=datetime.fromtimestamp(now() - 1, tz=UTC))

    body = scrobbler.get("user/nova/playing-now").json()["payload"]

    assert body["count"] == 0
    assert body["listens"] == []


def test_a_new_playing_now_replaces_the_old(scrobbler):
    scrobbler.submit({"listen_type": "playing_now", "payload": [listen(track="First")]})
    scrobbler.submit({"listen_type": "playing_now", "payload": [listen(track="Second")]})

    listens = scrobbler.get("user/nova/playing-now").json()["payload"]["listens"]

    assert [item["track_metadata"]["track_name"] for item in listens] == ["Second"]


# --- rate limit ------------------------------------------------------------------------------------


def test_every_answer_carries_the_rate_limit_headers(scrobbler, settings):
    settings.LISTENBRAINZ_RATE_LIMIT = "5/10s"
    responses = [
        scrobbler.client.get("/1/validate-token", **scrobbler.auth()),
        scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 5)]}),
        scrobbler.submit(b"not json"),
        scrobbler.get("user/nobody/listens"),
    ]

    for response in responses:
        assert response["X-RateLimit-Limit"] == "5"
        assert 1 <= int(response["X-RateLimit-Reset-In"]) <= 10
        assert int(response["X-RateLimit-Reset"]) >= now()
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["4", "3", "2", "1"]


def test_past_the_limit_a_429_and_nothing_stored(scrobbler, settings):
    settings.LISTENBRAINZ_RATE_LIMIT = "3/10s"
    for i in range(3):
        assert (
            scrobbler.submit(
                {"listen_type": "single", "payload": [listen(now() - 50 + i, track=f"T{i}")]}
            ).status_code
            == 200
        )

    response = scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 5, track="late")]})

    assert response.status_code == 429
    assert response.json()["code"] == 429
    assert response["X-RateLimit-Remaining"] == "0"
    assert int(response["Retry-After"]) >= 1
    assert not Listen.objects.filter(title="late").exists()


def test_each_token_has_its_own_budget(scrobbler, settings):
    settings.LISTENBRAINZ_RATE_LIMIT = "1/10s"
    other = Client().get("/1/validate-token", HTTP_AUTHORIZATION="Token someone-else")

    assert scrobbler.client.get("/1/validate-token", **scrobbler.auth()).status_code == 200
    assert other.status_code == 200
    assert scrobbler.client.get("/1/validate-token", **scrobbler.auth()).status_code == 429
