"""The Connections page: vault keys through forms, Spotify's OAuth start, and the sync's progress bar."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from listening.models import Listen, SyncJob
from tests.secrets_watch import secret
from users import vault
from users.models import UserApiKey

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/connections")

    assert response.status_code == 302
    assert response["Location"].startswith("/signin")


def test_every_vault_service_is_listed_with_its_state(browser, user):
    vault.api_key_create(user=user, service_name="steam", api_key=secret(), service_user_id="7656119")
    row = vault.api_key_create(user=user, service_name="deezer", api_key=secret())
    row.mark_failed("Deezer said the token is invalid.")
    row.save()

    html = browser.get("/connections").content.decode()

    for name in ("Spotify", "Last.fm", "Steam", "PlayStation", "Tidal", "Amazon Music", "Trakt Client ID"):
        assert name in html
    steam = _card(html, "steam")
    assert "Connected" in steam
    assert "7656119" in steam
    assert "Refused last check" in _card(html, "deezer")
    assert "Deezer said the token is invalid." in _card(html, "deezer")
    assert "Not connected" in _card(html, "lastfm")
    assert 'name="api_key" value=""' in steam  # an empty password input, never the key
    assert "Connect Spotify" in html
    assert re.search(r"<button[^>]*>Check<", steam)
    assert " disabled" not in steam
    vault.api_key_create(user=user, service_name="trakt_client_secret", api_key=secret())
    trakt = _card(browser.get("/connections").content.decode(), "trakt_client_secret")
    assert "checks a client secret only during an OAuth sign-in" in trakt  # why Check is disabled
    assert "Add your Last.fm API key and username first" in html  # the sync says what to do first


def _card(html: str, service: str) -> str:
    match = re.search(rf'<li class="panel service" id="service-{service}".*?</li>', html, re.S)
    assert match, f"no card for {service}"
    return match.group(0)


def test_add_replace_and_delete_a_key_through_the_forms(browser, user):
    first, second = secret(), secret()

    added = browser.post("/connections/keys/lastfm", {"api_key": first, "service_user_id": "wiz"})
    assert added.status_code == 302
    row = UserApiKey.objects.get(user=user, service_name="lastfm")
    assert row.get_key() == first
    assert row.service_user_id == "wiz"
    page = browser.get("/connections").content.decode()
    assert "Last.fm key saved. Press Check to test it." in page
    assert first not in page
    assert "wiz" in _card(page, "lastfm")

    replaced = browser.post("/connections/keys/lastfm", {"api_key": second, "service_user_id": "wiz"}, **HTMX)
    card = replaced.content.decode()
    assert replaced.status_code == 200
    assert card.lstrip().startswith('<li class="panel service" id="service-lastfm"')
    assert "replaced" in card
    assert first not in card
    assert second not in card
    row.refresh_from_db()
    assert row.get_key() == second

    renamed = browser.post("/connections/keys/lastfm", {"api_key": "", "service_user_id": "nova"}, **HTMX)
    assert "Username replaced" in renamed.content.decode()
    row.refresh_from_db()
    assert row.get_key() == second
    assert row.service_user_id == "nova"

    deleted = browser.post("/connections/keys/lastfm/delete", **HTMX)
    assert "key is deleted" in deleted.content.decode()
    assert "Not connected" in deleted.content.decode()
    assert not UserApiKey.objects.filter(user=user).exists()


def test_a_missing_key_is_a_field_error(browser, user):
    response = browser.post("/connections/keys/steam", {"api_key": "", "service_user_id": ""})

    assert response.status_code == 400
    assert "Paste your Steam api key." in _card(response.content.decode(), "steam")
    assert not UserApiKey.objects.exists()


def test_an_unknown_service_is_a_404(browser):
    assert browser.post("/connections/keys/myspace", {"api_key": "x"}).status_code == 404


def test_a_refused_key_shows_the_error(sandbox, browser, user):
    wrong = secret()
    browser.post("/connections/keys/lastfm", {"api_key": wrong, "service_user_id": "wiz"})

    checked = browser.post("/connections/keys/lastfm/check", **HTMX).content.decode()

    assert "Last.fm refused it" in checked
    assert "Invalid API key" in checked
    assert "Refused last check" in checked
    assert wrong not in checked
    page = browser.get("/connections").content.decode()
    assert "Last error: " in _card(page, "lastfm")


def test_an_accepted_key_says_so(sandbox, browser, user):
    vault.api_key_create(
        user=user, service_name="lastfm", api_key="sandbox-lastfm-key", service_user_id="wiz"
    )

    checked = browser.post("/connections/keys/lastfm/check", **HTMX).content.decode()

    assert "Last.fm accepted it" in checked
    assert "Checked" in checked
    assert "sandbox-lastfm-key" not in checked


def test_connect_spotify_goes_to_the_sandbox_consent_page(sandbox, browser):
    page = browser.get("/connections").content.decode()
    assert re.search(r'<form method="post" action="/connections/spotify/connect" hx-boost="false">', page)

    response = browser.post("/connections/spotify/connect")

    assert response.status_code == 302
    assert response["Location"].startswith(sandbox.env["SPOTIFY_ACCOUNTS_URL"] + "/authorize")


def test_connect_spotify_without_an_app_says_what_to_do(browser, settings):
    settings.SPOTIFY_CLIENT_ID = settings.SPOTIFY_CLIENT_SECRET = ""

    response = browser.post("/connections/spotify/connect", follow=True)

    assert "Spotify is not configured" in response.content.decode()


def test_the_oauth_callback_outcome_is_a_flash(browser):
    connected = browser.get("/connections?spotify=connected").content.decode()
    failed = browser.get(
        "/connections?spotify=error&reason=access_denied&message=You+said+no."
    ).content.decode()

    assert "Spotify is connected" in connected
    assert "You said no." in failed
    assert "Connect Spotify" in failed


def test_disconnect_spotify(browser, user):
    vault.api_key_store(user=user, service_name="spotify", api_key=secret(), metadata={"source": "oauth"})

    response = browser.post("/connections/spotify/disconnect", **HTMX)

    assert "Spotify is disconnected" in response.content.decode()
    assert not UserApiKey.objects.filter(user=user).exists()


def test_a_backfill_runs_and_its_progress_partial_reaches_100(
    sandbox, browser, user, django_capture_on_commit_callbacks
):
    vault.api_key_create(
        user=user, service_name="lastfm", api_key="sandbox-lastfm-key", service_user_id="wiz"
    )

    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post("/connections/sync", {"source": "lastfm", "kind": "backfill"}, **HTMX)

    assert "Import of your whole Last.fm history started" in started.content.decode()
    job = SyncJob.objects.get(user=user)
    assert job.status == "done"
    partial = browser.get(f"/connections/sync/{job.pk}", **HTMX).content.decode()
    assert "width:100%" in partial
    assert ">done<" in partial
    assert "page 15 of 15" in partial
    assert f"{Listen.objects.filter(user=user).count()} listens imported" in partial
    assert "hx-get" not in partial  # finished: the polling stops


def test_a_running_job_keeps_polling(browser, user):
    job = SyncJob.objects.create(user=user, source="lastfm", kind="backfill", status="running")
    job.pages_done, job.pages_total, job.imported = 3, 12, 600
    job.save()

    partial = browser.get(f"/connections/sync/{job.pk}").content.decode()

    assert f'hx-get="/connections/sync/{job.pk}"' in partial
    assert 'hx-trigger="every 1s"' in partial
    assert "width:25%" in partial
    assert "page 3 of 12" in partial
    assert "600 listens imported" in partial


def test_another_users_job_is_a_404(browser, other_user):
    job = SyncJob.objects.create(user=other_user, source="lastfm", kind="sync")

    assert browser.get(f"/connections/sync/{job.pk}").status_code == 404


def test_a_sync_without_a_connection_says_what_is_missing(browser):
    response = browser.post("/connections/sync", {"source": "lastfm", "kind": "sync"}, follow=True)

    assert "No Last.fm API key found" in response.content.decode()
    assert not SyncJob.objects.exists()


def test_a_failed_job_shows_its_last_error(browser, user):
    job = SyncJob.objects.create(user=user, source="spotify", kind="sync")
    job.mark_failed("Spotify refused the refresh: revoked", "spotify_reconnect_required")
    job.save()

    html = browser.get("/connections").content.decode()

    assert "Spotify refused the refresh: revoked" in html
    assert ">failed<" in html


def test_times_follow_the_tz_cookie(browser, user):
    expires = (timezone.now() + timedelta(days=400)).replace(month=3, day=10, hour=23, minute=30, second=0)
    vault.api_key_create(
        user=user, service_name="deezer", api_key=secret(), metadata={"expires_at": expires.isoformat()}
    )
    browser.cookies["tz"] = "Asia/Tokyo"

    card = _card(browser.get("/connections").content.decode(), "deezer")

    assert "Expires at 11 Mar, 08:30." in card


def test_a_saved_key_names_the_service_once(browser):
    """Issue 18 item 10: "YouTube Music key saved", not "YouTube Music youtube data api key saved"."""
    browser.post("/connections/keys/youtube_music", {"api_key": secret()})

    page = browser.get("/connections").content.decode()
    assert "YouTube Music key saved. Press Check to test it." in page
    assert "youtube data api key saved" not in page.lower()
