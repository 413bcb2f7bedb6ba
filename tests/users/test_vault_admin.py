import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.secrets_watch import secret
from users import vault
from users.models import UserApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_shows_a_masked_hint_never_the_key(admin_client):
    key = secret("BQC4")
    row = vault.api_key_create(user=UserFactory(), service_name="spotify", api_key=key)

    listing = admin_client.get("/admin/users/userapikey/")
    page = admin_client.get(f"/admin/users/userapikey/{row.pk}/change/")

    assert listing.status_code == 200
    assert page.status_code == 200
    for response in (listing, page):
        html = response.content.decode()
        assert key not in html
        assert row.key not in html  # not even the ciphertext
    assert f"••••{key[-4:]}" in listing.content.decode()


def test_an_admin_can_replace_a_key_without_reading_it(admin_client):
    row = vault.api_key_create(
        user=UserFactory(), service_name="lastfm", api_key=secret(), service_user_id="rj"
    )
    replacement = secret()

    response = admin_client.post(
        f"/admin/users/userapikey/{row.pk}/change/",
        {"user": row.user_id, "service_name": "lastfm", "service_user_id": "rj", "new_key": replacement},
    )

    assert response.status_code == 302, response.content.decode()[:500]
    assert UserApiKey.objects.get(pk=row.pk).get_key() == replacement


def test_leaving_the_replacement_empty_keeps_the_key(admin_client):
    key = secret()
    row = vault.api_key_create(user=UserFactory(), service_name="steam", api_key=key)

    admin_client.post(
        f"/admin/users/userapikey/{row.pk}/change/",
        {"user": row.user_id, "service_name": "steam", "service_user_id": "765", "new_key": ""},
    )

    row.refresh_from_db()
    assert row.get_key() == key
    assert row.service_user_id == "765"
