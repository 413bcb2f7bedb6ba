"""POST /1/submit-listens and the auth around it, through Django's whole stack (middleware included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from listening.models import Listen
from scrobbling.models import ListenBrainzToken, PlayingNow
from scrobbling.services import listenbrainz_token_issue, listenbrainz_token_revoke
from tests.factories import UserFactory
from tests.scrobbling.conftest import listen, now
from tests.secrets_watch import watch

pytestmark = pytest.mark.django_db

# Real listens in ListenBrainz's export format (metabrainz/listenbrainz-server, listenbrainz/testdata/).
FIXTURE = Path(__file__).resolve().parent / "listenbrainz_listens.jsonl"


def test_a_single_listen_is_stored_in_the_listen_table(scrobbler):
    ts = now() - 200
    info = {
        "duration_ms": 215000,
        "submission_client": "Navidrome",
        "submission_client_version": "0.53.3",
        "media_player": "Feishin",
        "music_service": "navidrome",
        "recording_mbid": "C7D0BF6E-B2AA-4FFA-BDED-2448415B39B0",
        "release_mbid": "{c6911b3b-135f-4b7b-a2cc-b90ea1e11ac9}",
        "artist_mbids": ["a96d82a0cdca40bfb4c83d7ec178d85b"],
        "origin_url": "https://example.org/track/1",
        "tags": ["new wave"],
        "whatever": {"a client": ["keeps", 1]},
    }

    response = scrobbler.submit({"listen_type": "single", "payload": [listen(ts, additional_info=info)]})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    row = Listen.objects.get(user=scrobbler.user)
    assert (row.title, row.artist, row.album, row.source) == (
        "Tail Lights",
        "Nova Lane",
        "Night Drive",
        "listenbrainz",
    )
    assert row.played_at == datetime.fromtimestamp(ts, tz=UTC)  # listened_at: when the play started
    assert row.duration_ms == 215000
    assert row.client == "Navidrome 0.53.3"
    assert row.track_mbid == "c7d0bf6e-b2aa-4ffa-bded-2448415b39b0"
    assert row.album_mbid == "c6911b3b-135f-4b7b-a2cc-b90ea1e11ac9"
    assert row.artist_mbid == "a96d82a0-cdca-40bf-b4c8-3d7ec178d85b"
    assert row.track_url == "https://example.org/track/1"
    assert row.additional_info == info  # kept whole


def test_the_same_listen_twice_answers_ok_and_is_stored_once(scrobbler):
    document = {"listen_type": "single", "payload": [listen(now() - 100)]}

    answers = [scrobbler.submit(document).status_code for _ in range(5)]  # a client retrying

    assert answers == [200] * 5
    assert Listen.objects.filter(user=scrobbler.user).count() == 1


def test_two_different_tracks_at_the_same_second_are_two_listens(scrobbler):
    ts = now() - 100
    document = {"listen_type": "import", "payload": [listen(ts, track="One"), listen(ts, track="Two")]}

    assert scrobbler.submit(document).status_code == 200
    assert scrobbler.submit(document).status_code == 200
    assert sorted(Listen.objects.values_list("title", flat=True)) == ["One", "Two"]


def test_an_import_of_1000_listens_is_stored(scrobbler, django_assert_max_num_queries):
    base = now() - 10_000
    payload = [listen(base + i, track=f"Track {i}", additional_info={"duration": 200}) for i in range(1000)]

    # auth, rate limit (cache), one store statement per page, then the stats (a lock, upserts in batches)
    with django_assert_max_num_queries(16):
        response = scrobbler.submit({"listen_type": "import", "payload": payload})

    assert response.status_code == 200
    assert Listen.objects.filter(user=scrobbler.user, source="listenbrainz").count() == 1000


def test_a_refused_request_stores_nothing(scrobbler):
    payload = [listen(now() - 10, track=f"T{i}") for i in range(5)] + [listen(now() * 1000)]

    response = scrobbler.submit({"listen_type": "import", "payload": payload})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert body["error"] == "Value for key listened_at is too high."
    assert body["listened_at"] == now() * 1000  # the listen is echoed
    assert not Listen.objects.exists()


def test_the_export_fixture_listens_are_accepted_as_submitted(scrobbler):
    exported = json.loads(FIXTURE.read_text().splitlines()[0])
    metadata = exported["track_metadata"]
    submitted = {
        "listened_at": exported["listened_at"],
        "track_metadata": {
            "artist_name": metadata["artist_name"],
            "track_name": metadata["track_name"],
            "release_name": metadata["release_name"],
            "additional_info": metadata["additional_info"],
        },
    }

    assert scrobbler.submit({"listen_type": "import", "payload": [submitted]}).status_code == 200

    row = Listen.objects.get()
    assert row.title == "Golden Brown"
    assert row.additional_info["isrc"] == "GBAYE8100053"
    assert row.duration_ms == 206760
    assert row.track_url == "https://open.spotify.com/track/2AX5E86cn9n2dgioZEjirI"


def test_another_sources_copy_of_the_play_keeps_its_loved_flag(scrobbler):
    played = datetime.fromtimestamp(now() - 500, tz=UTC)
    Listen.objects.create(
        user=scrobbler.user,
        title="Tail Lights",
        artist="Nova Lane",
        played_at=played,
        source="lastfm",
        loved=True,
    )

    scrobbler.submit({"listen_type": "single", "payload": [listen(int(played.timestamp()))]})

    row = Listen.objects.get()
    assert row.loved is True
    assert row.source == "lastfm"


# --- auth ------------------------------------------------------------------------------------------


def test_no_authorization_header(scrobbler):
    response = Client().post("/1/submit-listens", b"{}", content_type="application/json")

    assert response.status_code == 401
    assert response.json() == {"code": 401, "error": "You need to provide an Authorization header."}


def test_an_unknown_token(scrobbler):
    response = Client().post(
        "/1/submit-listens", b"{}", content_type="application/json", HTTP_AUTHORIZATION="Token 0000-nope"
    )

    assert response.status_code == 401
    assert response.json() == {"code": 401, "error": "Invalid authorization token."}


def test_a_header_without_a_scheme_word(scrobbler):
    response = Client().post(
        "/1/submit-listens", b"{}", content_type="application/json", HTTP_AUTHORIZATION=scrobbler.token
    )

    assert response.status_code == 401
    assert response.json() == {"code": 401, "error": "Provided Authorization header is invalid."}


@pytest.mark.parametrize("word", ["Token", "token", "Bearer", "anything"])
def test_the_scheme_word_is_not_checked(scrobbler, word):
    response = scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 60)]}, word=word)

    assert response.status_code == 200


def test_a_revoked_or_replaced_token_stops_working(scrobbler):
    old = scrobbler.token
    new = watch(listenbrainz_token_issue(user=scrobbler.user))
    document = {"listen_type": "single", "payload": [listen(now() - 60)]}

    assert scrobbler.submit(document).status_code == 401
    scrobbler.token = new
    assert scrobbler.submit(document).status_code == 200
    listenbrainz_token_revoke(user=scrobbler.user)
    assert scrobbler.submit(document).status_code == 401
    assert old != new


def test_the_token_is_stored_as_a_digest_only(scrobbler):
    row = ListenBrainzToken.objects.get(user=scrobbler.user)

    assert row.digest == ListenBrainzToken.digest_of(scrobbler.token)
    assert scrobbler.token not in (row.digest, row.prefix)
    assert len(row.prefix) == 8


def test_an_inactive_users_token_is_invalid(scrobbler):
    scrobbler.user.is_active = False
    scrobbler.user.save()

    response = scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 60)]})

    assert response.status_code == 401


def test_listens_go_to_the_tokens_owner_only(scrobbler):
    other = UserFactory()
    scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 60)]})

    assert Listen.objects.filter(user=other).count() == 0
    assert Listen.objects.filter(user=scrobbler.user).count() == 1


# --- transport: content types, paths, methods ------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["", "text/plain", "application/json; charset=utf-8", "application/x-www-form-urlencoded"]
)
def test_json_whatever_the_content_type(scrobbler, content_type):
    response = scrobbler.submit(
        {"listen_type": "single", "payload": [listen(now() - 60)]}, content_type=content_type
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "/1/submit-listens",
        "/1/submit-listens/",
        "/apis/listenbrainz/1/submit-listens",
        "/apis/listenbrainz/1/submit-listens/",
    ],
)
def test_every_mount_with_or_without_a_slash(scrobbler, path):
    response = scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 60)]}, path=path)

    assert response.status_code == 200


def test_no_csrf_token_is_needed(scrobbler):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/1/submit-listens",
        json.dumps({"listen_type": "single", "payload": [listen(now() - 60)]}),
        content_type="application/json",
        **scrobbler.auth(),
    )

    assert response.status_code == 200


def test_a_get_on_submit_is_a_json_405(scrobbler):
    response = scrobbler.client.get("/1/submit-listens", **scrobbler.auth())

    assert response.status_code == 405
    assert response.json()["code"] == 405


@pytest.mark.parametrize(
    "path",
    [
        "/1/feedback/recording-feedback",
        "/1/stats/user/nova/artists",
        "/apis/listenbrainz/1/metadata/recording/",
    ],
)
def test_endpoints_not_served_answer_a_json_404(scrobbler, path):
    response = scrobbler.client.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == 404


# --- body limits -----------------------------------------------------------------------------------


def test_a_body_over_the_listenbrainz_limit_is_its_400_not_a_413(scrobbler, settings):
    padding = "p" * 10_300
    payload = [listen(now() - 5000 + i, track=f"T{i}", release_name=padding) for i in range(1000)]
    raw = json.dumps({"listen_type": "import", "payload": payload}).encode()
    assert settings.REQUEST_BODY_MAX_BYTES < 10_240_000 < len(raw)

    response = scrobbler.submit(raw)

    assert response.status_code == 400
    assert response.json()["error"] == "Payload too large. Payload cannot exceed 10240000 bytes"
    assert not Listen.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(scrobbler, settings):
    from tests.core.test_request_limits import wsgi_post

    limit = settings.REQUEST_BODY_MAX_BYTES + settings.LISTENBRAINZ_MAX_BODY_BYTES
    status, body, stream = wsgi_post("/1/submit-listens", limit + 1)

    assert status == 413
    assert stream.reads == 0
    assert str(limit) in body["detail"]


def test_other_listenbrainz_paths_keep_the_small_limit(settings):
    from core.request_limits import body_limit

    assert body_limit("/1/submit-listens/") == settings.REQUEST_BODY_MAX_BYTES + 10_240_000
    assert body_limit("/apis/listenbrainz/1/submit-listens") == settings.REQUEST_BODY_MAX_BYTES + 10_240_000
    assert body_limit("/1/validate-token") == settings.REQUEST_BODY_MAX_BYTES


# --- playing now -----------------------------------------------------------------------------------


def test_playing_now_is_kept_for_the_tracks_duration(scrobbler):
    item = {
        "track_metadata": {
            "artist_name": "Nova Lane",
            "track_name": "Tail Lights",
            "additional_info": {"duration_ms": 215000},
        }
    }

    response = scrobbler.submit({"listen_type": "playing_now", "payload": [item]})

    assert response.status_code == 200
    playing = PlayingNow.objects.get(user=scrobbler.user)
    assert round((playing.expires_at - playing.started_at).total_seconds()) == 215
    assert not Listen.objects.exists()  # playing now is not a listen


def test_playing_now_without_a_duration_lasts_the_default(scrobbler, settings):
    settings.LISTENBRAINZ_PLAYING_NOW_SECONDS = 600
    scrobbler.submit({"listen_type": "playing_now", "payload": [listen()]})

    playing = PlayingNow.objects.get(user=scrobbler.user)
    assert round((playing.expires_at - playing.started_at).total_seconds()) == 600


def test_playing_now_delete(scrobbler):
    scrobbler.submit({"listen_type": "playing_now", "payload": [listen()]})

    response = scrobbler.client.post("/1/playing-now/delete", **scrobbler.auth())

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "message": "Playing now cleared successfully"}
    assert not PlayingNow.objects.exists()


def test_playing_now_delete_needs_the_token(scrobbler):
    response = scrobbler.client.post("/1/playing-now/delete")

    assert response.status_code == 401
