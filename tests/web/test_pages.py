"""The web pages as a browser without JavaScript sees them (Playwright covers the rest)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from musics.models import Song
from tests.factories import PASSWORD, UserFactory
from tests.musics.test_catalog_api import make_song, wav_bytes
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_up_signs_in_and_leads_to_connections(client):
    response = client.post(
        "/signup",
        {"full_name": "Nina", "email": "Nina@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/connections"
    assert User.objects.get().email == "nina@example.com"
    assert client.get("/").status_code == 200


def test_sign_up_errors_name_the_field(client):
    UserFactory(email="taken@example.com")

    taken = client.post(
        "/signup", {"email": "taken@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    weak = client.post("/signup", {"email": "new@example.com", "password1": "123", "password2": "123"})

    assert "already registered" in taken.content.decode()
    assert "too short" in weak.content.decode()
    assert User.objects.count() == 1


def test_sign_in_and_out(client, user):
    signed_in = client.post("/signin", {"username": user.email.upper(), "password": PASSWORD})
    wrong = Client().post("/signin", {"username": user.email, "password": "nope"})
    signed_out = client.post("/signout")

    assert signed_in.status_code == 302
    assert "Wrong email or password" in wrong.content.decode()
    assert signed_out.status_code == 302
    assert client.get("/").status_code == 302  # back to the sign-in page


def test_pages_need_a_signed_in_user(client):
    for url in ("/", "/library", "/profile"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/signin")


def test_home_shows_the_discovery_rows_and_play_buttons(browser):
    for n in range(8):
        make_song(f"Song {n}", "Nova Lane")

    html = browser.get("/").content.decode()

    assert "Made for you" in html
    assert "Trending this week" in html
    assert html.count("data-play") >= 14
    assert "/api/songs/" in html


def test_home_says_what_to_do_when_the_library_is_empty(browser):
    assert "The library is empty" in browser.get("/").content.decode()


def test_library_search_and_album_page(browser):
    from musics.models import Album

    album = Album.objects.create(title="Night Drive", artist="Nova Lane")
    make_song("Headlights", "Nova Lane", album)
    make_song("Other", "Björk")

    found = browser.get("/library?q=headl").content.decode()
    page = browser.get(f"/library/albums/{album.pk}").content.decode()

    assert "Headlights" in found
    assert "Björk" not in found
    assert "Night Drive" in page
    assert "Headlights" in page


def test_an_admin_uploads_from_the_library_page(settings):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)

    page = client.get("/library").content.decode()
    response = client.post(
        "/library",
        {"audio_file": SimpleUploadedFile("x.wav", wav_bytes(1.0)), "title": "Tone", "artist": "Sine"},
    )
    refused = client.post("/library", {"audio_file": SimpleUploadedFile("x.mp3", b"not audio")})

    assert "Upload a song" in page
    assert response.status_code == 302
    assert Song.objects.get().title == "Tone"
    assert refused.status_code == 200
    assert "not audio" in refused.content.decode() or "can be played" in refused.content.decode()


def test_profile_changes_the_name(browser, user):
    browser.post("/profile", {"full_name": "New Name"})

    user.refresh_from_db()
    assert user.full_name == "New Name"
