"""The Import panel on the Connections page: upload, dry-run counts, start, progress, cancel, ownership."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from listening import import_jobs
from listening.models import ImportJob, Listen
from tests.imports.helpers import spotify_zip, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_has_the_import_panel(browser):
    html = browser.get("/connections").content.decode()
    assert 'id="import"' in html
    assert 'name="file"' in html
    assert "Spotify Extended Streaming History" in html  # the formats it reads


def test_dry_run_then_import_from_the_panel(browser, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/connections/imports", {"file": upload(spotify_zip()), "dry_run": "on"}, **HTMX
        )
    assert response.status_code == 200
    assert "Dry run started" in response.content.decode()
    dry = ImportJob.objects.get(user=user)
    html = browser.get(f"/connections/imports/{dry.pk}").content.decode()  # the next poll
    assert "8 listens to add" in html
    assert "Left out (2): 2 skipped in under 30 s." in html
    assert Listen.objects.count() == 0
    assert f"/connections/imports/{dry.pk}/confirm" in html

    with django_capture_on_commit_callbacks(execute=True):
        html = browser.post(f"/connections/imports/{dry.pk}/confirm", **HTMX).content.decode()
    assert "Import started" in html
    assert Listen.objects.filter(user=user).count() == 8
    real = ImportJob.objects.filter(user=user, dry_run=False).get()
    job_html = browser.get(f"/connections/imports/{real.pk}").content.decode()
    assert "8 listens added" in job_html
    assert 'data-status="done"' in job_html
    assert "hx-get" not in job_html  # finished: the polling stops


def test_a_running_job_polls_and_can_be_cancelled(browser, user, monkeypatch):
    monkeypatch.setattr(import_jobs, "enqueue_on_commit", lambda *a, **k: None)
    browser.post("/connections/imports", {"file": upload(spotify_zip())}, **HTMX)
    job = ImportJob.objects.get(user=user)
    html = browser.get(f"/connections/imports/{job.pk}").content.decode()
    assert 'hx-trigger="every 1s"' in html
    html = browser.post(f"/connections/imports/{job.pk}/cancel", **HTMX).content.decode()
    assert "Import cancelled" in html
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_an_unknown_file_says_which_formats_are_read(browser):
    html = browser.post(
        "/connections/imports", {"file": upload(b"hello", "notes.txt")}, **HTMX
    ).content.decode()
    assert "none of the formats MusicHub reads" in html
    assert ImportJob.objects.count() == 0


def test_no_file_is_a_message_not_an_error(browser):
    response = browser.post("/connections/imports", {}, **HTMX)
    assert response.status_code == 200
    assert "Choose an export file" in response.content.decode()


def test_another_users_job_is_404(browser, other_user, monkeypatch):
    monkeypatch.setattr(import_jobs, "enqueue_on_commit", lambda *a, **k: None)
    theirs = import_jobs.import_start(user=other_user, upload=upload(spotify_zip()))
    assert browser.get(f"/connections/imports/{theirs.pk}").status_code == 404
    assert browser.post(f"/connections/imports/{theirs.pk}/cancel").status_code == 404
    assert browser.post(f"/connections/imports/{theirs.pk}/confirm").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "queued"


def test_the_upload_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/connections/imports", {"file": upload(spotify_zip())})
    assert response.status_code == 403
    page = client.get("/connections").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        "/connections/imports", {"file": upload(spotify_zip()), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # without htmx: back to the page with a flash


def test_the_upload_goes_to_disk_whatever_its_size(browser, monkeypatch):
    seen = []
    original = import_jobs.import_start

    def spy(*, user, upload, dry_run=False):
        seen.append(type(upload).__name__)
        return original(user=user, upload=upload, dry_run=dry_run)

    monkeypatch.setattr(import_jobs, "import_start", spy)
    monkeypatch.setattr(import_jobs, "enqueue_on_commit", lambda *a, **k: None)
    browser.post("/connections/imports", {"file": upload(spotify_zip())}, **HTMX)
    assert seen == ["TemporaryUploadedFile"]
