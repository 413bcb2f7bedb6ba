"""The ListenBrainz API contract over real HTTP, against any base URL.

By default it starts MusicHub's ASGI application (uvicorn) on the test database and runs there, as CI does.
To check another deployment, point it there (an account that may receive test listens):

    LISTENBRAINZ_CONTRACT_URL=https://music.example.org LISTENBRAINZ_CONTRACT_TOKEN=… \\
    LISTENBRAINZ_CONTRACT_USER=… pytest tests/scrobbling/test_contract.py

Every check uses listens of its own (a random tag in the names), so it can run against a live account.
The recorded requests at the end are shaped the way real players and scrobblers send theirs.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)

ROOTS = ("/1/", "/apis/listenbrainz/1/")
OWN = object()  # "the target's own token"


@dataclass
class Target:
    url: str
    token: str
    user_name: str

    def request(self, method: str, path: str, *, token: Any = OWN, word: str = "Token", **kw: Any):
        headers = dict(kw.pop("headers", {}))
        if token is OWN:
            token = self.token
        if token is not None:
            headers["Authorization"] = f"{word} {token}"
        return httpx.request(method, self.url + path, headers=headers, timeout=60, **kw)

    def submit(self, document: Any, *, root: str = "/1/", **kw: Any) -> httpx.Response:
        raw = document if isinstance(document, bytes) else json.dumps(document).encode()
        return self.request("POST", f"{root}submit-listens", content=raw, **kw)

    def listens(self, **params: Any) -> dict:
        response = self.request("GET", f"/1/user/{self.user_name}/listens", params=params)
        assert response.status_code == 200, response.text
        return response.json()["payload"]

    def count(self) -> int:
        return self.request("GET", f"/1/user/{self.user_name}/listen-count").json()["payload"]["count"]


@pytest.fixture
def target(request) -> Target:
    url = os.environ.get("LISTENBRAINZ_CONTRACT_URL")
    if url:
        return Target(
            url.rstrip("/"),
            os.environ["LISTENBRAINZ_CONTRACT_TOKEN"],
            os.environ["LISTENBRAINZ_CONTRACT_USER"],
        )
    from scrobbling.services import listenbrainz_token_issue
    from tests.factories import UserFactory
    from tests.secrets_watch import watch
    from users.services import user_name_set

    server = request.getfixturevalue("live_musichub")
    user = UserFactory()
    user_name_set(user=user, user_name="contract")
    return Target(server.url, watch(listenbrainz_token_issue(user=user)), "contract")


def tag() -> str:
    return secrets.token_hex(4)


def a_listen(ts: int | None, track: str, **info: Any) -> dict:
    metadata: dict[str, Any] = {"artist_name": "Contract Band", "track_name": track, "release_name": "Checks"}
    if info:
        metadata["additional_info"] = info
    listen: dict[str, Any] = {"track_metadata": metadata}
    if ts is not None:
        listen["listened_at"] = ts
    return listen


def now() -> int:
    return int(time.time())


# --- validate-token and auth -----------------------------------------------------------------------


@pytest.mark.parametrize("root", ROOTS)
def test_validate_token(target, root):
    for path in (f"{root}validate-token", f"{root}validate-token/"):
        valid = target.request("GET", path, word="token")
        assert valid.status_code == 200
        assert valid.json() == {
            "code": 200,
            "message": "Token valid.",
            "valid": True,
            "user_name": target.user_name,
        }
    by_query = target.request("GET", f"{root}validate-token", token=None, params={"token": target.token})
    assert by_query.json()["valid"] is True
    invalid = target.request("GET", f"{root}validate-token", token="00000000-0000-0000-0000-000000000000")
    assert invalid.status_code == 200
    assert invalid.json() == {"code": 200, "message": "Token invalid.", "valid": False}
    none = target.request("GET", f"{root}validate-token", token=None)
    assert none.status_code == 400
    assert none.json() == {"code": 400, "error": "You need to provide an Authorization token."}


def test_auth_errors(target):
    document = {"listen_type": "single", "payload": [a_listen(now() - 60, tag())]}
    missing = target.submit(document, token=None)
    assert (missing.status_code, missing.json()) == (
        401,
        {"code": 401, "error": "You need to provide an Authorization header."},
    )
    unknown = target.submit(document, token="00000000-0000-0000-0000-000000000000")
    assert (unknown.status_code, unknown.json()["error"]) == (401, "Invalid authorization token.")
    no_word = target.submit(document, headers={"Authorization": target.token}, token=None)
    assert (no_word.status_code, no_word.json()["error"]) == (
        401,
        "Provided Authorization header is invalid.",
    )


# --- submit, idempotence, reads --------------------------------------------------------------------


def test_submit_retry_and_read_back(target):
    before = target.count()
    name = f"Single {tag()}"
    ts = now() - 120
    document = {
        "listen_type": "single",
        "payload": [a_listen(ts, name, duration_ms=215000, submission_client="contract")],
    }

    for _ in range(3):  # a client retrying its POST
        response = target.submit(document)
        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    assert target.count() == before + 1
    found = [
        item for item in target.listens(count=100)["listens"] if item["track_metadata"]["track_name"] == name
    ]
    assert len(found) == 1
    listen = found[0]
    assert listen["listened_at"] == ts
    assert listen["user_name"] == target.user_name
    assert isinstance(listen["inserted_at"], int)
    assert listen["recording_msid"]
    assert listen["track_metadata"]["additional_info"]["duration_ms"] == 215000
    assert listen["track_metadata"]["additional_info"]["submission_client"] == "contract"


def test_same_second_two_tracks_are_two_listens(target):
    ts = now() - 90
    label = tag()
    before = target.count()

    target.submit(
        {"listen_type": "import", "payload": [a_listen(ts, f"A {label}"), a_listen(ts, f"B {label}")]}
    )

    assert target.count() == before + 2


def test_import_of_1000_and_paging(target):
    label = tag()
    base = now() - 200_000
    payload = [a_listen(base + i, f"Import {label} {i}") for i in range(1000)]

    assert target.submit({"listen_type": "import", "payload": payload}).status_code == 200

    page = target.listens(max_ts=base + 1000, min_ts=base - 1, count=1000)
    assert page["count"] == 1000
    stamps = [item["listened_at"] for item in page["listens"]]
    assert stamps == sorted(stamps, reverse=True)
    assert target.listens(max_ts=base + 10, min_ts=base + 5)["count"] == 4  # exclusive bounds
    assert target.listens(max_ts=base + 1000, min_ts=base - 1)["count"] == 25  # the default count
    overall = target.listens(count=1)
    assert overall["latest_listen_ts"] >= base + 999
    assert overall["oldest_listen_ts"] <= base


def test_playing_now_round_trip(target):
    name = f"Now {tag()}"
    document = {"listen_type": "playing_now", "payload": [a_listen(None, name, duration=300)]}

    assert target.submit(document).status_code == 200
    payload = target.request("GET", f"/1/user/{target.user_name}/playing-now").json()["payload"]
    assert payload["count"] == 1
    assert payload["playing_now"] is True
    assert payload["listens"][0]["track_metadata"]["track_name"] == name
    assert payload["listens"][0]["playing_now"] is True

    cleared = target.request("POST", "/1/playing-now/delete")
    assert cleared.json() == {"status": "ok", "message": "Playing now cleared successfully"}
    assert target.request("GET", f"/1/user/{target.user_name}/playing-now").json()["payload"]["count"] == 0


# --- refusals --------------------------------------------------------------------------------------

REFUSALS: list[tuple[Callable[[], Any], str]] = [
    (lambda: b"{nope", "Cannot parse JSON document: "),
    (lambda: [], "Invalid JSON document submitted. Top level of JSON document should be a json object."),
    (
        lambda: {"listen_type": "single", "payload": "x"},
        "The payload in the JSON document should be a list of listens.",
    ),
    (lambda: {"listen_type": "single", "payload": []}, "JSON document does not contain any listens"),
    (
        lambda: {"listen_type": "import", "payload": [a_listen(now() - 9, "x")] * 1001},
        "Too many listens. You may not submit more than 1000 listens at once.",
    ),
    (
        lambda: {"listen_type": "loop", "payload": [a_listen(now() - 9, "x")]},
        "JSON document requires a valid listen_type key.",
    ),
    (
        lambda: {"listen_type": "single", "payload": [a_listen(now() - 9, "x"), a_listen(now() - 8, "y")]},
        "JSON document contains more than listen for a single/playing_now. It should contain only one.",
    ),
    (
        lambda: {"listen_type": "single", "payload": [a_listen(now() * 1000, "ms")]},
        "Value for key listened_at is too high.",
    ),
    (
        lambda: {"listen_type": "single", "payload": [a_listen(1000, "old")]},
        "Value for key listened_at is too low. listened_at timestamp should be greater than 1033410600 "
        "(2002-10-01 00:00:00 UTC).",
    ),
    (
        lambda: {
            "listen_type": "single",
            "payload": [a_listen(now() - 9, "x", duration=1, duration_ms=1000)],
        },
        "JSON document should not contain both duration and duration_ms.",
    ),
    (
        lambda: {"listen_type": "single", "payload": [a_listen(now() - 9, "x", recording_mbid="nope")]},
        "recording_mbid MBID format invalid.",
    ),
    (
        lambda: {"listen_type": "single", "payload": [a_listen(now() - 9, "nul\u0000")]},
        "nul\u0000 contains a unicode null",
    ),
]


@pytest.mark.parametrize(("document", "message"), REFUSALS)
def test_refusals_store_nothing(target, document, message):
    before = target.count()

    response = target.submit(document())

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert body["error"].startswith(message)
    assert target.count() == before


def test_the_body_limits(target):
    before = target.count()
    padding = "p" * 10_300
    payload = [a_listen(now() - 5000 + i, f"Big {i}", comment=padding) for i in range(1000)]
    raw = json.dumps({"listen_type": "import", "payload": payload}).encode()
    assert len(raw) > 10_240_000

    response = target.submit(raw)

    assert response.status_code == 400
    assert response.json()["error"] == "Payload too large. Payload cannot exceed 10240000 bytes"
    assert target.count() == before
    # far past it: refused from the Content-Length before the body is read
    huge = target.submit(b" " * 13_000_000)
    assert huge.status_code == 413


def test_reads_errors(target):
    unknown = target.request("GET", "/1/user/no-such-user-here/listens")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"code": 404, "error": "Cannot find user: no-such-user-here"},
    )
    negative = target.request("GET", f"/1/user/{target.user_name}/listens", params={"count": -1})
    assert (negative.status_code, negative.json()["error"]) == (
        400,
        "Number of items requested should be positive",
    )
    not_served = target.request("GET", f"/1/stats/user/{target.user_name}/artists")
    assert not_served.status_code == 404
    assert not_served.json()["code"] == 404


def test_rate_limit_headers_on_every_answer(target):
    answers = [
        target.request("GET", "/1/validate-token"),
        target.submit(b"{"),
        target.request("GET", "/1/user/no-such-user-here/listens"),
        target.submit({"listen_type": "single", "payload": [a_listen(now() - 30, tag())]}),
    ]
    for response in answers:
        for header in (
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset-In",
            "X-RateLimit-Reset",
        ):
            assert int(response.headers[header]) >= 0


# --- requests as real clients send them ------------------------------------------------------------


def recorded(target: Target, label: str) -> list[tuple[str, str, str, dict[str, str], bytes | None]]:
    """(client, method, path, headers, body) in each client's own spelling."""
    t = target.token
    ts = now() - 240

    def body(listen_type: str, listens: list[dict]) -> bytes:
        return json.dumps({"listen_type": listen_type, "payload": listens}).encode()

    navidrome_info = {
        "submission_client": "Navidrome",
        "submission_client_version": "0.53.3 (b7f8a9c)",
        "artist_names": ["Nova Lane"],
        "artist_mbids": ["a96d82a0-cdca-40bf-b4c8-3d7ec178d85b"],
        "recording_mbid": "c7d0bf6e-b2aa-4ffa-bded-2448415b39b0",
        "release_mbid": "",
        "tracknumber": 3,
        "duration_ms": 215000,
    }
    nav = {"artist_name": "Nova Lane", "track_name": f"Navidrome {label}", "release_name": "Night Drive"}
    navidrome_json = {"Authorization": f"Token {t}", "Content-Type": "application/json; charset=UTF-8"}
    pano = {
        "artist_name": "Nova Lane",
        "track_name": f"Pano {label}",
        "additional_info": {
            "duration_ms": 215000,
            "submission_client": "Pano Scrobbler",
            "submission_client_version": "4.0",
        },
    }
    web = {
        "artist_name": "Nova Lane",
        "track_name": f"WebScrobbler {label}",
        "release_name": "Night Drive",
        "additional_info": {
            "duration": 215,
            "origin_url": "https://www.youtube.com/watch?v=abc",
            "music_service_name": "YouTube",
            "submission_client": "Web Scrobbler",
            "submission_client_version": "3.9.0",
        },
    }
    ms = {
        "artist_name": "Nova Lane",
        "track_name": f"multi-scrobbler {label}",
        "additional_info": {
            "duration": 215,
            "media_player": "Plex",
            "submission_client": "multi-scrobbler",
            "submission_client_version": "0.9.1",
            "artist_names": ["Nova Lane"],
        },
    }
    jellyfin = {
        "artist_name": "Nova Lane",
        "track_name": f"Jellyfin {label}",
        "additional_info": {
            "media_player": "Jellyfin",
            "media_player_version": "10.10.3",
            "submission_client": "ListenBrainz plugin for Jellyfin",
            "duration_ms": 215000,
        },
    }
    assistant = {
        "artist_name": "Nova Lane",
        "track_name": f"Music Assistant {label}",
        "additional_info": {"media_player": "Music Assistant"},
    }
    return [
        ("Navidrome", "GET", "/1/validate-token", {"Authorization": f"Token {t}"}, None),
        (
            "Navidrome",
            "POST",
            "/1/submit-listens",
            navidrome_json,
            body("playing_now", [{"track_metadata": {**nav, "additional_info": navidrome_info}}]),
        ),
        (
            "Navidrome",
            "POST",
            "/1/submit-listens",
            navidrome_json,
            body(
                "single", [{"listened_at": ts, "track_metadata": {**nav, "additional_info": navidrome_info}}]
            ),
        ),
        (
            "Pano Scrobbler",
            "GET",
            "/apis/listenbrainz/1/validate-token",
            {"Authorization": f"token {t}"},
            None,
        ),
        (
            "Pano Scrobbler",
            "POST",
            "/apis/listenbrainz/1/submit-listens",
            {"Authorization": f"token {t}", "Content-Type": "application/json"},
            body("import", [{"listened_at": ts + 1, "track_metadata": pano}]),
        ),
        (
            "Pano Scrobbler",
            "GET",
            f"/apis/listenbrainz/1/user/{target.user_name}/listens?count=100",
            {"Authorization": f"token {t}"},
            None,
        ),
        (
            "Pano Scrobbler",
            "GET",
            f"/apis/listenbrainz/1/user/{target.user_name}/playing-now",
            {"Authorization": f"token {t}"},
            None,
        ),
        (
            "Pano Scrobbler",
            "GET",
            f"/apis/listenbrainz/1/user/{target.user_name}/listen-count",
            {"Authorization": f"token {t}"},
            None,
        ),
        (
            "Web Scrobbler",
            "POST",
            "/1/submit-listens",
            {"Authorization": f"Token {t}", "Content-Type": "application/json"},
            body("single", [{"listened_at": ts + 2, "track_metadata": web}]),
        ),
        (
            "multi-scrobbler",
            "GET",
            "/apis/listenbrainz/1/validate-token/",
            {"Authorization": f"Token {t}"},
            None,
        ),
        (
            "multi-scrobbler",
            "POST",
            "/apis/listenbrainz/1/submit-listens/",
            {"Authorization": f"Token {t}", "Content-Type": "application/json"},
            body("single", [{"listened_at": ts + 3, "track_metadata": ms}]),
        ),
        (
            "multi-scrobbler",
            "GET",
            f"/apis/listenbrainz/1/user/{target.user_name}/listens/?count=100&min_ts={ts - 10}",
            {"Authorization": f"Token {t}"},
            None,
        ),
        (
            "Jellyfin plugin",
            "POST",
            "/1/submit-listens",
            {"Authorization": f"Token {t}", "Content-Type": "application/json"},
            body("import", [{"listened_at": ts + 4, "track_metadata": jellyfin}]),
        ),
        (
            "Music Assistant",
            "POST",
            "/1/submit-listens",
            {"Authorization": f"Bearer {t}"},
            body("single", [{"listened_at": ts + 5, "track_metadata": assistant}]),
        ),
    ]


def test_recorded_client_requests(target):
    label = tag()
    requests = recorded(target, label)

    for client, method, path, headers, raw in requests:
        response = httpx.request(method, target.url + path, headers=headers, content=raw, timeout=30)
        assert response.status_code == 200, (client, path, response.text)
        assert response.headers["Content-Type"] == "application/json"
        if path.endswith("validate-token") or path.endswith("validate-token/"):
            assert response.json()["user_name"] == target.user_name  # Pano Scrobbler needs it

    names = {item["track_metadata"]["track_name"] for item in target.listens(count=100)["listens"]}
    for client in ("Navidrome", "Pano", "WebScrobbler", "multi-scrobbler", "Jellyfin", "Music Assistant"):
        assert f"{client} {label}" in names, client
