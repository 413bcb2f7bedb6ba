import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from musics.models import Album, Song
from tests.factories import UserFactory
from tests.musics.test_catalog_api import make_song, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_an_admin_uploads_a_song_and_the_checks_apply(admin_browser):
    good = admin_browser.post(
        "/admin/musics/song/add/",
        {"title": "Tone", "artist": "Sine", "audio_file": SimpleUploadedFile("a.wav", wav_bytes(1.0))},
    )
    bad = admin_browser.post(
        "/admin/musics/song/add/",
        {"title": "Fake", "artist": "Sine", "audio_file": SimpleUploadedFile("b.mp3", b"just some text")},
    )

    assert good.status_code == 302, good.content.decode()[:1000]
    assert Song.objects.get().duration == 1
    assert bad.status_code == 200
    assert Song.objects.count() == 1


def test_lists_previews_and_stats(admin_browser):
    album = Album.objects.create(title="Night Drive", artist="Nova Lane")
    song = make_song("Headlights", "Nova Lane", album)

    assert "Headlights" in admin_browser.get("/admin/musics/song/").content.decode()
    assert "<audio" in admin_browser.get(f"/admin/musics/song/{song.pk}/change/").content.decode()
    assert "Headlights" in admin_browser.get(f"/admin/musics/album/{album.pk}/change/").content.decode()
    stats = admin_browser.get("/admin/stats/").content.decode()
    assert "Platform statistics" in stats
    assert "<td>1</td>" in stats
    assert "Platform statistics" in admin_browser.get("/admin/").content.decode()


def test_stats_page_is_for_admins(client, user):
    client.force_login(user)

    assert client.get("/admin/stats/").status_code == 302
