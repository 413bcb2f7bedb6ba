"""Background sync and the full Last.fm backfill, against the sandbox."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from listening import store, sync
from listening.models import Listen, SyncJob
from providers.spotify import SpotifyClient
from tests.factories import UserFactory
from tests.listening.conftest import connect_lastfm, connect_spotify

pytestmark = pytest.mark.django_db

WIZ_SCROBBLES = 3000  # the sandbox's seeded Last.fm history for "wiz"
SYNC = "/music/sync/"


def start(client, capture, **body):
    with capture(execute=True):
        return client.post(SYNC, body, format="json")


@pytest.mark.real_clock  # the sandbox's own clock checks the pace
def test_a_full_backfill_imports_the_whole_history(
    sandbox, auth_client, lastfm_user, django_capture_on_commit_callbacks
):
    response = start(auth_client, django_capture_on_commit_callbacks, source="lastfm", kind="backfill")

    assert response.status_code == 202, response.json()
    job = SyncJob.objects.get(user=lastfm_user)
    assert job.status == "done"
    assert job.imported == WIZ_SCROBBLES
    assert job.pages_total == job.pages_done == 15
    assert Listen.objects.filter(user=lastfm_user, source="lastfm").count() == WIZ_SCROBBLES
    arrivals = sorted(call["time"] for call in sandbox.calls("lastfm"))
    spans = [sixth - first for first, sixth in zip(arrivals, arrivals[5:], strict=False)]
    # Last.fm's 5 requests a second per key: no six calls inside any second, wherever it starts
    # (less 50 ms for the requests' own jitter on the way to the sandbox).
    assert min(spans) >= 0.95, spans
    status = auth_client.get("/music/sync/status/").json()["jobs"][0]
    assert status["status"] == "done"
    assert status["progress"] == 100
    assert status["imported"] == WIZ_SCROBBLES


def test_a_rate_limit_and_server_errors_are_waited_out(
    sandbox, auth_client, lastfm_user, django_capture_on_commit_callbacks, fake_clock
):
    sandbox.fault("lastfm", status=429, retry_after=1, count=1, path="/lastfm")
    start(
        auth_client, django_capture_on_commit_callbacks, source="lastfm", kind="backfill"
    )  # discovery call hit
    job = SyncJob.objects.get(user=lastfm_user)
    assert job.status == "done"
    assert job.imported == WIZ_SCROBBLES
    assert 1 in fake_clock.sleeps  # the Retry-After, waited out (on the fake clock)

    Listen.objects.all().delete()
    sandbox.fault("lastfm", status=503, count=3)  # one call fails after the session's two retries
    start(auth_client, django_capture_on_commit_callbacks, source="lastfm", kind="backfill")

    job = SyncJob.objects.filter(user=lastfm_user).latest("created_at")
    assert job.status == "done"
    assert job.imported == WIZ_SCROBBLES
    assert Listen.objects.filter(user=lastfm_user).count() == WIZ_SCROBBLES
    assert [call["status"] for call in sandbox.calls("lastfm")].count(503) == 3
    assert 2 in fake_clock.sleeps  # the session's retries spent: the job waited 2 s and went on


def test_a_killed_backfill_resumes_without_duplicates(
    auth_client, lastfm_user, django_capture_on_commit_callbacks
):
    auth_client.post(
        SYNC, {"source": "lastfm", "kind": "backfill"}, format="json"
    )  # queued, worker never ran
    job = SyncJob.objects.get(user=lastfm_user)
    for _ in range(5):  # the discovery call and four pages, then the worker dies
        sync.sync_step(job.pk)
    job.refresh_from_db()
    assert job.pages_done == 4
    assert Listen.objects.count() == 800
    SyncJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    response = start(auth_client, django_capture_on_commit_callbacks, source="lastfm", kind="backfill")

    assert response.json()["id"] == job.pk  # the same job, resumed
    job.refresh_from_db()
    assert job.status == "done"
    assert job.imported == WIZ_SCROBBLES
    assert Listen.objects.count() == WIZ_SCROBBLES


def test_the_cursor_never_passes_a_page_that_was_not_committed(lastfm_user, monkeypatch):
    job = sync.sync_start(user=lastfm_user, source="lastfm", kind="backfill")
    sync.sync_step(job.pk)
    sync.sync_step(job.pk)
    job.refresh_from_db()
    cursor_before, imported_before = dict(job.cursor), job.imported
    real_store = store.listens_store

    def crash(**kwargs):
        real_store(**kwargs)
        raise RuntimeError("the database connection dropped mid-page")

    monkeypatch.setattr(sync, "listens_store", crash)
    with pytest.raises(RuntimeError):
        sync.sync_step(job.pk)

    job.refresh_from_db()
    assert job.cursor == cursor_before
    assert job.imported == imported_before
    assert Listen.objects.count() == imported_before
    monkeypatch.setattr(sync, "listens_store", real_store)
    while not sync.sync_step(job.pk).done:
        pass
    job.refresh_from_db()
    assert job.imported == WIZ_SCROBBLES
    assert Listen.objects.count() == WIZ_SCROBBLES


def test_an_incremental_lastfm_sync_fetches_only_new_scrobbles(
    sandbox, auth_client, lastfm_user, django_capture_on_commit_callbacks
):
    start(auth_client, django_capture_on_commit_callbacks, source="lastfm", kind="backfill")
    newest = Listen.objects.filter(user=lastfm_user).latest("played_at").played_at
    sandbox.admin(
        "lastfm",
        "add_scrobbles",
        user="wiz",
        tracks=[{"title": "Brand New", "artist": "Nova Lane", "uts": int(newest.timestamp()) + 600}],
    )

    start(auth_client, django_capture_on_commit_callbacks, source="lastfm")

    job = SyncJob.objects.filter(user=lastfm_user).latest("created_at")
    assert job.kind == "sync"
    assert job.imported == 1
    assert Listen.objects.filter(user=lastfm_user, title="Brand New").exists()
    assert len([c for c in sandbox.calls("lastfm") if "from=" in c["query"]]) == 1


def test_spotify_sync_keeps_every_new_play(sandbox, auth_client, user, django_capture_on_commit_callbacks):
    token = connect_spotify(sandbox, user)
    start(auth_client, django_capture_on_commit_callbacks, source="spotify")
    assert Listen.objects.filter(user=user, source="spotify").count() == 50
    SpotifyClient(settings.SPOTIFY_API_URL, token).next()  # the track playing now ends
    SpotifyClient(settings.SPOTIFY_API_URL, token).next()

    start(auth_client, django_capture_on_commit_callbacks, source="spotify")

    job = SyncJob.objects.filter(user=user).latest("created_at")
    assert job.status == "done"
    assert job.imported == 2
    assert Listen.objects.filter(user=user, source="spotify").count() == 52
    after_calls = [c for c in sandbox.calls("spotify-api") if "after=" in c["query"]]
    assert after_calls


def test_one_job_at_a_time_per_source(auth_client, lastfm_user):
    first = auth_client.post(SYNC, {"source": "lastfm"}, format="json")

    second = auth_client.post(SYNC, {"source": "lastfm", "kind": "backfill"}, format="json")

    assert first.status_code == 202
    assert second.status_code == 409
    assert second.json()["code"] == "sync_in_progress"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"source": "napster"}, "source"), ({"source": "spotify", "kind": "backfill"}, "kind"), ({}, "source")],
)
def test_bad_sync_requests_are_400(auth_client, body, field):
    response = auth_client.post(SYNC, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_starting_without_a_key_uses_the_seeds_message(auth_client):
    response = auth_client.post(SYNC, {"source": "spotify"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "No Spotify API key found"


def test_a_refused_key_fails_the_job_with_the_reason(
    sandbox, auth_client, user, django_capture_on_commit_callbacks
):
    connect_lastfm(user, key="an-invalid-lastfm-key-000000")

    start(auth_client, django_capture_on_commit_callbacks, source="lastfm")

    job = SyncJob.objects.get(user=user)
    assert job.status == "failed"
    assert job.error_code == "provider_auth_error"
    assert "Invalid API key" in job.last_error
    assert auth_client.get("/music/sync/status/").json()["jobs"][0]["last_error"] == job.last_error


def test_the_periodic_sync_starts_a_job_for_every_connected_source(
    sandbox, django_capture_on_commit_callbacks
):
    both, no_username, nothing = UserFactory(), UserFactory(), UserFactory()
    connect_lastfm(both)
    connect_spotify(sandbox, both)
    connect_lastfm(no_username, username=None)

    with django_capture_on_commit_callbacks(execute=True):
        started = sync.sync_enqueue_due()

    assert started == 2
    assert set(SyncJob.objects.filter(user=both).values_list("source", flat=True)) == {"lastfm", "spotify"}
    assert not SyncJob.objects.filter(user__in=[no_username, nothing]).exists()
    assert Listen.objects.filter(user=both, source="spotify").count() == 50


def test_status_shows_only_my_jobs(auth_client, lastfm_user):
    other = UserFactory()
    connect_lastfm(other)
    sync.sync_start(user=other, source="lastfm")

    assert auth_client.get("/music/sync/status/").json() == {"jobs": []}


def test_a_sync_after_an_import_adds_no_twin_of_an_exported_play(
    sandbox, auth_client, user, django_capture_on_commit_callbacks
):
    """The same Spotify play, from an export (its end to the second) and then from the API (to the ms,
    a few seconds apart): stored once, whichever came first."""
    from django.db import transaction

    from listening.importers import ListenRow

    connect_spotify(sandbox, user)
    track = (
        SpotifyClient(
            settings.SPOTIFY_API_URL, sandbox.admin("spotify", "issue_token", user="wizzler")["access_token"]
        )
        .recently_played(limit=1)
        .items[0]
    )
    exported = ListenRow(
        title=track.track.name,
        artist=track.track.artists[0].name if track.track.artists else "",
        album="",
        played_at=track.played_at.replace(microsecond=0) - timedelta(seconds=3),
        source="spotify_export",
    )
    with transaction.atomic():
        store.listens_store(user_id=user.pk, rows=[exported])

    start(auth_client, django_capture_on_commit_callbacks, source="spotify")

    same_play = Listen.objects.filter(
        user=user,
        title=exported.title,
        played_at__gte=exported.played_at - timedelta(seconds=1),
        played_at__lte=exported.played_at + timedelta(seconds=10),
    )
    assert same_play.count() == 1  # the export's row; the API's twin was not stored
    assert Listen.objects.filter(user=user, source="spotify").count() == 49
