"""Seed 000's admin: sections per platform, write-only secrets, and Spotify's OAuth buttons."""

from urllib.parse import urlsplit

import pytest

from credentials import utils
from credentials.models import SpotifyCredential
from sandbox.services import spotify as spotify_sandbox
from tests.credentials.conftest import VALID_CREDENTIALS
from tests.spotify_browser import consent, query

pytestmark = pytest.mark.django_db

MODELS = ["spotifycredential", "youtubemusiccredential", "amazonmusiccredential", "applemusiccredential"]
MODELS += ["deezercredential", "tidalcredential"]


@pytest.mark.parametrize("platform", sorted(VALID_CREDENTIALS))
def test_no_secret_appears_on_any_admin_page(admin_browser, platform):
    credential = utils.create_platform_credential(platform_name=platform, **VALID_CREDENTIALS[platform])
    model = type(credential)._meta.model_name
    secrets = [getattr(credential, name) for name in credential.secret_fields if getattr(credential, name)]

    pages = [
        admin_browser.get("/admin/credentials/"),
        admin_browser.get(f"/admin/credentials/{model}/"),
        admin_browser.get(f"/admin/credentials/{model}/{credential.pk}/change/"),
    ]

    assert secrets
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for secret in secrets:
            assert secret not in html


def test_the_index_has_a_section_for_every_platform(admin_browser):
    html = admin_browser.get("/admin/").content.decode()

    for label in ("Spotify Credentials", "YouTube Music Credentials", "Amazon Music Credentials"):
        assert label in html
    for label in ("Apple Music Credentials", "Deezer Credentials", "Tidal Credentials"):
        assert label in html


def test_the_list_shows_a_colour_coded_validation_status(sandbox, admin_browser):
    credential = utils.create_platform_credential(platform_name="youtube_music", api_key="bad-key")
    credential.validate_credentials()

    html = admin_browser.get("/admin/credentials/youtubemusiccredential/").content.decode()

    assert '<strong style="color: #cf222e">Invalid</strong>' in html


