"""POST/GET/DELETE /music/imports/ and GET /music/export/: shape, ownership, limits, the round trip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from core.request_limits import body_limit
from listening.importers import ListenRow
from listening.models import ImportJob, Listen
from listening.store import listens_store
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.imports.helpers import fixture, spotify_zip, upload

pytestmark = pytest.mark.django_db


def post(client, data: bytes, name: str = "my_spotify_data.zip", **fields):
    return client.post("/music/imports/", {"file": upload(data, name), **fields}, format="multipart")


def test_post_imports_in_the_background_and_get_shows_the_counts(
    auth_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(auth_client, spotify_zip())
    assert response.status_code == 202, response.content
    assert response.json()["format"] == "spotify_extended"
    job = auth_client.get(f"/music/imports/{response.json()['id']}/").json()
    assert job["status"] == "done"
    assert job["progress"] == 100
    assert (job["imported"], job["duplicates"], job["skipped"]) == (8, 0, {"skipped_short": 2})
    assert job["rows_read"] == 10
    assert job["bytes_read"] == job["bytes_total"] > 0
    listed = auth_client.get("/music/imports/").json()["jobs"]
    assert [item["id"] for item in listed] == [job["id"]]


def test_dry_run_field(auth_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(auth_client, spotify_zip(), dry_run="true")
    job = auth_client.get(f"/music/imports/{response.json()['id']}/").json()
    assert job["dry_run"]
    assert job["imported"] == 8
    assert Listen.objects.count() == 0


def test_confirm_imports_a_dry_run_without_a_second_upload(
    auth_client, user, other_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dry = post(auth_client, spotify_zip(), dry_run="true").json()["id"]
    assert client_for(other_user, "token").post(f"/music/imports/{dry}/confirm/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = auth_client.post(f"/music/imports/{dry}/confirm/")
    assert confirmed.status_code == 202
    assert confirmed.json()["dry_run"] is False
    assert Listen.objects.filter(user=user).count() == 8
    again = auth_client.post(f"/music/imports/{dry}/confirm/")
    assert again.status_code == 409


def test_another_users_job_is_404(auth_client, user, other_user, monkeypatch):
    monkeypatch.setattr("listening.import_jobs.enqueue_on_commit", lambda *a, **k: None)
    theirs = post(client_for(other_user, "token"), spotify_zip()).json()["id"]
    assert auth_client.get(f"/music/imports/{theirs}/").status_code == 404
    assert auth_client.delete(f"/music/imports/{theirs}/").status_code == 404
    assert auth_client.get("/music/imports/").json()["jobs"] == []
    assert ImportJob.objects.get(pk=theirs).status == "queued"


def test_delete_cancels_then_409(auth_client, monkeypatch):
    monkeypatch.setattr("listening.import_jobs.enqueue_on_commit", lambda *a, **k: None)
    job = post(auth_client, spotify_zip()).json()["id"]
    cancelled = auth_client.delete(f"/music/imports/{job}/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = auth_client.delete(f"/music/imports/{job}/")
    assert again.status_code == 409
    assert again.json()["code"] == "import_finished"


def test_refusals_are_clear_400s(auth_client):
    missing = auth_client.post("/music/imports/", {}, format="multipart")
    assert missing.status_code == 400
    assert "file" in missing.json()
    unknown = post(auth_client, b"just some notes", "notes.txt")
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "import_unknown_format"
    assert "Spotify Extended Streaming History" in unknown.json()["file"][0]


def test_anonymous_is_refused(api_client):
    assert api_client.get("/music/imports/").status_code == 401
    assert api_client.get("/music/export/").status_code == 401


def test_the_upload_has_its_own_body_limit(settings, auth_client):
    assert body_limit("/music/imports/") == settings.REQUEST_BODY_MAX_BYTES + settings.MAX_IMPORT_BYTES
    assert body_limit("/music/imports/1/") == settings.REQUEST_BODY_MAX_BYTES
    settings.MAX_IMPORT_BYTES = 10
    response = auth_client.post(
        "/music/imports/",
        data=b"x" * (settings.REQUEST_BODY_MAX_BYTES + 100),
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413


def test_the_upload_never_sits_in_memory(auth_client, monkeypatch):
    seen = []
    real = "listening.import_jobs.import_start"
    from listening import import_jobs

    original = import_jobs.import_start

    def spy(*, user, upload, dry_run=False):
        seen.append(type(upload).__name__)
        return original(user=user, upload=upload, dry_run=dry_run)

    monkeypatch.setattr(real, spy)
    monkeypatch.setattr("listening.import_jobs.enqueue_on_commit", lambda *a, **k: None)
    assert post(auth_client, fixture("StreamingHistory_music_0.json"), "s.json").status_code == 202
    assert seen == ["TemporaryUploadedFile"]


# --- export -------------------------------------------------------------------------------------------------

COMPARED = (
    "title",
    "artist",
    "album",
    "played_at",
    "source",
    "track_url",
    "artists_url",
    "duration_ms",
    "album_thumbnail",
    "artist_lastfm_url",
    "track_mbid",
    "artist_mbid",
    "album_mbid",
    "loved",
    "streamable",
    "album_thumbnail_small",
    "album_thumbnail_medium",
    "album_thumbnail_large",
    "album_thumbnail_extralarge",
    "client",
    "additional_info",
)


def _varied_history(user) -> None:
    base = datetime(2025, 12, 31, 23, 59, 58, 123456, tzinfo=UTC)
    listens_store(
        user_id=user.pk,
        rows=[
            ListenRow(
                title="Headlights",
                artist="Nova Lane",
                album="Night Drive",
                played_at=base,
                source="spotify",
                track_url="https://open.spotify.com/track/5trK9",
                artists_url="https://open.spotify.com/artist/1",
                duration_ms=174424,
                album_thumbnail="https://i.scdn.co/image/a",
            ),
            ListenRow(
                title="Tail Lights",
                artist="Nova Lane",
                album="",
                played_at=base + timedelta(seconds=5),
                source="lastfm",
                track_mbid="c7d0bf6e-b2aa-4ffa-bded-2448415b39b0",
                loved=True,
                artist_lastfm_url="https://www.last.fm/music/Nova+Lane",
                album_thumbnail_small="https://lastfm.freetls.fastly.net/i/u/34s/a1.jpg",
            ),
            ListenRow(
                title='Undertow, "Part 2"',
                artist="Harbor Static",
                album="Low Tide",
                played_at=base + timedelta(days=40),
                source="listenbrainz",
                client="Pano Scrobbler 3.1",
                additional_info={"isrc": "USXX11900001", "tags": ["a"]},
            ),
            ListenRow(
                title="Room Song",
                artist="Nova Lane",
                album="",
                played_at=base + timedelta(days=400),
                source="room",
            ),
        ],
    )


def _listens(user) -> list[tuple]:
    return list(Listen.objects.filter(user=user).order_by("played_at").values_list(*COMPARED))


def test_listenbrainz_export_round_trips_into_a_new_account(
    auth_client, user, django_capture_on_commit_callbacks
):
    _varied_history(user)
    listens_store(
        user_id=UserFactory().pk,
        rows=[
            ListenRow(title="Not Mine", artist="X", album="", played_at=datetime.now(UTC), source="spotify")
        ],
    )
    response = auth_client.get("/music/export/?format=listenbrainz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [
            "user.json",
            "listens/2025/12.jsonl",
            "listens/2026/1.jsonl",
            "listens/2026/2.jsonl",
            "listens/2027/2.jsonl",
        ]
        first = json.loads(archive.read("listens/2025/12.jsonl").splitlines()[0])
    assert first["listened_at"] == int(datetime(2025, 12, 31, 23, 59, 58, tzinfo=UTC).timestamp())
    assert first["track_metadata"]["track_name"] == "Headlights"
    assert first["track_metadata"]["additional_info"]["duration_ms"] == 174424

    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        imported = post(client_for(newcomer, "token"), data, "listenbrainz_export.zip")
    assert imported.status_code == 202, imported.content
    job = ImportJob.objects.get(user=newcomer)
    assert job.status == "done"
    assert job.imported == 4
    assert _listens(newcomer) == _listens(user)


def test_csv_export_has_a_header_and_only_my_listens(auth_client, user):
    _varied_history(user)
    listens_store(
        user_id=UserFactory().pk,
        rows=[
            ListenRow(title="Not Mine", artist="X", album="", played_at=datetime.now(UTC), source="spotify")
        ],
    )
    response = auth_client.get("/music/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["title"] for row in rows] == ["Headlights", "Tail Lights", 'Undertow, "Part 2"', "Room Song"]
    assert rows[0]["played_at"] == "2025-12-31T23:59:58.123456+00:00"
    assert rows[0]["duration_ms"] == "174424"


def test_export_pages_through_a_long_history(auth_client, user, monkeypatch):
    monkeypatch.setattr("listening.export.EXPORT_PAGE", 3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        ListenRow(
            title=f"T{n}", artist="A", album="", played_at=start + timedelta(seconds=n // 2), source="spotify"
        )
        for n in range(10)
    ]
    listens_store(user_id=user.pk, rows=rows)  # pairs share a played_at: the keyset breaks ties by id
    body = b"".join(auth_client.get("/music/export/?format=csv").streaming_content).decode()
    assert sorted(row["title"] for row in csv.DictReader(io.StringIO(body))) == sorted(
        f"T{n}" for n in range(10)
    )


def test_unknown_export_format_is_a_400(auth_client):
    response = auth_client.get("/music/export/?format=xml")
    assert response.status_code == 400
    assert "format" in response.json()


@pytest.mark.django_db(transaction=True)  # the ASGI handler runs the view on another connection
def test_under_asgi_the_export_is_streamed_with_an_async_iterator(user):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    from users.services import auth_credentials_issue

    _varied_history(user)
    token = auth_credentials_issue(user=user).key
    client = AsyncClient()

    async def fetch():
        response = await client.get("/music/export/?format=csv", headers={"Authorization": f"Token {token}"})
        return response, b"".join([chunk async for chunk in response.streaming_content])

    response, data = async_to_sync(fetch)()
    assert response.status_code == 200
    assert response.is_async
    assert data.decode().count("\n") == 5  # the header and four listens
