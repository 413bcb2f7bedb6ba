import pytest
from django.test import Client

from listening.importers import ListenRow
from listening.store import listens_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_listens_are_read_only_with_every_image_size(admin_browser, user):
    from datetime import UTC, datetime

    listens_store(
        user_id=user.pk,
        rows=[
            ListenRow(
                title="Hoppípolla",
                artist="Sigur Rós",
                album="Takk…",
                played_at=datetime(2024, 1, 1, tzinfo=UTC),
                source="lastfm",
                track_mbid="abc-123",
                album_thumbnail_small="https://img/34s.jpg",
                album_thumbnail_medium="https://img/64s.jpg",
                album_thumbnail_large="https://img/174s.jpg",
                album_thumbnail_extralarge="https://img/300.jpg",
            )
        ],
    )
    from listening.models import Listen

    listen = Listen.objects.get()

    listing = admin_browser.get("/admin/listening/listen/?source__exact=lastfm&loved__exact=0")
    page = admin_browser.get(f"/admin/listening/listen/{listen.pk}/change/").content.decode()
    found = admin_browser.get("/admin/listening/listen/?q=abc-123").content.decode()

    assert listing.status_code == 200
    assert "Hoppípolla" in listing.content.decode()
    for url in ("34s.jpg", "64s.jpg", "174s.jpg", "300.jpg"):
        assert url in page
    assert "Hoppípolla" in found
    assert admin_browser.get("/admin/listening/listen/add/").status_code == 403
    assert 'name="_save"' not in page