def test_an_empty_secret_input_keeps_the_stored_secret(admin_browser):
    credential = utils.create_platform_credential(
        platform_name="tidal", client_id="cid", client_secret="keep-me"
    )

    response = admin_browser.post(
        f"/admin/credentials/tidalcredential/{credential.pk}/change/",
        {
            "name": "tidal",
            "is_active": "on",
            "description": "renamed",
            "client_id": "cid2",
            "client_secret": "",
            "country_code": "US",
            "access_token": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    credential.refresh_from_db()
    assert credential.client_secret == "keep-me"
    assert credential.client_id == "cid2"


def test_a_new_secret_replaces_the_stored_one(admin_browser):
    credential = utils.create_platform_credential(platform_name="tidal", client_id="cid", client_secret="old")

    admin_browser.post(
        f"/admin/credentials/tidalcredential/{credential.pk}/change/",
        {
            "name": "tidal",
            "is_active": "on",
            "client_id": "cid",
            "client_secret": "new-secret",
            "country_code": "US",
        },
    )

    credential.refresh_from_db()
    assert credential.client_secret == "new-secret"


def test_validate_button(sandbox, admin_browser):
    credential = utils.create_platform_credential(
        platform_name="youtube_music", **VALID_CREDENTIALS["youtube_music"]
    )

    response = admin_browser.post(
        f"/admin/credentials/youtubemusiccredential/{credential.pk}/validate/", follow=True
    )

    assert "credentials are valid" in response.content.decode()
    credential.refresh_from_db()
    assert credential.validation_status == "valid"
    assert (
        admin_browser.get(f"/admin/credentials/youtubemusiccredential/{credential.pk}/validate/").status_code
        == 405
    )


def test_the_full_admin_oauth_flow(sandbox, admin_browser):
    credential = utils.create_platform_credential(
        platform_name="spotify",
        client_id=spotify_sandbox.CLIENT_ID,
        client_secret=spotify_sandbox.CLIENT_SECRET,
    )
    callback_path = f"/admin/credentials/spotifycredential/{credential.pk}/oauth-callback/"
    credential.redirect_uri = f"http://127.0.0.1:8000{callback_path}"
    credential.save()

    page = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/change/").content.decode()
    assert "Start OAuth Flow" in page
    assert "Refresh Token" in page
    assert "Validate Credentials" in page
    assert "No token yet" in page

    start = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")
    assert start.status_code == 302
    location = consent(start["Location"])
    assert urlsplit(location).path == callback_path

    done = admin_browser.get(f"{callback_path}?{urlsplit(location).query}", follow=True)
    assert "Spotify authorised" in done.content.decode()
    credential.refresh_from_db()
    first_token = credential.access_token
    assert first_token
    assert credential.refresh_token
    assert credential.token_expiry is not None
    page = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/change/").content.decode()
    assert "Access token valid for" in page
    assert first_token not in page

    refreshed = admin_browser.post(
        f"/admin/credentials/spotifycredential/{credential.pk}/refresh-token/", follow=True
    )
    assert "Token refreshed" in refreshed.content.decode()
    credential.refresh_from_db()
    assert credential.access_token != first_token

    validated = admin_browser.post(
        f"/admin/credentials/spotifycredential/{credential.pk}/validate/", follow=True
    )
    assert "credentials are valid" in validated.content.decode()

    replay = admin_browser.get(f"{callback_path}?{urlsplit(location).query}", follow=True)
    assert "OAuth failed" in replay.content.decode()


def test_the_admin_callback_refuses_a_forged_state(sandbox, admin_browser):
    credential = utils.create_platform_credential(
        platform_name="spotify",
        client_id=spotify_sandbox.CLIENT_ID,
        client_secret=spotify_sandbox.CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/admin/credentials/spotifycredential/1/oauth-callback/",
    )
    admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")

    response = admin_browser.get(
        f"/admin/credentials/spotifycredential/{credential.pk}/oauth-callback/?code=abc&state=forged",
        follow=True,
    )

    assert "OAuth failed" in response.content.decode()
    credential.refresh_from_db()
    assert not credential.access_token


def test_the_admin_callback_reports_a_denial(sandbox, admin_browser):
    credential = utils.create_platform_credential(
        platform_name="spotify",
        client_id=spotify_sandbox.CLIENT_ID,
        client_secret=spotify_sandbox.CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/cb",
    )
    start = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")
    location = consent(start["Location"], decision="deny")

    response = admin_browser.get(
        f"/admin/credentials/spotifycredential/{credential.pk}/oauth-callback/?{urlsplit(location).query}",
        follow=True,
    )

    assert query(location)["error"] == "access_denied"
    assert "did not authorise" in response.content.decode()


def test_a_revoked_refresh_token_is_shown_and_reported(sandbox, admin_browser):
    credential = utils.create_platform_credential(
        platform_name="spotify",
        client_id=spotify_sandbox.CLIENT_ID,
        client_secret=spotify_sandbox.CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/cb",
    )
    location = consent(credential.get_authorization_url())
    credential.exchange_code_for_tokens(query(location)["code"])
    sandbox.admin("spotify", "revoke_refresh_token", user=spotify_sandbox.PREMIUM_USER)

    response = admin_browser.post(
        f"/admin/credentials/spotifycredential/{credential.pk}/refresh-token/", follow=True
    )

    assert "Refresh failed" in response.content.decode()
    credential.refresh_from_db()
    assert "invalid_grant" in credential.validation_error
    assert credential.validation_status == "invalid"


def test_non_admins_cannot_reach_the_buttons(client, user):
    credential = SpotifyCredential.objects.create(client_id="c", client_secret="s")
    client.force_login(user)

    response = client.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_twenty_callers_of_get_valid_access_token_cause_one_refresh(sandbox):
    import threading
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    credential = utils.create_platform_credential(
        platform_name="spotify",
        client_id=spotify_sandbox.CLIENT_ID,
        client_secret=spotify_sandbox.CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/cb",
    )
    location = consent(credential.get_authorization_url())
    credential.exchange_code_for_tokens(query(location)["code"])
    SpotifyCredential.objects.filter(pk=credential.pk).update(
        token_expiry=timezone.now() - timedelta(minutes=1)
    )
    before = len(sandbox.calls("spotify-accounts"))
    barrier = threading.Barrier(20)
    tokens: list[str] = []
    errors: list[Exception] = []

    def use():
        try:
            mine = SpotifyCredential.objects.get(pk=credential.pk)
            barrier.wait(timeout=10)
            tokens.append(mine.get_valid_access_token())
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(tokens)) == 1
    assert len(tokens) == 20
    refreshes = [c for c in sandbox.calls("spotify-accounts")[before:] if c["path"].endswith("/api/token")]
    assert len(refreshes) == 1
